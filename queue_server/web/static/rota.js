// The rota page (排班): a supervisor signs in (desk-session.js) and sees the month from GET …/rota?month= as a grid of
// clerks × days, each cell the clerk's duties that day (window and hours, one line a shift), with each clerk's
// evening, weekend and holiday counts against the fair band, the sessions nobody could cover and the rules the rota
// breaks. A cell opens an editor listing that day's posts the clerk may take; saving sends the day's change
// (PUT …/rota) and shows the server's answer: saved, or each rule it would break (nothing saved). Below the grid, the
// month's time-off requests and a form to record one (rota_time_off.js, which this page makes and feeds).
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const config = JSON.parse($("rota-config").textContent);
  const en = config.lang === "en";
  const { newKey } = window.TideApi;
  const { el } = window.TideDesk;

  const WEEKDAYS = en ? ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"] : ["一", "二", "三", "四", "五", "六", "日"];
  const TEXT = en
    ? {
        loading: "Loading the rota… (a month without one is made now, which takes a few seconds)",
        making: "Making the rota…",
        ok: "Every post covered; every rule kept.",
        breaks: (n) => `${n} rule breaches (listed below).`,
        generated: (r) =>
          `Made by the solver${r.solver ? ` in ${r.solver.seconds} s` : ""}` + (r.generated_now ? " just now" : ""),
        edited: (r) => `Edited by hand by ${r.by}`,
        at: (iso) => (iso ? ` · ${iso.slice(0, 16).replace("T", " ")}` : ""),
        clerk: "Clerk",
        hours: "Hours",
        off: "off",
        backOffice: "BO",
        backOfficeLong: "back office",
        shortItem: (s) => `${s.date} ${s.session_en} ${s.start}–${s.end}, windows ${s.windows.join(", ")}: ${s.reason_en}`,
        editorTitle: (name, day) => `${name} · ${day}`,
        holder: (p, name) => (name ? `now: ${name}` : "now: nobody"),
        saved: "Saved: the rota keeps its rules.",
        refused: "Not saved:",
        noPosts: "No post of this day that this clerk may take.",
        band: (c) => `fair band ${c.low}–${c.high}`,
        failed: "Could not reach the server; try again.",
        draft: "Draft: it decides nothing until published.",
        published: (p) => `Published by ${p.by} · ${p.at.slice(0, 16).replace("T", " ")}: it decides who is on duty.`,
        confirmWithdraw: "Withdraw the published rota? Its days go by the hall file again.",
      }
    : {
        loading: "正在读取排班…（本月尚无排班时将现在生成，需要几秒钟）",
        making: "正在生成排班…",
        ok: "全部岗位有人值守，符合全部排班规则。",
        breaks: (n) => `有 ${n} 处违反排班规则（见下）。`,
        generated: (r) => `由求解器生成${r.solver ? `，用时 ${r.solver.seconds} 秒` : ""}` + (r.generated_now ? "（刚刚）" : ""),
        edited: (r) => `由 ${r.by} 手工修改`,
        at: (iso) => (iso ? ` · ${iso.slice(0, 16).replace("T", " ")}` : ""),
        clerk: "工作人员",
        hours: "工时",
        off: "休",
        backOffice: "后台",
        backOfficeLong: "后台值班",
        shortItem: (s) => `${s.date} ${s.session} ${s.start}–${s.end}（${s.windows.join("、")}号窗口）${s.reason}`,
        editorTitle: (name, day) => `${name} · ${day}`,
        holder: (p, name) => (name ? `现为 ${name}` : "现无人"),
        saved: "已保存，排班仍符合规则。",
        refused: "未保存，违反排班规则：",
        noPosts: "当天没有该人员可以值守的岗位。",
        band: (c) => `均衡范围 ${c.low}–${c.high}`,
        draft: "草稿：发布前不决定谁上岗。",
        published: (p) => `已由 ${p.by} 于 ${p.at.slice(0, 16).replace("T", " ")} 发布：按此排班上岗。`,
        confirmWithdraw: "撤回已发布的排班？撤回后这些日子按大厅配置上岗。",
        failed: "无法连接服务器，请重试。",
      };

  let data = null;
  let editing = null; // {username, date}

  const clerkName = (username) => {
    const c = data && data.clerks.find((x) => x.username === username);
    return c ? `${c.display_name || c.name}（${c.username}）` : username;
  };
  const hm = (t) => t.replace(/^0/, "").replace(":00", "");

  // --- drawing -------------------------------------------------------------------------------------------------

  function render() {
    const status = $("status");
    status.dataset.ok = String(data.ok);
    status.textContent = data.ok ? TEXT.ok : TEXT.breaks(data.violations.length);
    $("made").textContent = (data.source === "edited" ? TEXT.edited(data) : TEXT.generated(data)) + TEXT.at(data.at);
    // Only a published rota decides who signs in where (docs/rota.md): say which this is, and offer the other.
    $("published").textContent = data.published ? TEXT.published(data.published) : TEXT.draft;
    $("published").dataset.published = String(Boolean(data.published));
    $("publish").hidden = Boolean(data.published);
    $("withdraw").hidden = !data.published;
    renderList("uncovered", data.uncovered.map(TEXT.shortItem));
    const shown = data.violations.filter((v) => v.rule !== "coverage"); // the uncovered list says those better
    renderList("violations", shown.map((v) => (en ? v.message_en : v.message)));
    renderGrid();
  }

  function renderList(id, lines) {
    const list = $(id);
    list.replaceChildren(...lines.map((line) => el("li", null, line)));
    $(`${id}-card`).hidden = lines.length === 0;
  }

  function byWindow(posts) {
    // one line a window: from its first start to its last end that day (a lunch break between is implied)
    const out = new Map();
    for (const p of posts.slice().sort((a, b) => a.start.localeCompare(b.start))) {
      const line = out.get(p.window) || { window: p.window, back: p.back_office, start: p.start, end: p.end, kinds: new Set(), posts: [] };
      line.end = p.end > line.end ? p.end : line.end;
      line.kinds.add(p.kind);
      line.posts.push(`${p.back_office ? TEXT.backOfficeLong : `${p.window}号`} ${p.start}–${p.end} ${en ? p.session_en : p.session}`);
      out.set(p.window, line);
    }
    return [...out.values()].sort((a, b) => a.start.localeCompare(b.start));
  }

  function renderGrid() {
    const byCell = new Map();
    const shortDays = new Set(data.uncovered.map((s) => s.date));
    for (const p of data.posts) {
      if (!p.clerk) continue;
      const key = `${p.clerk}|${p.date}`;
      if (!byCell.has(key)) byCell.set(key, []);
      byCell.get(key).push(p);
    }
    const breaches = new Set(data.violations.filter((v) => v.clerk && v.date).map((v) => `${v.clerk}|${v.date}`));
    const fair = data.fairness.filter((f) => Object.keys(f.clerks).length > 0);
    const head = el("tr");
    head.append(el("th", "clerk", TEXT.clerk));
    for (const d of data.days) {
      const th = el("th", d.kind !== "workday" ? "rest" : "");
      if (shortDays.has(d.date)) th.classList.add("short");
      th.dataset.date = d.date;
      th.append(el("div", null, String(Number(d.date.slice(8)))), el("div", null, WEEKDAYS[d.weekday]));
      head.append(th);
    }
    for (const f of fair) head.append(el("th", null, en ? f.name_en : f.name));
    head.append(el("th", null, TEXT.hours));
    const body = document.createElement("tbody");
    for (const c of data.clerks) {
      const row = el("tr");
      row.dataset.clerk = c.username;
      const name = el("th", "clerk", c.display_name || c.name);
      name.append(el("small", null, c.windows.length ? `${c.username}·${c.windows.join(",")}号` : c.username));
      row.append(name);
      for (const d of data.days) {
        const td = el("td", d.kind !== "workday" ? "day rest" : "day");
        td.dataset.date = d.date;
        td.tabIndex = 0;
        if (breaches.has(`${c.username}|${d.date}`)) td.classList.add("breach");
        if (c.leave.includes(d.date)) td.append(el("span", "leave", TEXT.off));
        for (const line of byWindow(byCell.get(`${c.username}|${d.date}`) || [])) {
          const kind = ["holiday", "weekend", "evening"].find((k) => line.kinds.has(k)) || "";
          const duty = el("span", `duty ${kind}`);
          duty.title = line.posts.join("\n");
          duty.append(el("b", null, line.back ? TEXT.backOffice : String(line.window)), `${hm(line.start)}–${hm(line.end)}`);
          td.append(duty);
        }
        td.addEventListener("click", () => openEditor(c.username, d.date));
        td.addEventListener("keydown", (e) => {
          if (e.key === "Enter" || e.key === " ") openEditor(c.username, d.date);
        });
        row.append(td);
      }
      for (const f of fair) {
        const share = f.clerks[c.username];
        const td = el("td", "count", share ? String(share.count) : "–");
        if (share) {
          td.title = TEXT.band(share);
          td.dataset.kind = f.kind;
          if (!share.fair) td.classList.add("unfair");
        }
        row.append(td);
      }
      const hours = data.hours.find((h) => h.username === c.username);
      const total = hours ? hours.weeks.reduce((sum, w) => sum + w.hours, 0) : 0;
      row.append(el("td", "count", String(Math.round(total * 10) / 10)));
      body.append(row);
    }
    const thead = document.createElement("thead");
    thead.append(head);
    $("grid").replaceChildren(thead, body);
  }

  // --- changing a cell -----------------------------------------------------------------------------------------

  function openEditor(username, date) {
    editing = { username, date };
    $("editor-title").textContent = TEXT.editorTitle(clerkName(username), date);
    const list = $("editor-posts");
    const posts = data.posts.filter((p) => p.date === date && p.qualified.includes(username));
    list.replaceChildren(
      ...posts.map((p) => {
        const label = el("label");
        const box = el("input");
        box.type = "checkbox";
        box.value = p.key;
        box.checked = p.clerk === username;
        const where = p.back_office ? TEXT.backOfficeLong : `${p.window}号窗口`;
        const text = el("span", null, `${where} ${p.start}–${p.end} ${en ? p.session_en : p.session} `);
        text.append(el("small", null, TEXT.holder(p, p.clerk && clerkName(p.clerk))));
        label.append(box, text);
        const item = el("li");
        item.append(label);
        return item;
      }),
    );
    if (!posts.length) list.append(el("li", "empty", TEXT.noPosts));
    $("editor-result").hidden = true;
    $("editor").showModal();
  }

  async function saveCell(event) {
    event.preventDefault();
    if (!editing) return;
    const changes = {};
    for (const box of $("editor-posts").querySelectorAll("input[type=checkbox]")) {
      const post = data.posts.find((p) => p.key === box.value);
      if (box.checked && post.clerk !== editing.username) changes[post.key] = editing.username;
      if (!box.checked && post.clerk === editing.username) changes[post.key] = null;
    }
    const result = $("editor-result");
    $("editor-save").disabled = true;
    try {
      data = await desk.call(`/rota?month=${config.month}`, {
        method: "PUT",
        body: { date: editing.date, assignments: changes },
        key: newKey("rota"),
      });
      render();
      result.className = "message info";
      result.textContent = TEXT.saved;
    } catch (err) {
      result.className = "message error";
      result.replaceChildren(el("span", null, err.code === "rota_violation" ? TEXT.refused : desk.errorText(err)));
      if (err.code === "rota_violation") {
        const list = el("ul", "items");
        for (const v of err.body.violations || []) list.append(el("li", null, en ? v.message_en : v.message));
        result.append(list);
      }
    } finally {
      result.hidden = false;
      $("editor-save").disabled = false;
    }
  }

  // --- loading -------------------------------------------------------------------------------------------------

  async function load(regenerate) {
    $("status").dataset.ok = "";
    $("status").textContent = regenerate ? TEXT.making : TEXT.loading;
    const path = regenerate ? `/rota/generate?month=${config.month}` : `/rota?month=${config.month}`;
    try {
      data = await desk.call(path, regenerate ? { method: "POST", key: newKey("rota") } : {});
      render();
      timeOff.load(data.clerks, regenerate);
    } catch (err) {
      desk.failed(err);
    }
  }

  async function publish(withdraw) {
    if (withdraw && !window.confirm(TEXT.confirmWithdraw)) return;
    try {
      data = await desk.call(`/rota/publish?month=${config.month}`, { method: withdraw ? "DELETE" : "POST" });
      render();
    } catch (err) {
      desk.failed(err);
    }
  }

  const exportCsv = () => desk.download(`/rota.csv?month=${config.month}`, `rota-${config.hall}-${config.month}.csv`);

  function clear() {
    data = null;
    $("grid").replaceChildren();
    $("made").textContent = "";
    $("published").textContent = "";
    $("publish").hidden = $("withdraw").hidden = true;
    $("uncovered-card").hidden = true;
    $("violations-card").hidden = true;
    timeOff.clear();
  }

  $("generate").addEventListener("click", () => load(true));
  $("export-csv").addEventListener("click", exportCsv);
  $("publish").addEventListener("click", () => publish(false));
  $("withdraw").addEventListener("click", () => publish(true));
  $("editor-form").addEventListener("submit", saveCell);
  $("editor-close").addEventListener("click", () => $("editor").close());
  const timeOff = window.TideRotaTimeOff.panel({
    config,
    desk: () => desk,
    clerkName,
    reload: () => load(false), // approved days off show in the grid, with the rules the rota now breaks
    regenerate: () => load(true),
  });

  const desk = window.TideDesk.deskPage({
    config,
    page: "rota",
    period: "month",
    shown: (month) => {
      $("month-label").textContent = month;
    },
    load: () => load(false),
    clear,
  });
})();
