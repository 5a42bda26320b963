/*
 * hall-state.js: what a hall screen knows about its hall, kept up to date from the hall channel's events.
 *
 * No DOM here: HallState.fromSnapshot() builds the state, HallState.apply() changes it for one event and says
 * which call (if any) the screen should announce. The screen redraws from the state after each change.
 */
(function () {
  "use strict";

  const RECENT_CALLS = 8;
  const MAX_SKIPPED = 30;

  function fromSnapshot(snapshot) {
    return {
      hall: snapshot.hall,
      businessDay: snapshot.business_day,
      categories: snapshot.categories.map((c) => ({ ...c })),
      windows: snapshot.windows.map((w) => ({ ...w })),
      calls: (snapshot.latest_calls || []).slice(0, RECENT_CALLS),
      hours: snapshot.hours || null, // sessions running, or closed and when it opens (延时错时服务)
      // 过号: today's skipped numbers not back in line, newest first, so a returning visitor knows where to go
      skipped: (snapshot.skipped || []).slice(0, MAX_SKIPPED),
      tidalNotice: null, // the latest tidal window switch, for the banner
    };
  }

  /*
   * Calls in a fresh snapshot that the screen has not announced yet, oldest first. A screen that was offline
   * and is sent a snapshot instead of the missed events must still show every call it missed.
   */
  function missedCalls(snapshot, seenEventId) {
    if (!seenEventId) return [];
    return (snapshot.latest_calls || [])
      .filter((call) => call.event_id && TideFeed.compareIds(call.event_id, seenEventId) > 0)
      .reverse();
  }

  function category(state, code) {
    return state.categories.find((c) => c.code === code);
  }

  function windowOf(state, number) {
    return state.windows.find((w) => w.number === number);
  }

  function changeWaiting(state, event, delta) {
    const c = category(state, event.service);
    if (!c || c.waiting === null || c.waiting === undefined) return;
    c.waiting = Math.max(0, c.waiting + delta);
    if (event.priority) c.priority_waiting = Math.max(0, (c.priority_waiting || 0) + delta);
  }

  // The window's visitor left it (served, skipped or sent to another category): the window is free again,
  // unless it is paused, which it stays.
  function freeWindow(state, event) {
    const w = windowOf(state, event.window);
    if (!w || (w.ticket && w.ticket.id !== event.ticket_id)) return;
    w.ticket = null;
    if (w.state !== "paused") w.state = "idle";
  }

  function callOf(event) {
    return {
      ticket_id: event.ticket_id,
      number: event.number,
      service: event.service,
      window: event.window,
      at: event.at,
      event_id: event.event_id,
      recall: event.type === "recalled",
    };
  }

  const handlers = {
    issued(state, event) {
      changeWaiting(state, event, +1);
    },
    called(state, event) {
      changeWaiting(state, event, -1);
      const w = windowOf(state, event.window);
      if (w) {
        w.ticket = { id: event.ticket_id, number: event.number, service: event.service };
        if (w.state !== "paused") w.state = "serving";
      }
      const call = callOf(event);
      state.calls = [call, ...state.calls].slice(0, RECENT_CALLS);
      return call;
    },
    recalled(state, event) {
      return callOf(event);
    },
    skipped(state, event) {
      freeWindow(state, event);
      state.skipped = [
        { ticket_id: event.ticket_id, number: event.number, service: event.service, at: event.at },
        ...state.skipped.filter((s) => s.ticket_id !== event.ticket_id),
      ].slice(0, MAX_SKIPPED);
    },
    completed: freeWindow,
    transferred(state, event) {
      if (event.window == null) {
        // moved from one line to another at the guide desk (导办台): it leaves its old line
        changeWaiting(state, { ...event, service: event.from_service }, -1);
      } else {
        freeWindow(state, event);
      }
      changeWaiting(state, event, +1);
    },
    requeued(state, event) {
      changeWaiting(state, event, +1);
      // Back in line: no longer a number to send to the guide desk.
      state.skipped = state.skipped.filter((s) => s.ticket_id !== event.ticket_id);
    },
    // A clerk signed in or out at a window: the window screen names who serves there ("" = nobody named).
    clerk_changed(state, event) {
      const w = windowOf(state, event.window);
      if (w) w.clerk = event.clerk || null;
    },
    expired(state, event) {
      changeWaiting(state, event, -1);
    },
    paused(state, event) {
      const w = windowOf(state, event.window);
      if (w) {
        w.state = "paused";
        w.pause_reason = event.reason || null;
      }
    },
    resumed(state, event) {
      const w = windowOf(state, event.window);
      if (w) {
        w.state = w.ticket ? "serving" : "idle";
        w.pause_reason = null;
      }
    },
    // 潮汐窗口: a tidal window now serves another category, or went back to its own.
    tidal_opened(state, event) {
      const w = windowOf(state, event.window);
      if (w) {
        w.switched_to = { service: event.service, manual: event.manual, since: event.at };
        // the switched category first, then its own (a reserve window has none of its own)
        const own = w.reserve ? [] : (w.home_services || []).filter((c) => c !== event.service);
        w.services = [event.service, ...own];
      }
      state.tidalNotice = { window: event.window, service: event.service, opened: true, at: event.at };
    },
    // A session started or ended: no ticket moved, but the hall's hours and the open categories changed.
    hours(state, event) {
      state.hours = event.hours;
      for (const c of state.categories) {
        if (event.openings && event.openings[c.code]) c.opening = event.openings[c.code];
      }
    },
    tidal_closed(state, event) {
      const w = windowOf(state, event.window);
      if (w) {
        w.switched_to = null;
        w.services = w.home_services || w.services;
      }
      state.tidalNotice = { window: event.window, service: event.service, opened: false, at: event.at };
    },
  };

  /*
   * What the hall is doing now: "open" (a session runs), "extended" (no session runs but visitors who took a
   * ticket in time are still waiting or at a window: 延时服务), or "closed". Null before the first snapshot.
   */
  function hoursMode(state) {
    if (!state.hours) return null;
    if (state.hours.open) return "open";
    const busy = state.categories.some((c) => c.waiting > 0) || state.windows.some((w) => w.ticket);
    return busy ? "extended" : "closed";
  }

  /* Apply one event; returns the call to announce, or null. Unknown event types change nothing. */
  function apply(state, event) {
    const handler = handlers[event.type];
    return (handler && handler(state, event)) || null;
  }

  window.HallState = { fromSnapshot, missedCalls, apply, hoursMode };
})();
