/*
 * desk-session.js: signing in and out on the staff desk pages that sign in like the guide desk (the supervisor
 * console, the back office, and the supervisors' month, quarter and day pages): an account without a window, its
 * token kept in this tab's sessionStorage; and what those pages share.
 *
 *   TideDesk.session({hall, lang, role, storageKey, desk, onEnter, onLeave}) -> {call, current, leave, errorText}
 *       role       the account role the page is for ("supervisor" or "reserve"); another account is signed out
 *                  again at once with a plain word why
 *       desk       the id of the part shown once signed in
 *       onEnter(session), onLeave()   the page starts and stops following the hall
 *     The page's elements: #sign-in (the form's card), #sign-in-form, #username, #password, #sign-in-button,
 *     #sign-in-error, #who, #who-text, #sign-out; and, where a supervisor may paste the admin token instead,
 *     #token-form and #token.
 *   TideDesk.deskPage({config, page, period, shift, shown, load, clear}) -> the session, and go, failed, download:
 *     a supervisors' page of templates/desk_page.html (排班, 调休台账, 服务表现季报, 到访预测与排班需求), showing one
 *     period (a month, a quarter, a day) at a time.
 *       config     the page's config (#{page}-config): hall, lang and the period shown (month, quarter or date)
 *       page       the page's name: its desk is #{page}-desk, its session kept as tidequeue.{page}.{hall}
 *       period     "month", "quarter" or "day": the ‹ › buttons #{period}-back and #{period}-next; the period is
 *                  kept in config and in the address as ?month= / ?quarter= / ?date= (a day's), and so in the
 *                  language link (#lang-link)
 *       shift(value, by)   the period `by` periods on (TideDesk.monthShift and quarterShift by default)
 *       shown(value)       shows the period on the page (its label, what follows from it)
 *       load(), clear()    read the period from the server and show it; forget what is shown (on a move and
 *                          on signing out)
 *     go(value) moves to a period; failed(err) says a failure in #status (a 401 signs out, saying why);
 *     download(path, filename) saves the answer to GET path (a CSV) as filename, a failure said in #status.
 *   TideDesk.monthShift("2026-12", 1) -> "2027-01";  TideDesk.quarterShift("2026-Q4", 1) -> "2027-Q1"
 *   TideDesk.ServerClock()  -> {see(iso), now()}: the server's time (which --clock may set apart from this
 *     machine's), learned from the times the server sends, so "3 minutes ago" counts on the server's clock.
 *   TideDesk.minutesText(ms, en)  "刚刚" / "3 分钟前" / "1 小时 5 分钟前" (just now / 3 min ago / 1 h 5 min ago)
 *   TideDesk.el(tag, className, text)  a new element with that class and text (either may be null), for the desk
 *     pages that draw their tables and lists
 */
(function () {
  "use strict";

  const $ = (id) => document.getElementById(id);
  const { ApiError, newKey, ownLanguage } = window.TideApi;

  function session(options) {
    const en = options.lang === "en";
    const API = `/api/halls/${encodeURIComponent(options.hall)}`;
    const TEXT = en
      ? {
          who: (s) => (s.admin ? "Supervisor token" : `${s.clerk.name} (${s.clerk.username})`),
          wrongRole: {
            supervisor: "This page is for the hall's supervisor (值班长) accounts.",
            reserve: "This page is for back-office (reserve) accounts.",
          },
          signedOut: "Signed out.",
          unreachable: "Cannot reach the server; try again.",
        }
      : {
          who: (s) => (s.admin ? "值班长令牌" : `${s.clerk.name}（${s.clerk.username}）`),
          wrongRole: { supervisor: "此页面仅供值班长账号使用。", reserve: "此页面仅供后台支援人员账号使用。" },
          signedOut: "已退出登录。",
          unreachable: "无法连接服务器，请重试。",
        };

    let current = null;
    try {
      current = JSON.parse(sessionStorage.getItem(options.storageKey));
    } catch (e) {
      current = null;
    }

    function errorText(err) {
      return err instanceof ApiError ? ownLanguage(err, options.lang) : TEXT.unreachable;
    }

    function call(path, request) {
      return window.TideApi.request(API + path, { ...request, token: current && current.token });
    }

    function enter() {
      $("sign-in").hidden = true;
      $(options.desk).hidden = false;
      $("who").hidden = false;
      $("who-text").textContent = TEXT.who(current);
      options.onEnter(current);
    }

    function leave(text) {
      const was = current;
      current = null;
      sessionStorage.removeItem(options.storageKey);
      $(options.desk).hidden = true;
      $("who").hidden = true;
      $("sign-in").hidden = false;
      $("sign-in-error").textContent = text || "";
      $("sign-in-error").hidden = !text;
      if (was) options.onLeave();
    }

    function refuse(text) {
      $("sign-in-error").textContent = text;
      $("sign-in-error").hidden = false;
    }

    async function signIn(event) {
      event.preventDefault();
      $("sign-in-button").disabled = true;
      $("sign-in-error").hidden = true;
      try {
        const body = { username: $("username").value.trim(), password: $("password").value };
        // An account without a window signs in where the guide desk does (it checks the password and the role).
        const answer = await window.TideApi.request(`${API}/guide/sign-in`, {
          method: "POST",
          body,
          key: newKey("desk"),
        });
        $("password").value = "";
        if (answer.role !== options.role) {
          // Signed in, but not the account this page is for: end that session again at once.
          await window.TideApi.request(`${API}/sign-out`, { method: "POST", token: answer.token }).catch(() => null);
          refuse(TEXT.wrongRole[options.role]);
          return;
        }
        current = answer;
        sessionStorage.setItem(options.storageKey, JSON.stringify(current));
        enter();
      } catch (err) {
        refuse(errorText(err));
        $("password").select();
      } finally {
        $("sign-in-button").disabled = false;
      }
    }

    // The admin token (QUEUE_ADMIN_TOKEN) is a supervisor too: checked once with whoami, then kept like a session.
    async function useToken(event) {
      event.preventDefault();
      const token = $("token").value.trim();
      $("sign-in-error").hidden = true;
      try {
        const who = await window.TideApi.request(`${API}/whoami`, { token });
        if (!who.supervisor) {
          refuse(TEXT.wrongRole.supervisor);
          return;
        }
        $("token").value = "";
        current = { token, admin: true, clerk: { name: who.name, username: "" }, role: "supervisor" };
        sessionStorage.setItem(options.storageKey, JSON.stringify(current));
        enter();
      } catch (err) {
        refuse(errorText(err));
      }
    }

    async function signOut() {
      // The admin token is not a session: it is only forgotten here.
      if (current && !current.admin) await call("/sign-out", { method: "POST", key: newKey("desk") }).catch(() => null);
      leave(TEXT.signedOut);
    }

    $("sign-in-form").addEventListener("submit", signIn);
    if ($("token-form")) $("token-form").addEventListener("submit", useToken);
    $("sign-out").addEventListener("click", signOut);
    if (current) enter();
    return { call, current: () => current, leave, errorText };
  }

  // --- the supervisors' month, quarter and day pages ----------------------------------------------------------

  const KEYS = { month: "month", quarter: "quarter", day: "date" }; // the config's and the address's name of each

  function deskPage(options) {
    const { config, period } = options;
    const key = KEYS[period];
    const shift = options.shift || { month: monthShift, quarter: quarterShift }[period];

    function show() {
      const query = new URLSearchParams(window.location.search);
      query.set(key, config[key]);
      window.history.replaceState(null, "", `?${query}`);
      const other = new URLSearchParams(query);
      other.set("lang", config.lang === "en" ? "zh" : "en");
      $("lang-link").href = `?${other}`;
      options.shown(config[key]);
    }

    function go(value) {
      config[key] = value;
      show();
      options.clear(); // never another period's figures under this period's name
      if (desk.current()) options.load();
    }

    function failed(err) {
      if (err.status === 401) desk.leave(desk.errorText(err));
      else $("status").textContent = desk.errorText(err);
    }

    async function download(path, filename) {
      try {
        const answer = await desk.call(path, { raw: true });
        const link = el("a");
        link.href = URL.createObjectURL(await answer.blob());
        link.download = filename;
        link.click();
        URL.revokeObjectURL(link.href);
      } catch (err) {
        $("status").textContent = desk.errorText(err);
      }
    }

    $(`${period}-back`).addEventListener("click", () => go(shift(config[key], -1)));
    $(`${period}-next`).addEventListener("click", () => go(shift(config[key], 1)));
    show();
    const desk = session({
      hall: config.hall,
      lang: config.lang,
      role: "supervisor",
      storageKey: `tidequeue.${options.page}.${config.hall}`,
      desk: `${options.page}-desk`,
      onEnter: () => queueMicrotask(() => options.load()), // after the page has its session: a kept one enters at once
      onLeave: options.clear,
    });
    return { ...desk, go, failed, download };
  }

  function monthShift(month, by) {
    const [y, m] = month.split("-").map(Number);
    const d = new Date(Date.UTC(y, m - 1 + by, 1));
    return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, "0")}`;
  }

  function quarterShift(quarter, by) {
    const [year, n] = quarter.split("-Q").map(Number);
    const index = year * 4 + (n - 1) + by;
    return `${Math.floor(index / 4)}-Q${(index % 4) + 1}`;
  }

  // --- small things the desk pages share ---------------------------------------------------------------------

  function ServerClock() {
    let offset = 0; // server time − this machine's time, in ms
    return {
      see(iso) {
        const at = Date.parse(iso);
        if (!Number.isNaN(at)) offset = at - Date.now();
      },
      now: () => Date.now() + offset,
    };
  }

  function minutesText(ms, en) {
    const minutes = Math.max(0, Math.floor(ms / 60000));
    if (minutes < 1) return en ? "just now" : "刚刚";
    const h = Math.floor(minutes / 60);
    const m = minutes % 60;
    if (en) return h ? `${h} h ${m} min ago` : `${m} min ago`;
    return h ? `${h} 小时 ${m} 分钟前` : `${m} 分钟前`;
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  window.TideDesk = { session, deskPage, monthShift, quarterShift, ServerClock, minutesText, el };
})();
