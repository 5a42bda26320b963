// The back office (后台): a reserve clerk signs in (desk-session.js) and sees the alerts asking for back-office staff,
// live (the hall's channel, feed.js, refetches GET …/alerts on its events). 接受 accepts one; the answer names the
// window and carries a token for it, which this page hands to the web caller pad the way the pad keeps its own
// session (sessionStorage "tidequeue.caller.{hall}", in this tab), so the clerk opens the pad already signed in.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const config = JSON.parse($("backoffice-config").textContent);
  const en = config.lang === "en";
  const { newKey, ownLanguage } = window.TideApi;
  const { minutesText } = window.TideDesk;
  const clock = window.TideDesk.ServerClock();
  const CALLER_KEY = `tidequeue.caller.${config.hall}`; // caller_pad/static/caller.js keeps its session here
  const ASSIGNMENT_KEY = `tidequeue.backoffice.${config.hall}.assignment`;
  const MIN_GAP_MS = 1000;

  const TEXT = en
    ? {
        window: (n) => `Window ${n}`,
        accept: "Accept",
        again: "Go to the window",
        mine: "You accepted it",
        notMine: "Not one of your categories",
        offDuty: "Not on back-office duty today (rota)",
        accepted: (a) => `Accepted by ${a.clerk_name || a.clerk}`,
        goTo: (n) => `Please go to window ${n}`,
        detail: (a) =>
          `${a.service ? `Serve ${a.service} ${serviceName(a.service)}` : ""}` +
          (a.arrive_by ? ` · be there by ${hhmm(a.arrive_by)}` : ""),
      }
    : {
        window: (n) => `${n} 号窗口`,
        accept: "接受",
        again: "前往窗口",
        mine: "您已接受",
        notMine: "不在您的业务技能内",
        offDuty: "今日排班未安排您后台值班",
        accepted: (a) => `已由 ${a.clerk_name || a.clerk} 接受`,
        goTo: (n) => `请到${n}号窗口`,
        detail: (a) =>
          `${a.service ? `办理 ${a.service} ${serviceName(a.service)}` : ""}` +
          (a.arrive_by ? ` · 请于 ${hhmm(a.arrive_by)} 前到岗` : ""),
      };

  function serviceName(code) {
    const c = config.categories.find((x) => x.code === code);
    return c ? (en ? c.name_en : c.name) : "";
  }

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

  function say(text, kind) {
    $("message").textContent = text;
    $("message").className = `message ${kind}`;
    $("message").hidden = !text;
  }

  // --- the alerts -------------------------------------------------------------------------------------------

  let alerts = [];
  let me = null; // this clerk as GET …/alerts lists the back office: state, window, skills

  // The server refuses an alert outside the clerk's skills (missing_skill): say so instead of offering it.
  const mayServe = (service) => !me || !me.skills.length || me.skills.includes(service);

  function render() {
    const items = alerts.map((a) => {
      const mine = a.state === "accepted" && a.clerk === desk.current().clerk.username;
      const li = el("li", `alert ${a.state}${mine ? " mine" : ""}`);
      li.dataset.id = a.id;
      const what = el("div", "what");
      what.append(el("span", "code", a.service), el("b", "name", serviceName(a.service)));
      if (a.window) what.append(el("span", "window", TEXT.window(a.window)));
      const text = el("div", "text");
      text.append(what, el("span", "reason", ownLanguage(a.reason || "", config.lang)));
      const when = el("span", "ago", ago(a.at));
      when.dataset.at = a.at || "";
      text.append(when);
      li.append(text);
      if (a.state === "accepted") li.append(el("span", "taken", mine ? TEXT.mine : TEXT.accepted(a)));
      // Accepting again (one's own alert) gives a fresh token for the same window: for a page that lost it.
      // The day's rota has this clerk off (off_duty): the server would refuse, so the page says why instead.
      if (a.state === "open" && me && me.state === "off_duty") li.append(el("span", "taken", TEXT.offDuty));
      else if (a.state === "open" && !mayServe(a.service)) li.append(el("span", "taken", TEXT.notMine));
      else if (a.state === "open" || mine) {
        const button = el("button", "primary accept", a.state === "open" ? TEXT.accept : TEXT.again);
        button.type = "button";
        button.addEventListener("click", () => accept(a, button));
        li.append(button);
      }
      return li;
    });
    $("alerts").replaceChildren(...items);
    $("no-alerts").hidden = items.length > 0;
  }

  function tick() {
    for (const node of document.querySelectorAll(".ago[data-at]")) node.textContent = ago(node.dataset.at);
  }

  // --- accepting: the window to go to, and the caller pad signed in there -------------------------------------

  let assignment = null; // the accepted alert's window, category and token, kept in this tab

  function showAssignment(given) {
    assignment = given;
    if (given) sessionStorage.setItem(ASSIGNMENT_KEY, JSON.stringify(given));
    else sessionStorage.removeItem(ASSIGNMENT_KEY);
    $("assignment").hidden = !given;
    if (!given) return;
    $("go-to").textContent = TEXT.goTo(given.window);
    $("go-detail").textContent = TEXT.detail(given);
    $("caller-link").href = given.caller + (en ? `${given.caller.includes("?") ? "&" : "?"}lang=en` : "");
  }

  // The caller pad's own session, as its sign-in would have left it: the pad opens signed in at the window.
  function handToCallerPad(given) {
    const session = { token: given.token, expires_in: given.expires_in, clerk: given.clerk, window: given.window };
    sessionStorage.setItem(CALLER_KEY, JSON.stringify({ ...session, role: "reserve" }));
  }

  async function accept(alert, button) {
    button.disabled = true;
    try {
      const answer = await desk.call(`/alerts/${encodeURIComponent(alert.id)}/accept`, {
        method: "POST",
        key: newKey("backoffice"),
      });
      const given = {
        window: answer.window,
        service: answer.alert.service,
        arrive_by: answer.arrive_by,
        token: answer.token,
        expires_in: answer.expires_in,
        clerk: answer.clerk,
        caller: answer.caller,
      };
      handToCallerPad(given);
      showAssignment(given);
      say("", "info");
    } catch (err) {
      say(desk.errorText(err), "error");
      button.disabled = false;
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
      const answer = await desk.call("/alerts");
      alerts = answer.alerts;
      // Sent back to the back office (the line went calm, or a supervisor closed the window): no window to go to.
      me = answer.reserve_staff.find((p) => p.username === desk.current().clerk.username) || null;
      if (assignment && (!me || me.state === "back_office" || me.window !== assignment.window)) showAssignment(null);
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
  let ticker = null;

  function showFeedStatus(online) {
    $("feed-status").hidden = online;
    $("feed-status").textContent = online ? "" : en ? "Connection lost; reconnecting…" : "连接中断，正在重连…";
  }

  function start() {
    showAssignment(savedAssignment());
    feed = window.TideFeed.followHall(config.hall, {
      onSnapshot: (snapshot) => {
        clock.see(snapshot.now);
        refresh();
      },
      onEvent: refresh,
      onStatus: showFeedStatus,
    });
    ticker = setInterval(tick, 15000);
    refresh();
  }

  function stop() {
    if (feed) feed.close();
    feed = null;
    clearInterval(ticker);
    alerts = [];
    me = null;
    $("alerts").replaceChildren();
    showAssignment(null);
    showFeedStatus(true);
    say("", "info");
  }

  function savedAssignment() {
    try {
      return JSON.parse(sessionStorage.getItem(ASSIGNMENT_KEY));
    } catch (e) {
      return null;
    }
  }

  // The caller pad may have signed out meanwhile (its own sign-out clears its session): hand the token over again.
  $("caller-link").addEventListener("click", () => {
    if (assignment) handToCallerPad(assignment);
  });

  const desk = window.TideDesk.session({
    hall: config.hall,
    lang: config.lang,
    role: "reserve",
    storageKey: `tidequeue.backoffice.${config.hall}`,
    desk: "office",
    onEnter: start,
    onLeave: stop,
  });
})();
