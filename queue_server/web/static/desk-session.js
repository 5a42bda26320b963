/*
 * desk-session.js: signing in and out on the tidal desk's pages (the supervisor console and the back office), which
 * sign in like the guide desk: an account without a window, its token kept in this tab's sessionStorage.
 *
 *   TideDesk.session({hall, lang, role, storageKey, desk, onEnter, onLeave}) -> {call, current, leave}
 *       role       the account role the page is for ("supervisor" or "reserve"); another account is signed out
 *                  again at once with a plain word why
 *       desk       the id of the part shown once signed in
 *       onEnter(session), onLeave()   the page starts and stops following the hall
 *     The page's elements: #sign-in (the form's card), #sign-in-form, #username, #password, #sign-in-button,
 *     #sign-in-error, #who, #who-text, #sign-out; and, where a supervisor may paste the admin token instead,
 *     #token-form and #token.
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

  window.TideDesk = { session, ServerClock, minutesText, el };
})();
