/*
 * phone-rating.js: 好差评 on the visitor's phone page. Once the ticket is served (phone.js calls
 * PhoneRating.served()), it asks /api/tickets/{id}/rating whether the service may still be rated: if so it offers
 * the five levels; a 差评 (不满意, 非常不满意) then asks for at least one reason; a comment is optional. Then, and on
 * every later visit, it thanks the visitor. Only a page opened from the ticket's own QR code may rate: its link
 * carries the visitor's key (?k=…), sent as X-Ticket-Key; the ticket id alone is on every hall screen.
 */
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("phone-config").textContent);
  const choices = config.rating;
  const en = config.lang === "en";
  const $ = (id) => document.getElementById(id);
  const url = "/api/tickets/" + encodeURIComponent(config.ticket_id) + "/rating";
  const headers = { "X-Ticket-Key": config.key || "" };
  const levelName = (value) => {
    const level = choices.levels.find((l) => l.value === value);
    return level ? (en ? level.en : level.zh) : "";
  };
  const text = en
    ? {
        given: (l) => `You rated it “${levelName(l)}”.`,
        noReason: "Please choose at least one reason.",
        unreachable: "Could not send your rating; please try again.",
      }
    : {
        given: (l) => `您的评价：「${levelName(l)}」。`,
        noReason: "请至少选择一项原因。",
        unreachable: "评价未能提交，请重试。",
      };

  let level = null;
  let asked = false;

  function showOnly(which) {
    $("rating").hidden = false;
    $("rating-form").hidden = which !== "form";
    $("rating-thanks").hidden = which !== "thanks";
    $("rating-closed").hidden = which !== "closed";
  }

  function thank(rating) {
    $("rating-given").textContent = rating ? text.given(rating.level) : "";
    showOnly("thanks");
  }

  function say(message) {
    $("rating-error").textContent = message || "";
    $("rating-error").hidden = !message;
  }

  function choose(value) {
    level = value;
    for (const button of document.querySelectorAll("#rating .level")) {
      button.setAttribute("aria-checked", String(Number(button.dataset.level) === value));
    }
    $("rating-reasons").hidden = value > choices.bad_up_to;
    $("rating-comment-box").hidden = false;
    $("rating-submit").hidden = false;
    say("");
  }

  async function submit(event) {
    event.preventDefault();
    const bad = level <= choices.bad_up_to;
    const reasons = bad
      ? Array.from(document.querySelectorAll('#rating-reasons input[name="reason"]:checked'), (box) => box.value)
      : [];
    if (bad && reasons.length === 0) {
      say(text.noReason);
      return;
    }
    $("rating-submit").disabled = true;
    try {
      const answer = await window.TideApi.request(url, {
        method: "POST",
        headers,
        body: { level, reasons, comment: $("rating-comment").value },
      });
      thank(answer.rating);
    } catch (error) {
      $("rating-submit").disabled = false;
      if (!(error instanceof window.TideApi.ApiError)) {
        say(text.unreachable);
      } else if (error.code === "already_rated") {
        thank(null);
      } else if (error.code === "rating_closed") {
        showOnly("closed");
      } else {
        say(en ? error.messageEn : error.message);
      }
    }
  }

  async function served() {
    if (asked || !config.key) return; // asked once; without the ticket's key (a shared link) nobody may rate
    asked = true;
    try {
      const state = await window.TideApi.request(url, { headers });
      if (state.rating) thank(state.rating);
      else if (state.open) showOnly("form");
      else showOnly("closed");
    } catch (error) {
      asked = false; // try again with the next message
    }
  }

  for (const button of document.querySelectorAll("#rating .level")) {
    button.addEventListener("click", () => choose(Number(button.dataset.level)));
  }
  $("rating-reasons").addEventListener("change", () => say(""));
  $("rating-form").addEventListener("submit", submit);
  window.PhoneRating = { served };
})();
