// The caller pad (叫号器): a clerk signs in at one window, then calls, recalls, skips, completes, transfers and
// pauses with buttons or single keys. The hall channel keeps the window and its waiting count live.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const config = JSON.parse($("caller-config").textContent);
  const en = config.lang === "en";
  const STORAGE_KEY = `tidequeue.caller.${config.hall}`;
  const API = `/api/halls/${encodeURIComponent(config.hall)}`;

  const { TEXT, ERROR_WORDS, ANSWER_TEXT } = window.CallerText(en, serviceName);

  const SHORTCUTS = { n: "call-next", " ": "call-next", r: "recall", s: "skip", c: "complete", t: "transfer" };

  function serviceName(code) {
    const c = config.categories.find((x) => x.code === code);
    return c ? (en ? c.name_en : c.name) : code;
  }

  // --- the session, kept per browser tab so that a reload does not sign the clerk out -------------------

  function loadSession() {
    try {
      return JSON.parse(sessionStorage.getItem(STORAGE_KEY));
    } catch (e) {
      return null;
    }
  }

  let session = loadSession();

  // --- the hall as this window sees it (caller_state.js) --------------------------------------------------

  const State = window.CallerState;
  let hall = State.create(0); // made afresh for the window at each sign-in

  // --- drawing ------------------------------------------------------------------------------------------

  function render() {
    const w = hall.window;
    const ticket = w && w.ticket;
    $("current-number").textContent = ticket ? ticket.number : "—";
    $("current-number").classList.toggle("none", !ticket);
    const detail = ticket ? [serviceName(ticket.service)] : [];
    if (ticket && ticket.priority) detail.push(TEXT.priority);
    if (ticket && ticket.recalls) detail.push(TEXT.recalls(ticket.recalls));
    $("current-detail").textContent = detail.join(" · ");
    const state = !w ? "" : w.paused ? "paused" : ticket ? "serving" : "idle";
    $("window-state").textContent = state ? TEXT[state] : "";
    $("window-state").dataset.state = state;
    const waiting = State.waitingForWindow(hall);
    $("waiting-count").textContent = waiting === null ? "–" : String(waiting);
    $("served-count").textContent = w ? String(w.served) : "–";
    $("pause-button").dataset.action = w && w.paused ? "resume" : "pause";
    $("pause-label").textContent = w && w.paused ? TEXT.resume : TEXT.pause;
  }

  function say(text, kind) {
    const box = $("message");
    box.textContent = text;
    box.className = `message ${kind}`;
    box.hidden = !text;
  }

  // Why the server refused, in the clerk's language (its message or message_en), never an HTTP status; in
  // Chinese the pad's own short words for a common refusal come first.
  function errorText(err) {
    if (!(err instanceof ApiError)) return TEXT.unreachable;
    const said = window.TideApi.ownLanguage(err, config.lang);
    const words = !en && ERROR_WORDS[err.code];
    return words && !said.startsWith(words) ? `${words}：${said}` : said;
  }

  // --- talking to the server ------------------------------------------------------------------------------

  const { ApiError } = window.TideApi;
  const newKey = () => window.TideApi.newKey("pad");

  // Signed in: every request carries the session's token.
  function request(path, options) {
    return window.TideApi.request(API + path, { ...options, token: session ? session.token : undefined });
  }

  function post(path, body, key) {
    return request(path, { method: "POST", body, key });
  }

  // A tab reopened after the session ended (expired, or signed out elsewhere) goes back to the sign-in form
  // at once, instead of at the clerk's first press. Unreachable: keep the pad; the feed banner says so.
  async function checkSession() {
    try {
      await request(`/whoami?window=${session.window}`, { method: "GET" });
    } catch (err) {
      if (err instanceof ApiError && (err.status === 401 || err.status === 403)) leavePad(errorText(err));
    }
  }

  // --- window actions -------------------------------------------------------------------------------------

  let inFlight = false;
  // A request that may or may not have arrived (the network failed): pressing the same thing again reuses its
  // Idempotency-Key, so the server answers the first attempt instead of, say, calling a second visitor.
  let unsure = null;

  function setInFlight(value) {
    inFlight = value;
    for (const b of document.querySelectorAll(".pad-action, .queue-action, #sign-out")) b.disabled = value;
  }

  // A window action (call-next, recall, …, call for 特呼), or "requeue" of a skipped ticket (``ticketId``).
  async function act(action, body, ticketId) {
    if (inFlight || !session) return;
    const what = `${action} ${ticketId || ""} ${JSON.stringify(body || null)}`;
    const key = unsure && unsure.what === what ? unsure.key : newKey();
    setInFlight(true);
    try {
      const data = ticketId
        ? await window.TideApi.request(`/api/tickets/${encodeURIComponent(ticketId)}/${action}`, {
            method: "POST",
            key,
            token: session.token,
          })
        : await post(`/windows/${session.window}/${action}`, body, key);
      unsure = null;
      State.applyAnswer(hall, action, data);
      render();
      say(ANSWER_TEXT[action](data), "info");
      if (action === "complete") $("case-number").value = "";
      if (action === "call") $("special-number").value = "";
      if (queue) queue.refresh();
    } catch (err) {
      unsure = err instanceof ApiError ? null : { what, key };
      say(errorText(err), "error");
      if (err instanceof ApiError && err.status === 401) leavePad(errorText(err));
    } finally {
      setInFlight(false);
    }
  }

  function press(action) {
    if (action === "transfer") openChooser();
    else if (action === "complete") complete();
    else if (action === "pause") pause();
    else act(action);
  }

  // 暂停, with the reason the window screen shows visitors when the clerk picked one.
  function pause() {
    const reason = $("pause-reason").value;
    act("pause", reason ? { reason } : undefined);
  }

  // 办结, with the case number (办件编号) when one was typed; the server checks it and says what is wrong.
  function complete() {
    const caseNumber = $("case-number").value.trim();
    act("complete", caseNumber ? { case_number: caseNumber } : undefined);
  }

  // 特呼: call one waiting visitor by number, typed or pressed in the list.
  function specialCall(event) {
    event.preventDefault();
    const number = $("special-number").value.trim().toUpperCase();
    if (!number) say(TEXT.noNumber, "error");
    else act("call", { number });
  }

  function openChooser() {
    const current = hall.window && hall.window.ticket;
    for (const b of document.querySelectorAll(".transfer-to")) {
      b.hidden = Boolean(current && current.service === b.dataset.service);
    }
    $("transfer-chooser").hidden = false;
  }

  function closeChooser() {
    $("transfer-chooser").hidden = true;
  }

  function transferTo(code) {
    closeChooser();
    act("transfer", { service: code });
  }

  function onKey(event) {
    if ($("pad").hidden || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target.closest("input, select, textarea")) return;
    const key = event.key.toLowerCase();
    if (!$("transfer-chooser").hidden) {
      const option = document.querySelector(`.transfer-to[data-service="${event.key.toUpperCase()}"]`);
      if (key === "escape") closeChooser();
      else if (option && !option.hidden) transferTo(option.dataset.service);
      event.preventDefault();
      return;
    }
    const action = key === "p" ? $("pause-button").dataset.action : SHORTCUTS[key];
    if (!action) return;
    event.preventDefault(); // Space would also scroll the page or press the focused button
    if (!event.repeat) press(action);
  }

  // --- signing in and out ---------------------------------------------------------------------------------

  let feed = null;
  let queue = null;

  async function signIn(event) {
    event.preventDefault();
    const body = {
      username: $("username").value.trim(),
      password: $("password").value,
      window: Number($("window-number").value),
    };
    $("sign-in-button").disabled = true;
    $("sign-in-error").hidden = true;
    try {
      session = await post("/sign-in", body, newKey());
      sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session));
      $("password").value = "";
      enterPad();
    } catch (err) {
      session = null;
      $("sign-in-error").textContent = errorText(err);
      $("sign-in-error").hidden = false;
    } finally {
      $("sign-in-button").disabled = false;
    }
  }

  async function signOut() {
    if (inFlight) return;
    setInFlight(true);
    try {
      await post("/sign-out", null, newKey());
      leavePad(TEXT.signedOut);
    } catch (err) {
      // The session ends on the server by itself; the tab forgets it either way.
      leavePad(`${TEXT.signedOut} ${errorText(err)}`);
    } finally {
      setInFlight(false);
    }
  }

  function enterPad() {
    $("sign-in").hidden = true;
    $("pad").hidden = false;
    $("who").hidden = false;
    $("who-text").textContent = TEXT.who(session);
    say("", "info");
    hall = State.create(session.window);
    render();
    queue = window.CallerQueue({
      TEXT,
      serviceName,
      load: () => request(`/windows/${session.window}/queue?limit=10`, { method: "GET" }),
      onCall: (t) => act("call", { ticket_id: t.id }),
      onRequeue: (t) => act("requeue", null, t.id),
    });
    feed = window.TideFeed.followHall(config.hall, {
      onSnapshot: (snapshot) => {
        State.applySnapshot(hall, snapshot);
        render();
        queue.refresh();
      },
      onEvent: (event) => {
        State.applyEvent(hall, event);
        render();
        queue.refresh();
      },
      onStatus: showFeedStatus,
    });
  }

  function leavePad(text) {
    if (feed) feed.close();
    feed = null;
    if (queue) queue.clear();
    queue = null;
    session = null;
    unsure = null;
    sessionStorage.removeItem(STORAGE_KEY);
    closeChooser();
    showFeedStatus(true);
    $("pad").hidden = true;
    $("who").hidden = true;
    $("who-text").textContent = "";
    $("sign-in").hidden = false;
    $("sign-in-error").textContent = text;
    $("sign-in-error").hidden = !text;
    $("username").focus();
  }

  function showFeedStatus(online) {
    $("feed-status").hidden = online;
    $("feed-status").textContent = online ? "" : TEXT.reconnecting;
  }

  function start() {
    $("sign-in-form").addEventListener("submit", signIn);
    $("sign-out").addEventListener("click", signOut);
    $("actions").addEventListener("click", (event) => {
      const button = event.target.closest(".pad-action");
      if (button) press(button.dataset.action);
    });
    $("transfer-chooser").addEventListener("click", (event) => {
      const button = event.target.closest(".transfer-to");
      if (button) transferTo(button.dataset.service);
    });
    $("transfer-cancel").addEventListener("click", closeChooser);
    $("special-form").addEventListener("submit", specialCall);
    document.addEventListener("keydown", onKey);
    // A focused button would also be pressed by the Space that already meant "call next".
    document.addEventListener("keyup", (event) => {
      if (event.key === " " && event.target.closest("button")) event.preventDefault();
    });
    if (session) {
      enterPad();
      checkSession();
    }
  }

  start();
})();
