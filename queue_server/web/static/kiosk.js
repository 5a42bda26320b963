// The kiosk (取号机): category buttons with live waiting counts; a press takes a ticket and shows it with a
// QR code for the visitor's phone, then the kiosk returns to the buttons by itself. A category outside its hours
// is greyed out with its next opening; a booked visitor types the booking code (预约签到) and gets a priority ticket.
"use strict";

(function () {
  const config = JSON.parse(document.getElementById("kiosk-config").textContent);
  const en = config.lang === "en";
  const RETURN_AFTER_SECONDS = 20;
  const CODE_DIGITS = 8;
  const KEYPAD_IDLE_MS = 60000; // a keypad left alone goes back to the buttons, so the next visitor starts clean
  // Network failures and 5xx are retried with the same Idempotency-Key, so a retry never makes a second ticket.
  const RETRY_DELAYS_MS = [700, 1500];

  const TEXT = window.KioskText.words(en);

  // --- the hall as the kiosk needs it: waiting per category, and which windows serve and are paused -----

  const hall = {
    waiting: {},
    windows: config.windows.map((w) => ({ number: w.number, services: w.services, paused: false })),
    openings: {}, // per category: open, issuing, next_opening … (the server's opening hours)
    today: null, // the hall's date, "2026-12-05", for "today" and "tomorrow"
  };

  function applySnapshot(snapshot) {
    hall.waiting = {};
    hall.openings = {};
    for (const c of snapshot.categories) {
      hall.waiting[c.code] = c.waiting;
      if (c.opening) hall.openings[c.code] = c.opening;
    }
    hall.today = String(snapshot.now || snapshot.business_day || "").slice(0, 10) || null;
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
    // Moved from one line to another at the guide desk (no window): it leaves its old line too.
    if (event.type === "transferred" && event.window == null && event.from_service in hall.waiting) {
      hall.waiting[event.from_service] = Math.max(0, hall.waiting[event.from_service] - 1);
    }
    if (event.type === "paused" || event.type === "resumed") {
      const w = hall.windows.find((x) => x.number === event.window);
      if (w) w.paused = event.type === "paused";
    }
    // A session started or ended (延时错时服务): the categories open and closed change with no ticket event.
    if (event.type === "hours" && event.openings) {
      hall.openings = { ...hall.openings, ...event.openings };
      if (event.at) hall.today = String(event.at).slice(0, 10);
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
    for (const id of ["choose", "busy", "ticket", "error", "checkin", "closed"]) {
      if ($(id)) $(id).hidden = id !== screen;
    }
  }

  function openingText(iso) {
    return window.KioskText.openingText(iso, hall.today, TEXT);
  }

  function renderCounts() {
    for (const button of document.querySelectorAll(".category")) {
      const code = button.dataset.code;
      const count = hall.waiting[code];
      button.querySelector(".count").textContent = count === undefined ? "–" : String(count);
      // Greyed out but still pressable: the server's answer says why, and where to book.
      const opening = hall.openings[code];
      const closed = Boolean(opening) && !opening.open;
      const stopped = Boolean(opening) && opening.open && !opening.issuing;
      button.classList.toggle("closed", closed);
      button.classList.toggle("stopped", stopped);
      const note = button.querySelector(".note");
      note.hidden = !(closed || stopped);
      if (closed) note.textContent = opening.next_opening ? TEXT.opensNext(openingText(opening.next_opening)) : TEXT.notScheduled;
      else if (stopped) note.textContent = TEXT.stopped;
      else note.textContent = "";
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
    $("ticket-booked").hidden = !ticket.booking;
    $("p-booked").hidden = !ticket.booking;
    // with the visitor's own key, which only this answer carries: their phone page may then rate the service
    const qr = `/qr/${encodeURIComponent(ticket.id)}.svg` + (ticket.key ? `?k=${encodeURIComponent(ticket.key)}` : "");
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

  const { ApiError, ownLanguage } = window.TideApi;
  const newKey = () => window.TideApi.newKey("kiosk");

  const hallPath = `/api/halls/${encodeURIComponent(config.hall)}`;

  // A ticket for a category, or, for a booked visitor, the check-in that turns the booking into one. A refusal's
  // details (next opening, booking page, check-in window …) are in the ApiError's body.
  function postTicket(request, key) {
    if (request.booking !== undefined) {
      const url = `${hallPath}/bookings/${encodeURIComponent(request.booking)}/check-in`;
      return window.TideApi.request(url, { method: "POST", key });
    }
    return window.TideApi.request(`${hallPath}/tickets`, { method: "POST", body: { service: request.code }, key });
  }

  const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const retryable = (err) => !(err instanceof ApiError) || err.status >= 500;

  async function postWithRetries(request, key) {
    for (let attempt = 0; ; attempt++) {
      try {
        return await postTicket(request, key);
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
      const ticket = await postWithRetries(pending, pending.key);
      renderTicket(ticket);
      show("ticket");
      startCountdown();
    } catch (err) {
      if (pending && err instanceof ApiError) pending.refused = true;
      showError(err);
    }
  }

  function showError(err) {
    const checkIn = pending && pending.booking !== undefined;
    if (!checkIn && err instanceof ApiError && (err.code === "closed" || err.code === "issuing_closed")) {
      showClosed(err);
      return;
    }
    const refused = err instanceof ApiError && `${TEXT.refused(err.status)} ${ownLanguage(err, config.lang)}`;
    let text = refused || TEXT.unreachable;
    if (checkIn && err instanceof ApiError) {
      const explain = TEXT.checkIn[err.code];
      text = explain ? explain(err.body || {}) : ownLanguage(err, config.lang);
    }
    $("error-title").textContent = checkIn ? TEXT.checkInFailed : TEXT.ticketFailed;
    $("error-text").textContent = text;
    show("error");
    startCountdown();
  }

  // 409 closed / issuing_closed: when the category opens next and, if that session takes bookings, where to book.
  function showClosed(err) {
    const body = err.body || {};
    $("closed-title").textContent = err.code === "closed" ? TEXT.closedTitle : TEXT.stoppedTitle;
    $("closed-text").textContent = ownLanguage(err, config.lang);
    const booking = body.booking;
    $("closed-booking").hidden = !booking;
    if (booking) {
      const service = new URL(booking, location.origin).searchParams.get("service") || "";
      const lang = en ? "&lang=en" : "";
      $("closed-qr").src = `/qr/book/${encodeURIComponent(config.hall)}.svg?service=${encodeURIComponent(service)}${lang}`;
      $("closed-link").textContent = new URL(booking, location.origin).href;
    }
    show("closed");
    startCountdown();
    // The buttons may be out of date (the line grew past the cut-off): take a fresh look at the hall.
    if (feed) feed.resync();
  }

  // --- 预约签到: the booking code on an on-screen keypad ----------------------------------------------------

  let typed = "";
  let keypadIdle = null;

  function renderCode() {
    const digits = document.querySelectorAll("#checkin-code .digit");
    digits.forEach((box, i) => {
      box.textContent = typed[i] || "";
      box.classList.toggle("filled", i < typed.length);
    });
    $("checkin-submit").disabled = typed.length !== CODE_DIGITS;
  }

  function watchKeypad() {
    clearTimeout(keypadIdle);
    keypadIdle = setTimeout(backToStart, KEYPAD_IDLE_MS);
  }

  function openCheckIn(keep) {
    if (pending && !keep) return;
    stopCountdown();
    pending = null;
    if (!keep) typed = "";
    renderCode();
    show("checkin");
    watchKeypad();
  }

  function onKey(event) {
    const key = event.target.closest(".key");
    if (!key) return;
    const value = key.dataset.key;
    if (value === "clear") typed = "";
    else if (value === "back") typed = typed.slice(0, -1);
    else if (typed.length < CODE_DIGITS) typed += value;
    renderCode();
    watchKeypad();
  }

  // A kiosk with a keyboard (or a barcode reader that types) works too.
  function onKeyboard(event) {
    if ($("checkin").hidden) return;
    if (/^[0-9]$/.test(event.key) && typed.length < CODE_DIGITS) typed += event.key;
    else if (event.key === "Backspace") typed = typed.slice(0, -1);
    else if (event.key === "Enter") return submitCheckIn();
    else return;
    renderCode();
    watchKeypad();
  }

  function submitCheckIn() {
    if (typed.length !== CODE_DIGITS || pending) return;
    clearTimeout(keypadIdle);
    pending = { booking: typed, key: newKey() };
    submit();
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
    clearTimeout(keypadIdle);
    pending = null;
    typed = "";
    show("choose");
  }

  // After a refused check-in, "try again" goes back to the keypad with the digits kept, to correct one; after a
  // network failure it sends the same request again (same key: never two tickets).
  function retry() {
    if (!pending) return;
    if (pending.booking !== undefined && pending.refused) {
      openCheckIn(true);
      return;
    }
    submit();
  }

  // --- following the hall -------------------------------------------------------------------------------

  let feed = null;

  function start() {
    document.querySelector(".categories").addEventListener("click", onCategory);
    $("done").addEventListener("click", backToStart);
    $("back").addEventListener("click", backToStart);
    $("closed-back").addEventListener("click", backToStart);
    $("print").addEventListener("click", () => window.print());
    // The same key again: if the first attempt did reach the server, this returns that ticket.
    $("retry").addEventListener("click", retry);
    if ($("checkin")) {
      $("checkin-open").addEventListener("click", () => openCheckIn(false));
      document.querySelector(".keypad").addEventListener("click", onKey);
      $("checkin-cancel").addEventListener("click", backToStart);
      $("checkin-submit").addEventListener("click", submitCheckIn);
      document.addEventListener("keydown", onKeyboard);
    }
    feed = window.TideFeed.followHall(config.hall, {
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
