/*
 * hall.js: the hall screen (大厅显示屏). Follows the hall channel through feed.js, redraws from HallState,
 * highlights each call in turn, and ticks the clock in the hall's time zone.
 */
(function () {
  "use strict";

  const HIGHLIGHT_MS = 8000; // a call stays highlighted this long when nothing else waits
  // When calls queue up each still gets this long: enough to read a number from across the hall, short
  // enough that a burst of calls does not leave the newest one waiting for half a minute.
  const QUEUED_MS = 3000;
  // A screen back from a long outage must not spend minutes replaying the morning's calls one by one: beyond
  // this many waiting, the oldest are dropped from the big box (they are at their windows and in the list).
  const MAX_PENDING = 20;

  const config = JSON.parse(document.getElementById("screen-config").textContent);
  const en = config.lang === "en";

  const text = en
    ? {
        callMain: (c) => `${c.number} → Window ${c.window}`,
        callSub: (c) => `请 ${c.number} 号 到 ${c.window} 号窗口`,
        callLine: (c) => `Ticket ${c.number}, please go to window ${c.window}`,
        recall: "Called again",
        welcome: "Welcome — please take a ticket",
        welcomeClosed: "Welcome — the hall is closed",
        window: (n) => `Window ${n}`,
        paused: "Paused",
        tidal: "Tidal",
        tidalOpened: (n, name) => `Window ${n} now also serves ${name}`,
        tidalClosed: (n) => `Window ${n} is back to its usual services`,
        people: (n) => `${n}`,
        open: (sessions) => `Open · ${sessions}`,
        extended: "Extended service: everyone with a ticket will be served",
        closed: (when) => (when ? `Closed · opens ${when}` : "Closed"),
        locale: "en-GB",
      }
    : {
        callMain: (c) => `请 ${c.number} 号 到 ${c.window} 号窗口`,
        callSub: (c) => `Ticket ${c.number}, please go to window ${c.window}`,
        callLine: null,
        recall: "重呼",
        welcome: "欢迎光临，请取号等候",
        welcomeClosed: "欢迎光临 · 现在休息，暂停取号",
        window: (n) => `${n}号窗口`,
        paused: "暂停",
        tidal: "潮汐",
        tidalOpened: (n, name) => `${n}号窗口现办理${name}业务`,
        tidalClosed: (n) => `${n}号窗口恢复原业务`,
        people: (n) => `${n} 人`,
        open: (sessions) => `${sessions} · 办理中`,
        extended: "延时服务中 · 已取号的群众都将办结",
        closed: (when) => (when ? `休息中 · 下次开放 ${when}` : "休息中"),
        locale: "zh-CN",
      };

  const $ = (id) => document.getElementById(id);

  function element(tag, className, content) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (content !== undefined && content !== null) node.textContent = content;
    return node;
  }

  function categoryName(c) {
    return en ? c.name_en : c.name;
  }

  function serviceName(code) {
    const c = hallScreen.state && hallScreen.state.categories.find((x) => x.code === code);
    return c ? categoryName(c) : code;
  }

  // A tidal switch stays announced on a banner for a while, so people already waiting see where to go.
  const TIDAL_BANNER_MS = 60000;
  let tidalTimer = null;

  function drawTidal(state) {
    const notice = state.tidalNotice;
    const banner = $("tidal-banner");
    if (!notice) {
      banner.hidden = true;
      return;
    }
    banner.textContent = notice.opened
      ? text.tidalOpened(notice.window, serviceName(notice.service))
      : text.tidalClosed(notice.window);
    banner.hidden = false;
    clearTimeout(tidalTimer);
    tidalTimer = setTimeout(() => {
      state.tidalNotice = null;
      banner.hidden = true;
    }, TIDAL_BANNER_MS);
  }

  // --- drawing the state -------------------------------------------------------------------------------

  function drawWindows(state) {
    const grid = $("windows");
    // A reserve window (后台力量) is shown only while a back-office clerk has it open for a line.
    const shown = state.windows.filter((w) => !w.reserve || w.switched_to);
    // Two rows for a typical hall; more rows only when the windows would get too narrow to read.
    const rows = shown.length > 16 ? 3 : shown.length > 7 ? 2 : 1;
    grid.style.setProperty("--columns", Math.ceil(shown.length / rows));
    grid.replaceChildren(...shown.map(windowCard));
  }

  function windowCard(w) {
    const card = element("div", "window " + w.state);
    card.dataset.window = w.number;
    if (w.tidal) card.append(element("span", "badge tidal", text.tidal));
    card.append(element("div", "window-name", text.window(w.number)));
    card.append(element("div", "window-ticket", w.ticket ? w.ticket.number : "—"));
    if (w.switched_to) card.append(element("div", "badge switched", serviceName(w.switched_to.service)));
    if (w.state === "paused") card.append(element("div", "badge paused", text.paused));
    return card;
  }

  function drawRecent(state) {
    $("recent").replaceChildren(
      ...state.calls.map((c) => {
        const row = element("li");
        row.append(element("span", "recent-number", c.number));
        row.append(element("span", "recent-window", text.window(c.window)));
        return row;
      })
    );
  }

  function drawWaiting(state) {
    $("waiting").replaceChildren(
      ...state.categories.map((c) => {
        const row = element("li");
        row.dataset.service = c.code;
        const name = element("span", "waiting-name");
        name.append(element("span", "code", c.code), document.createTextNode(categoryName(c)));
        const count = c.waiting === null || c.waiting === undefined ? "…" : text.people(c.waiting);
        row.append(name, element("span", "waiting-count", count));
        return row;
      })
    );
  }

  // The session line (延时错时服务): which sessions run, 「延时服务中」 after closing while the line is served,
  // or when the hall opens next.
  function drawHours(state) {
    const mode = HallState.hoursMode(state);
    const line = $("hours");
    line.hidden = mode === null;
    if (mode === null) return;
    line.dataset.mode = mode;
    if (mode === "open") {
      const names = en ? state.hours.sessions_en : state.hours.sessions;
      line.textContent = text.open(names.join(" · ") || (en ? "all day" : "全天"));
    } else if (mode === "extended") {
      line.textContent = text.extended;
    } else {
      const next = state.hours.next_opening;
      line.textContent = text.closed(next ? formatMoment(next, state.hall.timezone) : null);
    }
  }

  function formatMoment(iso, zone) {
    return new Intl.DateTimeFormat(text.locale, {
      timeZone: zone,
      month: "short",
      day: "numeric",
      weekday: "short",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    }).format(new Date(iso));
  }

  // 过号: today's skipped numbers, so a visitor who missed the call knows to go to the guide desk.
  const SKIPPED_SHOWN = 12;

  function drawSkipped(state) {
    const shown = state.skipped.slice(0, SKIPPED_SHOWN);
    $("skipped-panel").hidden = shown.length === 0;
    $("skipped").replaceChildren(...shown.map((s) => element("li", "skipped-number", s.number)));
  }

  function draw(state) {
    $("hall-name").textContent = en ? state.hall.name_en : state.hall.name;
    drawHours(state);
    drawWindows(state);
    drawRecent(state);
    drawWaiting(state);
    drawSkipped(state);
    // The welcome line follows the hours: a closed hall does not invite anyone to take a ticket.
    if ($("call").dataset.state === "empty") showWelcome();
  }

  // --- the highlighted call ----------------------------------------------------------------------------

  const highlight = {
    pending: [], // calls waiting for their turn, oldest first: no call of a burst is skipped
    current: null, // the call in the box, highlighted or settled
    shownAt: 0,
    fresh: false,
    timer: null,
  };

  function showCall(call, fresh) {
    const box = $("call");
    box.dataset.state = fresh ? "fresh" : "settled";
    $("call-main").textContent = text.callMain(call);
    $("call-sub").textContent = text.callSub(call);
    $("call-line").textContent = text.callLine ? text.callLine(call) : "";
    $("call-recall").hidden = !call.recall;
    $("call-recall").textContent = text.recall;
    if (fresh) {
      // Restart the flash animation even when the same element shows the next call.
      box.classList.remove("flash");
      void box.offsetWidth;
      box.classList.add("flash");
    }
  }

  function showWelcome() {
    $("call").dataset.state = "empty";
    // Closed, or serving only those already in line (延时服务): no tickets now, so nobody is told to take one.
    const mode = hallScreen.state && HallState.hoursMode(hallScreen.state);
    const closed = mode === "closed" || mode === "extended";
    $("call-main").textContent = closed ? text.welcomeClosed : text.welcome;
    $("call-sub").textContent = "";
    $("call-line").textContent = "";
    $("call-recall").hidden = true;
  }

  function announce(call) {
    highlight.pending.push(call);
    highlight.pending.splice(0, Math.max(0, highlight.pending.length - MAX_PENDING));
    if (!highlight.fresh) {
      showNext();
      return;
    }
    // The current call has had its minimum time already, or will have it soon: move on then.
    const left = Math.max(0, QUEUED_MS - (Date.now() - highlight.shownAt));
    clearTimeout(highlight.timer);
    highlight.timer = setTimeout(showNext, left);
  }

  function showNext() {
    clearTimeout(highlight.timer);
    const call = highlight.pending.shift();
    if (!call) {
      settle();
      return;
    }
    highlight.fresh = true;
    highlight.shownAt = Date.now();
    highlight.current = call;
    showCall(call, true);
    highlight.timer = setTimeout(showNext, highlight.pending.length ? QUEUED_MS : HIGHLIGHT_MS);
  }

  function settle() {
    highlight.fresh = false;
    if (highlight.current) showCall(highlight.current, false);
    else showWelcome();
  }

  // --- the clock -----------------------------------------------------------------------------------------

  function startClock() {
    const tick = () => {
      const zone = hallScreen.state ? hallScreen.state.hall.timezone : config.hall.timezone;
      // The server's time, not the screen's: a screen with a wrong clock, or a training server started at
      // another moment (queue-server --clock), still shows the hall's time.
      const now = new Date(Date.now() + hallScreen.clockOffset);
      $("date").textContent = new Intl.DateTimeFormat(text.locale, {
        timeZone: zone,
        year: "numeric",
        // English words are long: the short forms leave the hall's name room in the header.
        month: en ? "short" : "long",
        day: "numeric",
        weekday: en ? "short" : "long",
      }).format(now);
      $("time").textContent = new Intl.DateTimeFormat("en-GB", {
        timeZone: zone,
        hour: "2-digit",
        minute: "2-digit",
        second: "2-digit",
        hourCycle: "h23",
      }).format(now);
      // Tick on the second, so the seconds never appear to skip or stall.
      setTimeout(tick, 1000 - (now.getTime() % 1000) + 5);
    };
    tick();
  }

  // --- following the hall ------------------------------------------------------------------------------

  // seenEventId: the last event this screen has shown, from a snapshot or one by one; a later snapshot's
  // calls after it are calls the screen missed.
  const hallScreen = { state: null, seenEventId: null, feed: null, clockOffset: 0 };

  function onSnapshot(snapshot) {
    const missed = HallState.missedCalls(snapshot, hallScreen.seenEventId);
    hallScreen.seenEventId = snapshot.event_id;
    if (snapshot.now) hallScreen.clockOffset = Date.parse(snapshot.now) - Date.now();
    const first = hallScreen.state === null;
    const newDay = !first && hallScreen.state.businessDay !== snapshot.business_day;
    hallScreen.state = HallState.fromSnapshot(snapshot);
    draw(hallScreen.state);
    if (newDay) {
      // Yesterday's last call means nothing to today's visitors.
      highlight.pending = [];
      highlight.current = null;
      showNext();
    }
    const newest = hallScreen.state.calls[0];
    if (first && newest) {
      // Opening the page is not a call: show the latest call without flashing it.
      highlight.current = newest;
      settle();
    }
    missed.forEach(announce);
  }

  function onEvent(event) {
    if (!hallScreen.state) return;
    if (event.type === "day_started") {
      // A new business day resets numbers, counts and recent calls: start from a fresh snapshot.
      hallScreen.feed.resync();
      return;
    }
    if (event.event_id) hallScreen.seenEventId = event.event_id;
    const call = HallState.apply(hallScreen.state, event);
    draw(hallScreen.state);
    if (event.type === "tidal_opened" || event.type === "tidal_closed") drawTidal(hallScreen.state);
    if (call) announce(call);
  }

  function onStatus(online) {
    $("offline").hidden = online;
    document.body.classList.toggle("offline", !online);
  }

  draw(HallState.fromSnapshot({ hall: config.hall, categories: config.categories, windows: config.windows }));
  showWelcome();
  startClock();
  hallScreen.feed = TideFeed.followHall(config.hall.id, { onSnapshot, onEvent, onStatus });
  window.hallScreen = hallScreen; // for a person debugging at the screen's console
})();
