// The hall as one window's caller pad sees it: waiting counts per category and the window itself, kept up to
// date from the hall channel's snapshot and events and from the answers to this pad's own requests.
"use strict";

window.CallerState = (function () {
  // A ticket at a window is not waiting: "called" takes one out of a line, "transferred" puts one back.
  const WAITING_CHANGE = { issued: 1, requeued: 1, transferred: 1, called: -1, expired: -1 };

  function create(windowNumber) {
    return { number: windowNumber, waiting: {}, window: null };
  }

  function applySnapshot(state, snapshot) {
    state.waiting = {};
    for (const c of snapshot.categories) state.waiting[c.code] = c.waiting;
    const w = snapshot.windows.find((x) => x.number === state.number);
    state.window = w && {
      services: w.services,
      paused: w.state === "paused",
      ticket: w.ticket,
      served: w.served_today,
    };
  }

  function applyEvent(state, event) {
    const change = WAITING_CHANGE[event.type];
    if (change && event.service in state.waiting) {
      state.waiting[event.service] = Math.max(0, state.waiting[event.service] + change);
    }
    // Moved while waiting (the guide desk): it left its old line too.
    if (event.type === "transferred" && !event.window && event.from_service in state.waiting) {
      state.waiting[event.from_service] = Math.max(0, state.waiting[event.from_service] - 1);
    }
    const w = state.window;
    if (!w) return;
    if (event.type === "day_started") w.served = 0;
    if (event.window === state.number) applyWindowEvent(w, event);
  }

  function applyWindowEvent(w, event) {
    // Match by ticket id: this pad's own answer may already show the next visitor when the event arrives.
    const isCurrent = w.ticket && w.ticket.id === event.ticket_id;
    switch (event.type) {
      case "called":
        w.ticket = { id: event.ticket_id, number: event.number, service: event.service, priority: event.priority };
        break;
      case "recalled":
        if (isCurrent) w.ticket.recalls = event.recalls;
        break;
      case "completed":
        w.served += 1;
        if (isCurrent) w.ticket = null;
        break;
      case "skipped":
      case "transferred":
        if (isCurrent) w.ticket = null;
        break;
      case "paused":
      case "resumed":
        w.paused = event.type === "paused";
        break;
    }
  }

  // What an action's answer says about the window, applied at once so the pad never waits for the channel.
  function applyAnswer(state, action, data) {
    const w = state.window;
    if (!w) return;
    if (action === "call-next" || action === "recall" || action === "call") w.ticket = data.ticket;
    else if (action === "pause" || action === "resume") w.paused = data.window.state === "paused";
    else if (action !== "requeue") w.ticket = null; // requeue changes no window
  }

  // Visitors waiting in the categories this window serves, or null before the first snapshot.
  function waitingForWindow(state) {
    const w = state.window;
    if (!w || Object.keys(state.waiting).length === 0) return null;
    return w.services.reduce((sum, code) => sum + (state.waiting[code] || 0), 0);
  }

  return { create, applySnapshot, applyEvent, applyAnswer, waitingForWindow };
})();
