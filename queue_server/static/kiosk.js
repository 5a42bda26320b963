// The kiosk (取号机): category buttons with live waiting counts; a press takes a ticket and shows it with a
// QR code for the visitor's phone, then the kiosk returns to the buttons by itself.
"use strict";

(function () {
  const config = JSON.parse(document.getElementById("kiosk-config").textContent);
  const en = config.lang === "en";
  const RETURN_AFTER_SECONDS = 20;
  // Network failures and 5xx are retried with the same Idempotency-Key, so a retry never makes a second ticket.
  const RETRY_DELAYS_MS = [700, 1500];

  const TEXT = en
    ? {
        people: (n) => `${n} ${n === 1 ? "person" : "people"}`,
        minutes: (n) => (n === 0 ? "You are next" : `about ${n} min`),
        noWindow: "No window open for this service right now",
        ahead: (n) => `People ahead: ${n}`,
        issued: (t) => `Issued ${t}`,
        returning: (s) => `Back to the start in ${s} s`,
        unreachable: "Cannot reach the ticket server. Please try again, or ask the staff for help.",
        refused: (status) => `The server refused the ticket (${status}).`,
        reconnecting: "Connection lost, reconnecting… waiting counts may be out of date.",
      }
    : {
        people: (n) => `${n} 人`,
        minutes: (n) => (n === 0 ? "马上就到您" : `约 ${n} 分钟`),
        noWindow: "暂无窗口办理",
        ahead: (n) => `前面还有 ${n} 人`,
        issued: (t) => `取号时间 ${t}`,
        returning: (s) => `${s} 秒后自动返回`,
        unreachable: "无法连接取号服务器，请稍后重试或联系工作人员。Cannot reach the ticket server.",
        refused: (status) => `服务器拒绝了取号请求（${status}）。`,
        reconnecting: "连接中断，正在重连…等候人数可能不是最新。Reconnecting…",
      };

  // --- the hall as the kiosk needs it: waiting per category, and which windows serve and are paused -----

  const hall = {
    waiting: {},
    windows: config.windows.map((w) => ({ number: w.number, services: w.services, paused: false })),
  };

  function applySnapshot(snapshot) {
    hall.waiting = {};
    for (const c of snapshot.categories) hall.waiting[c.code] = c.waiting;
    hall.windows = snapshot.windows.map((w) => ({
      number: w.number,
      services: w.services,
      paused: w.state === "paused",
    }));
  }

  // Only the events that move a visitor into or out of a waiting line change the counts; a ticket at a window
  // is not waiting, so "called" takes one out and "transferred" puts one back (in its new category).
  const WAITING_CHANGE = { issued: 1, requeued: 1, transferred: 1, called: -1, expired: -1 };

  function applyEvent(event) {
    const change = WAITING_CHANGE[event.type];
    if (change && event.service in hall.waiting) {
      hall.waiting[event.service] = Math.max(0, hall.waiting[event.service] + change);
    }
    if (event.type === "paused" || event.type === "resumed") {
      const w = hall.windows.find((x) => x.number === event.window);
      if (w) w.paused = event.type === "paused";
    }
  }

  function minutesOf(code) {
    const category = config.categories.find((c) => c.code === code);
    return category ? category.minutes : 0;
  }

  // Minutes until the visitor is called, or null when no open window serves the category (no honest estimate).
  function estimatedWait(code, ahead) {
    const serving = hall.windows.filter((w) => !w.paused && w.services.includes(code)).length;
    if (serving === 0) return null;
    return Math.ceil((ahead * minutesOf(code)) / serving);
  }

  // --- screens ------------------------------------------------------------------------------------------

  const $ = (id) => document.getElementById(id);

  function show(screen) {
    for (const id of ["choose", "busy", "ticket", "error"]) $(id).hidden = id !== screen;
  }

  function renderCounts() {
    for (const button of document.querySelectorAll(".category")) {
      const count = hall.waiting[button.dataset.code];
      button.querySelector(".count").textContent = count === undefined ? "–" : String(count);
    }
  }

  function renderFeedStatus(connected) {
    $("feed-status").hidden = connected;
    $("feed-status").textContent = connected ? "" : TEXT.reconnecting;
    document.body.classList.toggle("stale", !connected);
  }

  function categoryLabel(code) {
    const c = config.categories.find((x) => x.code === code);
    if (!c) return code;
    return en ? `${c.name_en} · ${c.name}` : `${c.name} · ${c.name_en}`;
  }

  // issued_at is ISO text in the hall's own zone, so its date and clock time are already the hall's.
  function hallTime(iso) {
    return String(iso || "").slice(0, 16).replace("T", " ");
  }

  function renderTicket(ticket) {
    const wait = estimatedWait(ticket.service, ticket.ahead);
    const qr = `/qr/${encodeURIComponent(ticket.id)}.svg`;
    $("ticket-number").textContent = ticket.number;
    $("ticket-category").textContent = categoryLabel(ticket.service);
    $("ticket-ahead").textContent = TEXT.people(ticket.ahead);
    $("ticket-wait").textContent = wait === null ? TEXT.noWindow : TEXT.minutes(wait);
    $("ticket-qr").src = qr;
    $("p-number").textContent = ticket.number;
    $("p-category").textContent = categoryLabel(ticket.service);
    $("p-ahead").textContent = TEXT.ahead(ticket.ahead);
    $("p-time").textContent = TEXT.issued(hallTime(ticket.issued_at));
    $("p-qr").src = qr;
  }

  // --- taking a ticket ----------------------------------------------------------------------------------

  const { ApiError } = window.TideApi;
  const newKey = () => window.TideApi.newKey("kiosk");

  async function postTicket(code, key) {
    const response = await fetch(`/api/halls/${encodeURIComponent(config.hall)}/tickets`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Idempotency-Key": key },
      body: JSON.stringify({ service: code }),
    });
    const body = await response.json().catch(() => null);
    if (!response.ok) throw new ApiError(response.status, body);
    return body;
  }

  const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const retryable = (err) => !(err instanceof ApiError) || err.status >= 500;

  async function postWithRetries(code, key) {
    for (let attempt = 0; ; attempt++) {
      try {
        return await postTicket(code, key);
      } catch (err) {
        if (!retryable(err) || attempt >= RETRY_DELAYS_MS.length) throw err;
        await wait(RETRY_DELAYS_MS[attempt]);
      }
    }
  }

  // The press being served; while it exists every other press is ignored (a double tap lands here).
  let pending = null;
  let countdown = null;

  function onCategory(event) {
    const button = event.target.closest(".category");
    if (!button || pending) return;
    pending = { code: button.dataset.code, key: newKey() };
    submit();
  }

  async function submit() {
    stopCountdown();
    show("busy");
    try {
      const ticket = await postWithRetries(pending.code, pending.key);
      renderTicket(ticket);
      show("ticket");
      startCountdown();
    } catch (err) {
      showError(err);
    }
  }

  function showError(err) {
    const text = err instanceof ApiError ? `${TEXT.refused(err.status)} ${err.message}` : TEXT.unreachable;
    $("error-text").textContent = text;
    show("error");
    startCountdown();
  }

  function startCountdown() {
    stopCountdown();
    let left = RETURN_AFTER_SECONDS;
    const tick = () => {
      $("ticket-countdown").textContent = TEXT.returning(left);
      if (left-- <= 0) backToStart();
    };
    tick();
    countdown = setInterval(tick, 1000);
  }

  function stopCountdown() {
    if (countdown !== null) clearInterval(countdown);
    countdown = null;
  }

  function backToStart() {
    stopCountdown();
    pending = null;
    show("choose");
  }

  // --- following the hall -------------------------------------------------------------------------------

  function start() {
    document.querySelector(".categories").addEventListener("click", onCategory);
    $("done").addEventListener("click", backToStart);
    $("back").addEventListener("click", backToStart);
    $("print").addEventListener("click", () => window.print());
    // The same key again: if the first attempt did reach the server, this returns that ticket.
    $("retry").addEventListener("click", () => pending && submit());
    window.TideFeed.followHall(config.hall, {
      onSnapshot: (snapshot) => {
        applySnapshot(snapshot);
        renderCounts();
      },
      onEvent: (event) => {
        applyEvent(event);
        renderCounts();
      },
      onStatus: renderFeedStatus,
    });
  }

  start();
})();
