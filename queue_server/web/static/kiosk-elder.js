/*
 * kiosk-elder.js: the kiosk's 长辈模式 (适老化, elder-friendly mode). A toggle in the header makes the type larger,
 * shows four categories a page with 上一页 / 下一页, and reads the choices (and the ticket) aloud with the browser's
 * speech synthesis where there is one. A minute without a touch turns it off, so the next visitor finds the
 * standard kiosk.
 *
 * Separate from kiosk.js on purpose: it only rearranges and reads what kiosk.js draws (the .category buttons,
 * the #ticket screen), so taking a ticket works the same in both modes.
 */
"use strict";

(function () {
  const config = JSON.parse(document.getElementById("kiosk-config").textContent);
  const en = config.lang === "en";
  const TEXT = window.KioskText.words(en).elder;
  const PER_PAGE = 4;
  const IDLE_MS = 60000;

  const $ = (id) => document.getElementById(id);
  const buttons = Array.from(document.querySelectorAll(".category"));
  const pages = Math.max(1, Math.ceil(buttons.length / PER_PAGE));
  const elder = { on: false, page: 0, idle: null };

  // --- speech: only where the browser has it; a kiosk without voices still works, silently -------------------

  function synth() {
    const s = window.speechSynthesis;
    return s && typeof s.speak === "function" && typeof window.SpeechSynthesisUtterance === "function" ? s : null;
  }

  function say(lines) {
    const s = synth();
    if (!s) return;
    try {
      s.cancel(); // the newest screen is the one to hear, not the rest of the last one
      for (const line of lines) {
        const utterance = new window.SpeechSynthesisUtterance(line);
        utterance.lang = TEXT.voice;
        utterance.rate = 0.85; // a little slower than usual, for older ears
        s.speak(utterance);
      }
    } catch (err) {
      /* speech is a help, never a reason for the kiosk to fail */
    }
  }

  function hush() {
    const s = synth();
    if (s) s.cancel();
  }

  function choiceText(button) {
    const code = button.dataset.code;
    const category = config.categories.find((c) => c.code === code);
    const name = category ? (en ? category.name_en : category.name) : code;
    const count = Number.parseInt(button.querySelector(".count").textContent, 10);
    const note = button.querySelector(".note");
    const line = TEXT.choice(code, name, Number.isNaN(count) ? undefined : count);
    const comma = en ? ", " : "，";
    return note && !note.hidden && note.textContent ? `${line}${comma}${note.textContent}` : line;
  }

  // --- pages of four ------------------------------------------------------------------------------------------

  function showPage(page, speak) {
    elder.page = Math.min(Math.max(0, page), pages - 1);
    const first = elder.page * PER_PAGE;
    buttons.forEach((button, i) => {
      button.classList.toggle("off-page", elder.on && (i < first || i >= first + PER_PAGE));
    });
    $("elder-pager").hidden = !elder.on || pages < 2;
    $("elder-page").textContent = TEXT.page(elder.page + 1, pages);
    $("elder-prev").disabled = elder.page === 0;
    $("elder-next").disabled = elder.page === pages - 1;
    if (elder.on && speak) {
      const shown = buttons.slice(first, first + PER_PAGE);
      say([TEXT.choose, ...shown.map(choiceText), ...(elder.page < pages - 1 ? [TEXT.more] : [])]);
    }
  }

  function setElder(on) {
    elder.on = on;
    document.body.classList.toggle("elder", on);
    const toggle = $("elder-toggle");
    toggle.setAttribute("aria-pressed", String(on));
    toggle.textContent = on ? TEXT.off : TEXT.on;
    clearTimeout(elder.idle);
    if (on) elder.idle = setTimeout(() => setElder(false), IDLE_MS);
    else hush();
    showPage(0, on);
  }

  // Any touch or key keeps the mode on for another minute.
  function touched() {
    if (!elder.on) return;
    clearTimeout(elder.idle);
    elder.idle = setTimeout(() => setElder(false), IDLE_MS);
  }

  // The ticket screen, read aloud: the number and how many are ahead, as the screen shows them.
  function watchTicket() {
    const ticket = $("ticket");
    new MutationObserver(() => {
      if (!elder.on || ticket.hidden) return;
      say([TEXT.ticket($("ticket-number").textContent, $("ticket-ahead").textContent)]);
    }).observe(ticket, { attributes: true, attributeFilter: ["hidden"] });
  }

  $("elder-toggle").addEventListener("click", () => setElder(!elder.on));
  $("elder-prev").addEventListener("click", () => showPage(elder.page - 1, true));
  $("elder-next").addEventListener("click", () => showPage(elder.page + 1, true));
  document.addEventListener("pointerdown", touched, true);
  document.addEventListener("keydown", touched, true);
  watchTicket();
  showPage(0, false);
  window.kioskElder = elder; // for a person debugging at the kiosk's console
})();
