// The guide desk (导办台): a guide-desk account signs in, then issues tickets (绿色通道 with the box ticked), looks a
// number of today up, moves a waiting visitor to another category, puts a skipped one back in line, and prints.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const config = JSON.parse($("guide-config").textContent);
  const en = config.lang === "en";
  const API = `/api/halls/${encodeURIComponent(config.hall)}`;
  const STORAGE_KEY = `tidequeue.guide.${config.hall}`;
  const { ApiError, ownLanguage, newKey } = window.TideApi;

  const STATE = en
    ? { waiting: "waiting", called: "called", served: "served", skipped: "skipped (no-show)", expired: "expired" }
    : { waiting: "等候中", called: "已叫号", served: "已办结", skipped: "已过号", expired: "已作废" };
  const TEXT = en
    ? {
        who: (s) => `${s.clerk.name} (${s.clerk.username})`,
        issued: (t) => `${serviceName(t.service)} · ${t.ahead} ahead${t.priority ? " · priority lane" : ""}`,
        found: (t) => {
          const parts = [serviceName(t.service), STATE[t.state] || t.state];
          if (t.state === "waiting") parts.push(`${t.ahead} ahead`);
          if (t.window) parts.push(`window ${t.window}`);
          if (t.priority) parts.push("priority lane");
          if (t.transferred_from) parts.push(`moved from ${serviceName(t.transferred_from)}`);
          return parts.join(" · ");
        },
        moved: (t) => `${t.number} now waits in ${serviceName(t.service)} (${t.ahead} ahead), keeping its place.`,
        requeued: (t) => `${t.number} is back in line (${t.ahead} ahead).`,
        unreachable: "Cannot reach the server; try again.",
        ahead: (n) => `${n} ahead`,
        issuedAt: (at) => `Issued ${at.slice(11, 16)}`,
        signedOut: "Signed out.",
      }
    : {
        who: (s) => `${s.clerk.name}（${s.clerk.username}）`,
        issued: (t) => `${serviceName(t.service)} · 前面 ${t.ahead} 人${t.priority ? " · 绿色通道" : ""}`,
        found: (t) => {
          const parts = [serviceName(t.service), STATE[t.state] || t.state];
          if (t.state === "waiting") parts.push(`前面 ${t.ahead} 人`);
          if (t.window) parts.push(`${t.window} 号窗口`);
          if (t.priority) parts.push("绿色通道");
          if (t.transferred_from) parts.push(`由「${serviceName(t.transferred_from)}」转入`);
          return parts.join(" · ");
        },
        moved: (t) => `${t.number} 已转到「${serviceName(t.service)}」（前面 ${t.ahead} 人），排队位置不变。`,
        requeued: (t) => `${t.number} 已重新排队（前面 ${t.ahead} 人）。`,
        unreachable: "无法连接服务器，请重试。",
        ahead: (n) => `前面 ${n} 人`,
        issuedAt: (at) => `取号时间 ${at.slice(11, 16)}`,
        signedOut: "已退出登录。",
      };

  function serviceName(code) {
    const c = config.categories.find((x) => x.code === code);
    return c ? (en ? c.name_en : c.name) : code;
  }

  let session = null;
  try {
    session = JSON.parse(sessionStorage.getItem(STORAGE_KEY));
  } catch (e) {
    session = null;
  }
  let found = null; // the ticket looked up
  let lastIssued = null;

  function call(path, options) {
    return window.TideApi.request(path, { ...options, token: session && session.token });
  }

  function errorText(err) {
    return err instanceof ApiError ? ownLanguage(err, config.lang) : TEXT.unreachable;
  }

  function say(text, kind) {
    $("message").textContent = text;
    $("message").className = `message ${kind}`;
    $("message").hidden = !text;
  }

  // One press at a time: a second press while a request is on its way is ignored.
  let busy = false;
  async function run(work) {
    if (busy) return;
    busy = true;
    for (const b of document.querySelectorAll("#desk button")) b.disabled = true;
    try {
      await work();
    } catch (err) {
      say(errorText(err), "error");
      if (err instanceof ApiError && err.status === 401) leave(errorText(err));
    } finally {
      busy = false;
      for (const b of document.querySelectorAll("#desk button")) b.disabled = false;
    }
  }

  // --- the printed ticket (partials/print_ticket.html, ticket-print.css: the kiosk's layout) -----------------------

  function fillPrint(t) {
    $("p-number").textContent = t.number;
    const c = config.categories.find((x) => x.code === t.service);
    $("p-category").textContent = c ? `${c.name} · ${c.name_en}` : t.service; // printed in both languages
    $("p-booked").hidden = !t.booking;
    $("p-priority").hidden = !t.priority || Boolean(t.booking);
    $("p-ahead").textContent = t.ahead === undefined ? "" : TEXT.ahead(t.ahead);
    $("p-time").textContent = TEXT.issuedAt(t.issued_at);
    $("p-qr").src = `/qr/${encodeURIComponent(t.id)}.svg` + (t.key ? `?k=${encodeURIComponent(t.key)}` : "");
  }

  function printTicket(t) {
    fillPrint(t);
    window.print();
  }

  // --- issuing ----------------------------------------------------------------------------------------------

  function issue(code) {
    run(async () => {
      const body = { service: code, priority: $("priority").checked };
      const t = await call(`${API}/tickets`, { method: "POST", body, key: newKey("guide") });
      lastIssued = t;
      $("issued").hidden = false;
      $("issued-number").textContent = t.number;
      $("issued-detail").textContent = TEXT.issued(t);
      fillPrint(t);
      $("priority").checked = false; // 绿色通道 is asked for each visitor
      say("", "info");
    });
  }

  // --- looking up, moving, putting back in line -------------------------------------------------------------

  function show(t) {
    found = t;
    $("found").hidden = false;
    $("found-number").textContent = t.number;
    $("found-detail").textContent = TEXT.found(t);
    $("move").hidden = t.state !== "waiting";
    $("requeue-button").hidden = t.state !== "skipped";
    $("found-print").hidden = t.state !== "waiting";
    for (const o of $("move-to").options) o.disabled = o.value === t.service;
    const other = Array.from($("move-to").options).find((o) => !o.disabled);
    if (other && $("move-to").selectedOptions[0].disabled) $("move-to").value = other.value;
  }

  function lookUp(event) {
    event.preventDefault();
    const number = $("look-up-number").value.trim().toUpperCase();
    if (!number) return;
    run(async () => {
      $("found").hidden = true;
      show(await call(`${API}/tickets?number=${encodeURIComponent(number)}`));
      say("", "info");
    });
  }

  function move() {
    if (!found) return;
    run(async () => {
      const body = { service: $("move-to").value };
      const path = `/api/tickets/${encodeURIComponent(found.id)}/transfer`;
      const answer = await call(path, { method: "POST", body, key: newKey("guide") });
      show(answer.ticket);
      say(TEXT.moved(answer.ticket), "info");
    });
  }

  function requeue() {
    if (!found) return;
    run(async () => {
      const path = `/api/tickets/${encodeURIComponent(found.id)}/requeue`;
      const answer = await call(path, { method: "POST", key: newKey("guide") });
      show(answer.ticket);
      say(TEXT.requeued(answer.ticket), "info");
    });
  }

  // --- signing in and out -----------------------------------------------------------------------------------

  async function signIn(event) {
    event.preventDefault();
    $("sign-in-button").disabled = true;
    $("sign-in-error").hidden = true;
    try {
      const body = { username: $("username").value.trim(), password: $("password").value };
      session = await window.TideApi.request(`${API}/guide/sign-in`, { method: "POST", body, key: newKey("guide") });
      sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session));
      $("password").value = "";
      enter();
    } catch (err) {
      // A wrong password: say so and let the guide type it again.
      session = null;
      $("sign-in-error").textContent = errorText(err);
      $("sign-in-error").hidden = false;
      $("password").select();
    } finally {
      $("sign-in-button").disabled = false;
    }
  }

  function enter() {
    $("sign-in").hidden = true;
    $("desk").hidden = false;
    $("who").hidden = false;
    $("who-text").textContent = TEXT.who(session);
  }

  function leave(text) {
    session = null;
    sessionStorage.removeItem(STORAGE_KEY);
    $("desk").hidden = true;
    $("who").hidden = true;
    $("sign-in").hidden = false;
    $("sign-in-error").textContent = text;
    $("sign-in-error").hidden = !text;
  }

  async function signOut() {
    try {
      await call(`${API}/sign-out`, { method: "POST", key: newKey("guide") });
    } catch (err) {
      // the session ends by itself; the tab forgets it either way
    }
    leave(TEXT.signedOut);
  }

  $("sign-in-form").addEventListener("submit", signIn);
  $("sign-out").addEventListener("click", signOut);
  for (const b of document.querySelectorAll(".category")) b.addEventListener("click", () => issue(b.dataset.code));
  $("print").addEventListener("click", () => lastIssued && printTicket(lastIssued));
  $("look-up-form").addEventListener("submit", lookUp);
  $("move-button").addEventListener("click", move);
  $("requeue-button").addEventListener("click", requeue);
  $("found-print").addEventListener("click", () => found && printTicket(found));
  if (session) enter();
})();
