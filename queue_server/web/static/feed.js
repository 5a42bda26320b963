/*
 * feed.js: follow the ticket server's WebSocket channels from a browser page, and never give up.
 *
 *   TideFeed.followHall(hallId, {onSnapshot, onEvent, onStatus})  -> {resync(), close(), lastEventId()}
 *       /ws/halls/{hall}: the first message is a snapshot (or, after a reconnect, the events missed since the
 *       last one processed); then every event live. A snapshot may arrive at any time and replaces all state.
 *   TideFeed.reconnectingSocket({url, onMessage, onStatus})        -> {reconnect(), close()}
 *       The plumbing underneath, also used by the phone page for /ws/tickets/{id}.
 *
 * onStatus(online) is called with true when a connection delivers its first message and with false when it is
 * lost, so a page can show plainly that what it shows may be stale.
 */
(function () {
  "use strict";

  const FIRST_RETRY_MS = 250;
  const MAX_RETRY_MS = 5000; // a hall screen must come back within seconds of the server
  // The server sends a heartbeat after 15 s of quiet. Nothing at all for 40 s means the connection is dead
  // even if the browser has not noticed (a half-open TCP connection, a hung proxy, a frozen server).
  const SILENCE_MS = 40000;

  function socketUrl(path) {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    return scheme + "//" + location.host + path;
  }

  // Exponential backoff with jitter, so that a hall full of screens does not reconnect in lockstep after a
  // server restart.
  function retryDelay(attempt) {
    const base = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * Math.pow(2, attempt));
    return Math.round(base * (0.8 + Math.random() * 0.2));
  }

  function reconnectingSocket(options) {
    let socket = null;
    let attempt = 0;
    let online = null; // unknown until the first message or failure, so either one is reported
    let closed = false;
    let retryTimer = null;
    let silenceTimer = null;

    function setOnline(value) {
      if (value === online) return;
      online = value;
      if (options.onStatus) options.onStatus(value);
    }

    function watchSilence() {
      clearTimeout(silenceTimer);
      silenceTimer = setTimeout(() => drop(), SILENCE_MS);
    }

    // Forget the current socket at once instead of waiting for its close handshake: on a dead connection
    // that handshake may itself take minutes.
    function detach() {
      clearTimeout(silenceTimer);
      if (!socket) return;
      const old = socket;
      socket = null;
      old.onopen = old.onmessage = old.onclose = old.onerror = null;
      try {
        old.close();
      } catch (e) {
        /* already closing */
      }
    }

    // The connection is lost (closed, failed or silent): say so, and try again.
    function drop() {
      detach();
      setOnline(false);
      if (!closed) scheduleRetry();
    }

    function scheduleRetry() {
      clearTimeout(retryTimer);
      retryTimer = setTimeout(connect, retryDelay(attempt));
      attempt += 1;
    }

    function connect() {
      if (closed) return;
      const ws = new WebSocket(socketUrl(options.url()));
      socket = ws;
      // The watchdog runs from the start, so a handshake that never completes also counts as silence.
      watchSilence();
      ws.onmessage = (message) => {
        watchSilence();
        let data;
        try {
          data = JSON.parse(message.data);
        } catch (e) {
          return; // not ours; nothing sensible to do with it
        }
        attempt = 0;
        setOnline(true);
        // Events that happened together come as one array, in order.
        for (const item of Array.isArray(data) ? data : [data]) options.onMessage(item);
      };
      ws.onclose = () => drop();
      ws.onerror = () => drop();
    }

    connect();
    return {
      // Start over with a fresh connection now (e.g. to get a fresh snapshot).
      reconnect() {
        attempt = 0;
        clearTimeout(retryTimer);
        detach();
        connect();
      },
      // Stop for good, e.g. when the server said the ticket does not exist.
      close() {
        closed = true;
        clearTimeout(retryTimer);
        detach();
      },
    };
  }

  function followHall(hallId, handlers) {
    let lastEventId = null;

    function url() {
      const path = "/ws/halls/" + encodeURIComponent(hallId);
      return lastEventId ? path + "?since=" + encodeURIComponent(lastEventId) : path;
    }

    function onMessage(message) {
      if (message.type === "heartbeat") return;
      if (message.type === "error") {
        if (handlers.onError) handlers.onError(message);
        return;
      }
      if (message.type === "snapshot") {
        lastEventId = message.event_id;
        handlers.onSnapshot(message);
        return;
      }
      if (message.event_id && lastEventId && compareIds(message.event_id, lastEventId) <= 0) {
        return; // already applied: a resent event must not be counted twice
      }
      if (message.event_id) lastEventId = message.event_id;
      handlers.onEvent(message);
    }

    const socket = reconnectingSocket({ url, onMessage, onStatus: handlers.onStatus });
    return {
      // Throw away what we know and take a fresh snapshot.
      resync() {
        lastEventId = null;
        socket.reconnect();
      },
      close: socket.close,
      lastEventId: () => lastEventId,
    };
  }

  // Stream ids "<ms>-<seq>" in order; both parts may exceed what a float holds exactly, hence BigInt.
  function compareIds(a, b) {
    const [am, as] = a.split("-").map((part) => BigInt(part || "0"));
    const [bm, bs] = b.split("-").map((part) => BigInt(part || "0"));
    if (am !== bm) return am < bm ? -1 : 1;
    if (as !== bs) return as < bs ? -1 : 1;
    return 0;
  }

  window.TideFeed = { followHall, reconnectingSocket, compareIds };
})();
