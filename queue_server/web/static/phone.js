/*
 * phone.js: a visitor's own ticket on their phone. Follows /ws/tickets/{id} (through feed.js, which
 * reconnects by itself) and shows where the visitor stands: waiting with people ahead and an estimate, an
 * alert near the front, a full-screen "go to window N" when called, and what a finished state means.
 */
(function () {
  "use strict";

  const NEAR_FRONT = 3; // at most this many ahead: time to stop wandering off

  const config = JSON.parse(document.getElementById("phone-config").textContent);
  const en = config.lang === "en";
  const $ = (id) => document.getElementById(id);

  const text = en
    ? {
        states: { waiting: "Waiting", called: "Called", served: "Done", skipped: "Missed", expired: "Expired" },
        ahead: (n) => `${n}`,
        // No estimate when every window for the category is paused: say so rather than guess.
        wait: (m) => (m === null || m === undefined ? "not known" : m === 0 ? "soon" : `~${m} min`),
        near: (n) => (n === 0 ? "You are next — please stay close" : "Almost your turn — listen for your number"),
        go: (w) => `Please go to window ${w}`,
        goSub: (w) => `请到 ${w} 号窗口办理`,
        transferred: (from, to) => `Moved from “${from}” to “${to}”. You keep your place in line.`,
        final: {
          served: ["All done", "Your business has been handled. Thank you for your patience."],
          skipped: [
            "Your number was missed",
            "You were called but not at the window. If you still need the service, ask at the information " +
              "desk: you can rejoin the line.",
          ],
          expired: [
            "This ticket has expired",
            "The service day has ended and this ticket is no longer valid. Please take a new ticket.",
          ],
        },
        title: (t) => (t.state === "called" ? `${t.number} · Go to window ${t.window}` : `${t.number} · My ticket`),
      }
    : {
        states: { waiting: "等候中", called: "已叫号", served: "已办结", skipped: "已过号", expired: "已失效" },
        ahead: (n) => `${n} 人`,
        wait: (m) => (m === null || m === undefined ? "暂无法估计" : m === 0 ? "马上" : `约 ${m} 分钟`),
        near: (n) => (n === 0 ? "下一位就是您，请留意叫号" : "即将轮到您，请留意叫号"),
        go: (w) => `请到 ${w} 号窗口办理`,
        goSub: (w) => `Please go to window ${w}`,
        transferred: (from, to) => `您的业务已从「${from}」转到「${to}」，排队位置不变。`,
        final: {
          served: ["业务已办结", "感谢您的耐心等候。"],
          skipped: ["您的号码已过号", "叫号时您不在窗口。如仍需办理，请到咨询台说明，可重新排队。"],
          expired: ["此号已失效", "今天的服务已结束，此号不再有效。如需办理，请重新取号。"],
        },
        title: (t) => (t.state === "called" ? `${t.number} · 请到 ${t.window} 号窗口` : `${t.number} · 我的排队号`),
      };

  function categoryName(code) {
    const c = config.categories[code];
    if (!c) return code;
    return en ? c.name_en : c.name;
  }

  function show(id, visible) {
    $(id).hidden = !visible;
  }

  function drawTicket(ticket) {
    show("ticket", true);
    $("number").textContent = ticket.number;
    $("category").textContent = categoryName(ticket.service);
    $("state").textContent = text.states[ticket.state] || ticket.state;
    $("state").className = "state " + ticket.state;
    document.title = text.title(ticket);
  }

  function drawWaiting(ticket) {
    const waiting = ticket.state === "waiting";
    const moved = ticket.transferred_from;
    show("waiting-facts", waiting);
    show("near", waiting && ticket.ahead <= NEAR_FRONT);
    show("transferred", waiting && Boolean(moved));
    if (!waiting) return;
    $("ahead").textContent = text.ahead(ticket.ahead);
    $("wait").textContent = text.wait(ticket.estimated_wait_minutes);
    $("near").textContent = text.near(ticket.ahead);
    if (moved) $("transferred").textContent = text.transferred(categoryName(moved), categoryName(ticket.service));
  }

  function drawCalled(ticket) {
    const called = ticket.state === "called";
    show("called", called);
    if (!called) return;
    $("called-number").textContent = ticket.number;
    $("called-text").textContent = text.go(ticket.window);
    $("called-sub").textContent = text.goSub(ticket.window);
    show("called-recall", (ticket.recalls || 0) > 0);
  }

  function drawFinal(ticket) {
    const words = text.final[ticket.state];
    show("final", Boolean(words));
    if (!words) return;
    const title = document.createElement("strong");
    title.textContent = words[0];
    $("final").replaceChildren(title, document.createTextNode(words[1]));
  }

  // A phone in a pocket: a buzz says "look now". Only for a real call, not for opening the page.
  function buzz(event) {
    if ((event === "called" || event === "recalled") && navigator.vibrate) {
      navigator.vibrate([400, 200, 400, 200, 400]);
    }
  }

  function onMessage(message) {
    if (message.type === "error") {
      show("ticket", false);
      show("called", false);
      show("unknown", true);
      socket.close(); // it will not start existing by asking again
      return;
    }
    if (message.type !== "ticket") return; // heartbeats only keep the connection honest
    const ticket = message.ticket;
    drawTicket(ticket);
    drawWaiting(ticket);
    drawCalled(ticket);
    drawFinal(ticket);
    if (ticket.state === "served" && window.PhoneRating) window.PhoneRating.served(); // 好差评 (phone-rating.js)
    buzz(message.event);
  }

  function onStatus(online) {
    show("offline", !online);
  }

  const socket = TideFeed.reconnectingSocket({
    url: () => "/ws/tickets/" + encodeURIComponent(config.ticket_id),
    onMessage,
    onStatus,
  });
})();
