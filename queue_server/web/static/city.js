/*
 * city.js: the city overview (全市大厅概览, /city). The city supervisor pastes the admin token (QUEUE_ADMIN_TOKEN),
 * kept in this tab's sessionStorage like the desk pages' sessions; the page then reads GET /api/city every
 * config.poll_seconds and draws one row per hall, in the server's order (who needs help first), each linking to the
 * hall's supervisor console. "更新于 hh:mm:ss" says when the figures shown were read; when the server cannot be
 * reached, a banner says so and the last figures stay, greyed, until the next poll succeeds. A 401 or 403 signs
 * out, saying why.
 *
 * Polling, not a WebSocket per hall: a city has hundreds of halls, and the server caches the answer for a few
 * seconds, so any number of these screens costs one read of every hall per cache period.
 */
(function () {
  "use strict";

  const $ = (id) => document.getElementById(id);
  const { ApiError, ownLanguage } = window.TideApi;
  const config = JSON.parse($("city-config").textContent);
  const en = config.lang === "en";
  const STORAGE = "tidequeue.city";
  const TEXT = en
    ? {
        state: { open: "Open", extended: "Extended service", closed: "Closed" },
        opens: (t) => `opens ${t}`,
        minutes: (m) => `${m} min`,
        target: (m) => `target ${m} min`,
        updated: (t) => `Updated ${t}`,
        summary: (n, waiting, help) => `${n} halls · ${waiting} waiting · ${help} over their target`,
        offline: (t) => `Cannot reach the server; the figures are from ${t}. Trying again…`,
        offlineNever: "Cannot reach the server. Trying again…",
        signedOut: "Signed out.",
        console: "Open the hall's supervisor console",
      }
    : {
        state: { open: "营业中", extended: "延时服务", closed: "已闭厅" },
        opens: (t) => `${t} 开厅`,
        minutes: (m) => `${m} 分钟`,
        target: (m) => `目标 ${m} 分钟`,
        updated: (t) => `更新于 ${t}`,
        summary: (n, waiting, help) => `共 ${n} 个大厅 · ${waiting} 人等候 · ${help} 个大厅超出服务目标`,
        offline: (t) => `无法连接服务器，显示的是 ${t} 的数据，正在重试…`,
        offlineNever: "无法连接服务器，正在重试…",
        signedOut: "已退出登录。",
        console: "打开本厅值班长控制台",
      };

  let token = sessionStorage.getItem(STORAGE);
  let timer = null;
  let lastRead = null; // hh:mm:ss of the figures shown

  function clock(iso) {
    return new Date(iso).toLocaleTimeString("en-GB", { hour12: false });
  }

  function opensText(iso) {
    const d = new Date(iso);
    const day = d.toLocaleDateString(en ? "en-GB" : "zh-CN", { month: "numeric", day: "numeric" });
    return TEXT.opens(`${day} ${d.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" })}`);
  }

  function cell(row, className, text, label) {
    const td = document.createElement("td");
    if (className) td.className = className;
    if (text !== null) td.textContent = text;
    td.dataset.label = label;
    row.appendChild(td);
    return td;
  }

  const LABELS = Array.from(document.querySelectorAll("#halls thead th"), (th) => th.textContent.trim());

  function hallRow(hall) {
    const row = document.createElement("tr");
    row.dataset.hall = hall.id;
    row.dataset.state = hall.state;
    if (hall.needs_help >= 1) row.classList.add("over-target");
    cell(row, "num score", hall.needs_help.toFixed(2), LABELS[0]);
    const name = cell(row, "name", null, LABELS[1]);
    const link = document.createElement("a");
    link.href = `/supervise/${encodeURIComponent(hall.id)}${en ? "?lang=en" : ""}`;
    link.textContent = en ? hall.name_en : hall.name;
    link.title = TEXT.console;
    name.appendChild(link);
    const state = cell(row, "state", null, LABELS[2]);
    const badge = document.createElement("span");
    badge.className = `badge ${hall.state}`;
    badge.textContent = TEXT.state[hall.state];
    state.appendChild(badge);
    if (hall.state === "closed" && hall.next_opening) {
      const next = document.createElement("small");
      next.textContent = opensText(hall.next_opening);
      state.appendChild(next);
    }
    cell(row, "num waiting", String(hall.waiting), LABELS[3]);
    const longest = cell(row, "num longest", TEXT.minutes(Math.round(hall.longest_wait_minutes)), LABELS[4]);
    longest.title = TEXT.target(hall.target_minutes);
    cell(row, "num windows-open", `${hall.windows_open} / ${hall.windows}`, LABELS[5]);
    cell(row, "num tidal", String(hall.tidal_switched), LABELS[6]);
    cell(row, "num served", String(hall.served_today), LABELS[7]);
    return row;
  }

  function show(answer) {
    const rows = answer.halls.map(hallRow);
    $("hall-rows").replaceChildren(...rows);
    const waiting = answer.halls.reduce((sum, h) => sum + h.waiting, 0);
    const over = answer.halls.filter((h) => h.needs_help >= 1).length;
    $("summary").textContent = TEXT.summary(answer.halls.length, waiting, over);
    lastRead = clock(answer.now);
    $("updated").textContent = TEXT.updated(lastRead);
    $("offline").hidden = true;
    $("city-desk").classList.remove("stale");
  }

  function unreachable(said) {
    $("offline").textContent = said || (lastRead ? TEXT.offline(lastRead) : TEXT.offlineNever);
    $("offline").hidden = false;
    $("city-desk").classList.add("stale");
  }

  async function poll() {
    timer = null;
    if (!token) return;
    try {
      show(await window.TideApi.request("/api/city", { token }));
    } catch (err) {
      if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
        leave(ownLanguage(err, config.lang));
        return;
      }
      unreachable(err instanceof ApiError ? ownLanguage(err, config.lang) : null);
    }
    if (token) timer = window.setTimeout(poll, config.poll_seconds * 1000);
  }

  function enter() {
    $("sign-in").hidden = true;
    $("city-desk").hidden = false;
    $("who").hidden = false;
    poll();
  }

  function leave(text) {
    token = null;
    sessionStorage.removeItem(STORAGE);
    if (timer !== null) window.clearTimeout(timer);
    timer = null;
    lastRead = null;
    $("hall-rows").replaceChildren();
    $("city-desk").hidden = true;
    $("who").hidden = true;
    $("sign-in").hidden = false;
    $("sign-in-error").textContent = text || "";
    $("sign-in-error").hidden = !text;
  }

  $("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    token = $("token").value.trim();
    $("token").value = "";
    $("sign-in-error").hidden = true;
    sessionStorage.setItem(STORAGE, token);
    enter();
  });
  $("sign-out").addEventListener("click", () => leave(TEXT.signedOut));
  if (token) enter();
})();
