// The supervisor console (值班长控制台): a supervisor signs in (desk-session.js), then sees every window and line of
// the hall, the alerts and the suggested switches (批准 / 拒绝), the back-office staff and today's busy spread. It
// follows the hall's channel (feed.js) and refetches GET …/supervise on its events, at most about once a second,
// and every half minute besides, since busy time grows while nothing happens.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const config = JSON.parse($("supervise-config").textContent);
  const en = config.lang === "en";
  const { newKey, ownLanguage } = window.TideApi;
  const { minutesText } = window.TideDesk;
  const clock = window.TideDesk.ServerClock();

  const MIN_GAP_MS = 1000; // refetch at most this often, however busy the hall
  const SLOW_REFRESH_MS = 30000; // busy time and "minutes ago" move on while no event comes

  const TEXT = en
    ? {
        state: { idle: "Idle", serving: "Serving", paused: "Paused", closed: "Closed" },
        tidal: "Tidal",
        reserve: "Reserve",
        switched: (s) =>
          `→ ${s.service} ${serviceName(s.service)} · ${by(s, "back office", "by hand", "auto")} · since ${hhmm(s.since)}`,
        noSuggestions: {
          auto: "Automatic mode: the controller switches by itself.",
          suggest: "No switch waiting for approval.",
        },
        serves: (codes) => codes.join(" "),
        nobody: "no clerk",
        busy: (w) =>
          `Busy ${percent(w.busy_ratio)} · serving ${whole(w.serving_minutes)} of ${whole(w.open_minutes)} min`,
        notOpen: "Not open today",
        served: (n) => `${n} served`,
        minutes: (m) => `${m} min`,
        noWindow: "no window",
        priority: (n) => `incl. ${n} priority`,
        trend: { rising: "Rising", steady: "Steady", falling: "Falling" },
        recently: (c) => `${c.arrived_recently} in · ${c.called_recently} called`,
        mode: { auto: "Tidal: automatic", suggest: "Tidal: suggest, supervisor approves" },
        suggestion: (s) =>
          s.kind === "open"
            ? `Window ${s.window} → ${s.service} ${serviceName(s.service)}`
            : s.kind === "close"
              ? `Window ${s.window} back to its own categories`
              : `Open reserve window ${s.window} for ${s.service} ${serviceName(s.service)}`,
        approve: "Approve",
        decline: "Decline",
        approved: (s) => `Approved: ${TEXT.suggestion(s)}.`,
        declined: (s) => `Declined: ${TEXT.suggestion(s)}.`,
        alert: (a) => `${a.service} ${serviceName(a.service)}` + (a.window ? ` · window ${a.window}` : ""),
        alertOpen: "waiting for a back-office clerk",
        alertAccepted: (a) =>
          `Accepted by ${a.clerk_name || a.clerk}` + (a.arrive_by ? `, seated by ${hhmm(a.arrive_by)}` : ""),
        onTheWay: (name, p) => `${name} on the way, by ${hhmm(p.arrive_by)}`,
        person: (p) => `${p.name} (${p.username})`,
        staff: { back_office: "in the back office", called: "called forward", at_window: "at a window", off_duty: "off duty (rota)" },
        staffWhere: (p) => [p.window && `window ${p.window}`, p.service && `${p.service} ${serviceName(p.service)}`],
        offline: "Connection lost; reconnecting…",
      }
    : {
        state: { idle: "空闲", serving: "办理中", paused: "暂停", closed: "未开放" },
        tidal: "潮汐",
        reserve: "后台",
        switched: (s) => `→ ${s.service} ${serviceName(s.service)} · ${by(s, "后台支援", "手动", "自动")} · ${hhmm(s.since)} 起`,
        noSuggestions: { auto: "自动模式：控制器自行切换，无需审批", suggest: "暂无待审批的调度建议" },
        serves: (codes) => codes.join(" "),
        nobody: "无人登录",
        busy: (w) => `忙闲率 ${percent(w.busy_ratio)} · 办理 ${whole(w.serving_minutes)}/${whole(w.open_minutes)} 分钟`,
        notOpen: "今日未开放",
        served: (n) => `已办 ${n}`,
        minutes: (m) => `${m} 分钟`,
        noWindow: "无窗口",
        priority: (n) => `含绿色通道 ${n}`,
        trend: { rising: "上升", steady: "平稳", falling: "下降" },
        recently: (c) => `到 ${c.arrived_recently} · 叫 ${c.called_recently}`,
        mode: { auto: "潮汐调度：自动", suggest: "潮汐调度：建议，值班长审批" },
        suggestion: (s) =>
          s.kind === "open"
            ? `${s.window} 号窗口 → ${s.service} ${serviceName(s.service)}`
            : s.kind === "close"
              ? `${s.window} 号窗口恢复原业务`
              : `开启 ${s.window} 号后台窗口办理 ${s.service} ${serviceName(s.service)}`,
        approve: "批准",
        decline: "拒绝",
        approved: (s) => `已批准：${TEXT.suggestion(s)}。`,
        declined: (s) => `已拒绝：${TEXT.suggestion(s)}。`,
        alert: (a) => `${a.service} ${serviceName(a.service)}` + (a.window ? ` · ${a.window} 号窗口` : ""),
        alertOpen: "等待后台人员接受",
        alertAccepted: (a) => `${a.clerk_name || a.clerk} 已接受` + (a.arrive_by ? `，预计 ${hhmm(a.arrive_by)} 到岗` : ""),
        onTheWay: (name, p) => `${name} 赶来中，预计 ${hhmm(p.arrive_by)} 到岗`,
        person: (p) => `${p.name}（${p.username}）`,
        staff: { back_office: "在后台", called: "已应召", at_window: "在窗口", off_duty: "今日未排班" },
        staffWhere: (p) => [p.window && `${p.window} 号窗口`, p.service && `${p.service} ${serviceName(p.service)}`],
        offline: "连接中断，正在重连…",
      };
  const TREND_ARROW = { rising: "↑", steady: "→", falling: "↓" };

  // who switched a window: a reserve clerk answering an alert, a supervisor by hand, or the controller
  const by = (s, reserve, manual, auto) => (s.cause === "reserve" ? reserve : s.manual ? manual : auto);

  function serviceName(code) {
    const c = config.categories.find((x) => x.code === code);
    return c ? (en ? c.name_en : c.name) : "";
  }

  const percent = (value) => (value === null || value === undefined ? "—" : `${(value * 100).toFixed(1)}%`);
  const whole = (value) => (value === null || value === undefined ? "0" : String(Math.round(value)));
  const timeFormat = new Intl.DateTimeFormat(en ? "en-GB" : "zh-CN", {
    timeZone: config.timezone,
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  });
  const hhmm = (iso) => (iso ? timeFormat.format(new Date(iso)) : "");
  const ago = (iso) => (iso ? minutesText(clock.now() - Date.parse(iso), en) : "");

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  // --- drawing ----------------------------------------------------------------------------------------------

  let data = null;

  function render() {
    if (!data) return;
    $("mode").hidden = false;
    $("mode").textContent = TEXT.mode[data.mode] || data.mode;
    $("mode").dataset.mode = data.mode;
    renderFigures();
    renderLines();
    renderWindows();
    renderSuggestions();
    renderAlerts();
    renderStaff();
    tick();
  }

  function renderFigures() {
    $("f-waiting").textContent = String(data.categories.reduce((sum, c) => sum + c.waiting, 0));
    $("f-served").textContent = String(data.tidal_share.served);
    $("f-spread").textContent = percent(data.busy_spread.max_minus_min);
    $("f-stdev").textContent = percent(data.busy_spread.stdev);
    const t = data.tidal_share;
    $("f-tidal").textContent = `${percent(t.share)} (${t.tidal_served}/${t.served})`;
  }

  function waitClass(c) {
    if (c.waiting === 0) return "calm";
    if (c.predicted_wait === null || c.predicted_wait >= config.open_at_minutes) return "congested";
    return c.predicted_wait < config.close_below_minutes ? "calm" : "";
  }

  function renderLines() {
    const rows = data.categories.map((c) => {
      const tr = el("tr");
      tr.dataset.service = c.code;
      const name = el("th");
      name.scope = "row";
      name.append(el("span", "code", c.code), el("span", "name", en ? c.name_en : c.name));
      const waiting = el("td", "n waiting");
      waiting.append(el("b", "waiting-count", String(c.waiting)));
      if (c.priority_waiting) waiting.append(el("small", null, TEXT.priority(c.priority_waiting)));
      const wait = el("td", `n wait ${waitClass(c)}`);
      if (c.predicted_wait !== null) wait.textContent = TEXT.minutes(Math.round(c.predicted_wait));
      else wait.textContent = c.waiting ? TEXT.noWindow : "—";
      const trend = el("td", `trend ${c.trend}`);
      const arrow = el("b", null, `${TREND_ARROW[c.trend]} ${TEXT.trend[c.trend]}`);
      trend.append(arrow, el("small", null, TEXT.recently(c)));
      tr.append(name, waiting, el("td", "n windows-serving", String(c.windows_serving)), wait, trend);
      return tr;
    });
    $("lines").replaceChildren(...rows);
  }

  function renderWindows() {
    const cards = data.windows.map((w) => {
      const card = el("article", `window ${w.state}`);
      card.dataset.window = String(w.number);
      card.dataset.state = w.state;
      card.classList.toggle("switched", Boolean(w.switched_to));
      const head = el("header");
      head.append(el("span", "number", String(w.number)));
      if (w.tidal && !w.reserve) head.append(el("span", "tag tidal", TEXT.tidal));
      if (w.reserve) head.append(el("span", "tag reserve", TEXT.reserve));
      head.append(el("span", "state", TEXT.state[w.state] || w.state));
      const serves = el("p", "serves");
      if (w.switched_to) serves.append(el("span", "switched-to", TEXT.switched(w.switched_to)));
      else serves.append(el("span", "codes", TEXT.serves(w.services)));
      serves.append(el("span", "served", TEXT.served(w.served_today)));
      // a reserve window whose clerk accepted the alert and is on the way: the clerk is named on it already
      const coming = data.reserve_staff.find((p) => p.window === w.number && p.state === "called");
      if (coming) {
        // named as the window screen names them (the alert's clerk_name), as the alerts list does
        const alert = data.alerts.find((a) => a.window === w.number && a.state === "accepted");
        const name = (alert && alert.clerk_name) || coming.name;
        serves.append(el("span", "coming", TEXT.onTheWay(name, coming)));
      }
      const who = el("p", "who-at");
      who.append(el("span", w.clerk ? "clerk" : "clerk none", w.clerk || TEXT.nobody));
      if (w.ticket) who.append(el("b", "ticket", w.ticket.number));
      const bar = el("div", "busy-bar");
      const fill = el("span");
      // The fill's width is a page knob (var(--busy) in supervise.css), set here from the figure.
      fill.style.setProperty("--busy", String(w.busy_ratio || 0));
      bar.append(fill);
      const busy = el("p", "busy", w.busy_ratio === null ? TEXT.notOpen : TEXT.busy(w));
      card.append(head, serves, who, bar, busy);
      return card;
    });
    $("windows").replaceChildren(...cards);
  }

  function count(id, n) {
    $(id).hidden = !n;
    $(id).textContent = String(n);
  }

  function renderSuggestions() {
    const items = data.suggestions.map((s) => {
      const li = el("li", `suggestion ${s.kind || ""}`);
      li.dataset.id = s.id;
      li.dataset.kind = s.kind;
      li.dataset.window = String(s.window);
      li.dataset.service = s.service;
      const text = el("div", "text");
      text.append(el("b", null, TEXT.suggestion(s)), el("span", "reason", ownLanguage(s.reason || "", config.lang)));
      text.append(el("span", "ago", ago(s.at)));
      text.lastChild.dataset.at = s.at || "";
      const buttons = el("div", "buttons");
      const yes = el("button", "primary approve", TEXT.approve);
      yes.type = "button";
      yes.addEventListener("click", () => decide(s, "approve", li));
      const no = el("button", "decline", TEXT.decline);
      no.type = "button";
      no.addEventListener("click", () => decide(s, "decline", li));
      buttons.append(yes, no);
      li.append(text, buttons);
      return li;
    });
    $("suggestions").replaceChildren(...items);
    $("no-suggestions").hidden = items.length > 0;
    $("no-suggestions").textContent = TEXT.noSuggestions[data.mode] || TEXT.noSuggestions.suggest;
    count("suggestion-count", items.length);
  }

  function renderAlerts() {
    const items = data.alerts.map((a) => {
      const accepted = a.state === "accepted";
      const li = el("li", `alert ${accepted ? "accepted" : "open"}`);
      li.dataset.id = a.id;
      const text = el("div", "text");
      text.append(el("b", null, TEXT.alert(a)), el("span", "reason", ownLanguage(a.reason || "", config.lang)));
      text.append(el("span", "status", accepted ? TEXT.alertAccepted(a) : TEXT.alertOpen));
      const when = el("span", "ago", ago(a.at));
      when.dataset.at = a.at || "";
      text.append(when);
      li.append(text);
      return li;
    });
    $("alerts").replaceChildren(...items);
    $("no-alerts").hidden = items.length > 0;
    count("alert-count", data.alerts.filter((a) => a.state === "open").length);
  }

  function renderStaff() {
    const items = data.reserve_staff.map((p) => {
      const li = el("li", `person ${p.state}`);
      li.dataset.username = p.username;
      li.append(el("b", null, TEXT.person(p)), el("span", "state", TEXT.staff[p.state] || p.state));
      const where = TEXT.staffWhere(p).filter(Boolean).join(" · ");
      if (where) li.append(el("span", "where", where));
      return li;
    });
    $("reserve-staff").replaceChildren(...items);
    $("no-reserve").hidden = items.length > 0;
  }

  // The clock and the "minutes ago" move on between answers.
  function tick() {
    $("clock").textContent = data ? timeFormat.format(new Date(clock.now())) : "";
    for (const node of document.querySelectorAll(".ago[data-at]")) node.textContent = ago(node.dataset.at);
  }

  function say(text, kind) {
    $("message").textContent = text;
    $("message").className = `message ${kind}`;
    $("message").hidden = !text;
  }

  // --- approving and declining -----------------------------------------------------------------------------

  async function decide(suggestion, verb, item) {
    for (const b of item.querySelectorAll("button")) b.disabled = true;
    try {
      await desk.call(`/tidal/suggestions/${encodeURIComponent(suggestion.id)}/${verb}`, {
        method: "POST",
        key: newKey("console"),
      });
      say(verb === "approve" ? TEXT.approved(suggestion) : TEXT.declined(suggestion), "info");
    } catch (err) {
      say(desk.errorText(err), "error");
      for (const b of item.querySelectorAll("button")) b.disabled = false;
    }
    refresh();
  }

  // --- loading: on each event of the hall, at most once a second ------------------------------------------

  let loading = false;
  let again = false;
  let lastStart = 0;
  let timer = null;

  function refresh() {
    if (loading) {
      again = true;
      return;
    }
    if (timer) return;
    timer = setTimeout(load, Math.max(0, lastStart + MIN_GAP_MS - Date.now()));
  }

  async function load() {
    timer = null;
    if (!desk.current()) return;
    loading = true;
    lastStart = Date.now();
    try {
      data = await desk.call("/supervise");
      clock.see(data.now);
      render();
      if ($("message").classList.contains("error")) say("", "info");
    } catch (err) {
      if (err.status === 401 || err.status === 403) desk.leave(desk.errorText(err));
      else say(desk.errorText(err), "error");
    } finally {
      loading = false;
      if (again) {
        again = false;
        refresh();
      }
    }
  }

  let feed = null;
  let slow = null;
  let ticker = null;

  function showFeedStatus(online) {
    $("feed-status").hidden = online;
    $("feed-status").textContent = online ? "" : TEXT.offline;
  }

  function start() {
    feed = window.TideFeed.followHall(config.hall, {
      onSnapshot: (snapshot) => {
        clock.see(snapshot.now);
        refresh();
      },
      onEvent: refresh, // the answer brings the server's time: a replayed event's own would be old
      onStatus: showFeedStatus,
    });
    slow = setInterval(refresh, SLOW_REFRESH_MS);
    ticker = setInterval(tick, 10000);
    refresh();
  }

  function stop() {
    if (feed) feed.close();
    clearInterval(slow);
    clearInterval(ticker);
    feed = null;
    data = null;
    showFeedStatus(true);
    $("mode").hidden = true;
    $("clock").textContent = "";
    say("", "info");
  }

  const desk = window.TideDesk.session({
    hall: config.hall,
    lang: config.lang,
    role: "supervisor",
    storageKey: `tidequeue.supervise.${config.hall}`,
    desk: "console",
    onEnter: start,
    onLeave: stop,
  });
})();
