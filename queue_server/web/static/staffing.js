// The forecast and staffing plan page (到访预测与排班需求): a supervisor signs in (desk-session.js) and reads one day
// from GET …/staffing?date= and …/forecast?date=: the hall's service target and the past days the forecast rests on
// (or that it has none), each session's windows needed against those the hall file staffs with the short ones
// marked, and each category's expected arrivals per hour with the band, drawn as small SVG bar charts (colours from
// staffing.css) and in a table. A date the API refuses is shown in the API's words, in the page's language.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const config = JSON.parse($("staffing-config").textContent);
  const en = config.lang === "en";
  const { el } = window.TideDesk;
  const SVG = "http://www.w3.org/2000/svg";
  const FEW = 3; // shortfalls listed open; more wait behind a click, the sessions already mark them

  const WEEKDAYS = en
    ? ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
    : ["星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"];
  const KINDS = en
    ? { workday: "working day", restday: "rest day", closed: "closed" }
    : { workday: "工作日", restday: "休息日", closed: "不办公" };
  const percent = (share) => `${Math.round(share * 1000) / 10}%`;
  const TEXT = en
    ? {
        loading: "Loading the day's forecast and plan…",
        closed: "The hall is closed that day: nobody to staff.",
        target: (t) => `Service target: ${percent(t.share)} of visitors called within ${t.minutes} minutes of taking their ticket.`,
        noHistory: "No history to rest on: the plan rests only on the day's bookings and the hall file (its windows and handling minutes).",
        weekday: (days) => `Forecast from the same weekday of past weeks (${days.length} days): ${days.join(", ")}.`,
        dayKind: (days, kind) =>
          `A day the calendar moves (holiday or 调休): forecast from the latest ${days.length} ${kind}s: ${days.join(", ")}.`,
        booked: (n) => ` Bookings already made: ${n}.`,
        needed: "needed",
        staffed: "staffed",
        short: (n) => `${n} short`,
        enough: "enough",
        head: ["Category", "Needed", "Staffed", "Short", "Busiest hour", "In time as staffed"],
        reachTip: (t) => `The share called within ${t.minutes} minutes in the busiest hour with the windows staffed now`,
        peak: (c) => `${Math.round(peakOf(c))} at ${c.busiest_hour}:00`,
        minutes: (c) => `${num(c.minutes)} min each (${c.minutes_from === "measured" ? "measured" : "hall file"})`,
        nobody: "nobody expected",
        windows: (list) => `Windows staffed: ${list.join(", ")}`,
        noSession: "No session that day.",
        total: "Day",
        category: "Category",
        hour: (h) => `${h}:00`,
        dayTotal: (c) => `${num(c.expected)} expected` + (c.high > 0 ? ` (${num(c.low)}–${num(c.high)})` : ""),
        tip: (code, h) =>
          `${code} ${h.hour}:00–${h.hour}:59: ${num(h.expected)} expected, band ${num(h.low)}–${num(h.high)}` +
          (h.booked ? `, ${h.booked} booked` : ""),
        chartLabel: (c) => `${c.name_en}: expected arrivals per hour`,
        nothingExpected: "Nobody is expected: no history and no bookings for this day.",
        shortfalls: (n) => `(${n}, in words)`,
      }
    : {
        loading: "正在读取当天的到访预测和排班需求…",
        closed: "当天不办公，无需排班。",
        target: (t) => `服务目标：${percent(t.share)} 的办事群众取号后 ${t.minutes} 分钟内被叫号。`,
        noHistory: "没有可依据的历史数据：本计划仅依据当天已有的预约和大厅配置文件（窗口和业务办理时长）。",
        weekday: (days) => `预测依据：此前各周的同一星期几（${days.length} 天）：${days.join("、")}。`,
        dayKind: (days, kind) => `该日为节假日或调休：按最近 ${days.length} 个${kind}预测：${days.join("、")}。`,
        booked: (n) => `另计已预约 ${n} 人。`,
        needed: "需要",
        staffed: "现排",
        short: (n) => `缺 ${n} 个`,
        enough: "足够",
        head: ["业务", "需要", "现排", "缺口", "高峰时段", "按现排可达"],
        reachTip: (t) => `按现排窗口，最忙的一小时内 ${t.minutes} 分钟内被叫号的比例`,
        peak: (c) => `${c.busiest_hour} 时 · ${Math.round(peakOf(c))} 人`,
        minutes: (c) => `${num(c.minutes)} 分钟/人（${c.minutes_from === "measured" ? "实测" : "配置"}）`,
        nobody: "无预计到访",
        windows: (list) => `现排窗口：${list.join("、")}`,
        noSession: "当天没有办公时段。",
        total: "全天",
        category: "业务",
        hour: (h) => `${h} 时`,
        dayTotal: (c) => `全天预计 ${num(c.expected)} 人` + (c.high > 0 ? `（${num(c.low)}–${num(c.high)}）` : ""),
        tip: (code, h) =>
          `${code} ${h.hour}:00–${h.hour}:59 预计 ${num(h.expected)} 人，范围 ${num(h.low)}–${num(h.high)}` +
          (h.booked ? `，其中已预约 ${h.booked} 人` : ""),
        chartLabel: (c) => `${c.name}：逐时预计到访`,
        nothingExpected: "当天没有预计到访：既无历史数据，也无预约。",
        shortfalls: (n) => `（${n} 处，逐条说明）`,
      };

  function svg(tag, attributes, text) {
    const node = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // 73.3 → "73", 2.5 → "2.5", 0.67 → "0.7", 3.0 → "3": whole people from ten up, else one decimal where it tells
  const num = (v) => (v >= 10 || Math.abs(v - Math.round(v)) < 0.05 ? String(Math.round(v)) : v.toFixed(1));
  const peakOf = (c) => (c.hours.find((h) => h.hour === c.busiest_hour) || { arrivals: 0 }).arrivals;

  // --- the day shown ------------------------------------------------------------------------------------------

  function dayShift(iso, by) {
    const d = new Date(`${iso}T00:00:00Z`);
    d.setUTCDate(d.getUTCDate() + by);
    return d.toISOString().slice(0, 10);
  }

  const isDay = (text) => /^\d{4}-\d{2}-\d{2}$/.test(text) && !Number.isNaN(Date.parse(text)) && dayShift(text, 0) === text;

  function showDay(date) {
    const day = isDay(date) ? date : null;
    $("day-input").value = day || "";
    $("day-label").textContent = day ? WEEKDAYS[new Date(`${day}T00:00:00Z`).getUTCDay()] : "";
    const month = (day || config.today).slice(0, 7);
    $("rota-link").href = `/rota/${encodeURIComponent(config.hall)}?month=${month}${en ? "&lang=en" : ""}`;
  }

  // --- drawing -------------------------------------------------------------------------------------------------

  function render(plan, forecast) {
    const status = $("status");
    status.dataset.ok = String(plan.shortfalls.length === 0);
    if (!plan.sessions.length) status.textContent = TEXT.closed;
    else if (plan.shortfalls.length) status.textContent = shortText(plan);
    else status.textContent = en ? plan.message_en : plan.message;
    $("day-label").textContent = `${WEEKDAYS[new Date(`${plan.date}T00:00:00Z`).getUTCDay()]} · ${KINDS[plan.day_kind]}`;
    $("target").textContent = TEXT.target(plan.target);
    $("basis").textContent = basisText(plan, forecast);
    $("basis").dataset.history = plan.day_kind === "closed" ? "" : String(plan.basis.days.length > 0);
    renderShortfalls(plan);
    renderSessions(plan);
    renderForecast(forecast);
    $("plan").hidden = false;
  }

  function shortText(plan) {
    const n = plan.shortfalls.length;
    return en
      ? `The hall file's staffing falls short of the target in ${n} place${n > 1 ? "s" : ""}.`
      : `现排窗口有 ${n} 处达不到服务目标。`;
  }

  function basisText(plan, forecast) {
    if (plan.day_kind === "closed") return "";
    const days = plan.basis.days;
    const booked = forecast.categories.reduce((sum, c) => sum + c.booked, 0);
    let text = TEXT.noHistory;
    if (days.length && plan.basis.rule === "weekday") text = TEXT.weekday(days);
    else if (days.length) text = TEXT.dayKind(days, KINDS[plan.day_kind]);
    return booked && days.length ? text + TEXT.booked(booked) : text;
  }

  // Every shortfall in words, under the sessions: open when there are few, else one click away.
  function renderShortfalls(plan) {
    const lines = plan.shortfalls.map((s) => (en ? s.message_en : s.message));
    $("shortfalls").replaceChildren(...lines.map((line) => el("li", null, line)));
    $("shortfalls-count").textContent = TEXT.shortfalls(lines.length);
    $("shortfalls-card").open = lines.length <= FEW;
    $("shortfalls-card").hidden = lines.length === 0;
  }

  function renderSessions(plan) {
    const box = $("sessions");
    if (!plan.sessions.length) {
      box.replaceChildren(el("p", "empty", TEXT.noSession));
      return;
    }
    box.replaceChildren(...plan.sessions.map((s) => sessionBlock(plan, s)));
  }

  function sessionBlock(plan, s) {
    const whole = plan.shortfalls.find((f) => f.session === s.name && f.code === null);
    const short = Boolean(whole) || s.categories.some((c) => c.short > 0);
    const block = el("article", short ? "session short" : "session");
    block.dataset.session = s.name;
    const head = el("header");
    const title = el("h3", null, en ? s.name_en : s.name);
    title.append(el("span", "time", `${s.start}–${s.end}`));
    const counts = el("p", whole ? "counts over" : "counts");
    counts.title = whole ? (en ? whole.message_en : whole.message) : TEXT.windows(s.windows);
    counts.append(figure(s.needed, TEXT.needed, "need"), figure(s.staffed, TEXT.staffed, "staffed"));
    if (whole) counts.append(el("span", "gap", TEXT.short(whole.short)));
    head.append(title, counts);

    const table = el("table", "needs");
    const row = el("tr");
    TEXT.head.forEach((h, i) => row.append(el("th", i === 0 ? "name" : null, h)));
    row.lastChild.title = TEXT.reachTip(plan.target);
    const thead = el("thead");
    thead.append(row);
    const body = el("tbody");
    for (const c of s.categories) body.append(categoryRow(plan, s, c));
    table.append(thead, body);
    block.append(head);
    if (whole) block.append(el("p", "over", en ? whole.message_en : whole.message));
    block.append(table, el("p", "windows", TEXT.windows(s.windows)));
    return block;
  }

  function figure(value, label, className) {
    const span = el("span", className);
    span.append(el("b", null, String(value)), ` ${label}`);
    return span;
  }

  function categoryRow(plan, s, c) {
    const tr = el("tr", c.short > 0 ? "short" : c.needed === 0 ? "idle" : "");
    tr.dataset.code = c.code;
    const found = plan.shortfalls.find((f) => f.session === s.name && f.code === c.code);
    if (found) tr.title = en ? found.message_en : found.message;
    const name = el("th", "name");
    name.append(el("b", "code", c.code), en ? c.name_en : c.name);
    const peak = el("td", "peak");
    if (c.busiest_hour === null) peak.textContent = TEXT.nobody;
    else peak.append(el("span", null, TEXT.peak(c)), el("small", null, TEXT.minutes(c)));
    const reach = el("td", c.busiest_hour !== null && c.share_staffed < plan.target.share ? "reach low" : "reach");
    reach.textContent = c.busiest_hour === null ? "–" : percent(c.share_staffed);
    tr.append(
      name,
      el("td", "need", String(c.needed)),
      el("td", "staffed", String(c.staffed)),
      el("td", "gap", c.short > 0 ? String(c.short) : "–"),
      peak,
      reach,
    );
    return tr;
  }

  function renderForecast(forecast) {
    const anything = forecast.categories.some((c) => c.high > 0);
    if (!anything) {
      $("charts").replaceChildren(el("p", "empty", forecast.categories.length ? TEXT.nothingExpected : TEXT.noSession));
      $("hours").replaceChildren();
      return;
    }
    $("charts").replaceChildren(...forecast.categories.map(chart));
    renderTable(forecast);
  }

  // One category's hours: a bar for the expected arrivals (its booked part darker), a line with caps for the band,
  // the expected figure above and the hour below; each hour's figures in its tooltip.
  const W = 360;
  const H = 150;
  const TOP = 18;
  const BOTTOM = 18;

  function chart(c) {
    const box = el("figure", "chart");
    box.dataset.code = c.code;
    const caption = el("figcaption");
    caption.append(el("b", "code", c.code), el("span", "name", en ? c.name_en : c.name), el("span", "total", TEXT.dayTotal(c)));
    const drawing = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": TEXT.chartLabel(c) });
    const top = Math.max(1, ...c.hours.map((h) => h.high));
    const plotH = H - TOP - BOTTOM;
    const y = (v) => TOP + plotH * (1 - v / top);
    const slot = (W - 8) / Math.max(1, c.hours.length);
    const bar = Math.min(28, slot * 0.62);
    drawing.append(svg("line", { class: "axis", x1: 2, x2: W - 2, y1: H - BOTTOM, y2: H - BOTTOM }));
    c.hours.forEach((h, i) => {
      const mid = 4 + slot * (i + 0.5);
      const g = svg("g", { class: "hour", "data-hour": h.hour });
      g.append(svg("title", {}, TEXT.tip(c.code, h)));
      g.append(svg("rect", { class: "slot", x: mid - slot / 2, y: 0, width: slot, height: H }));
      g.append(svg("rect", { class: "bar", x: mid - bar / 2, y: y(h.expected), width: bar, height: H - BOTTOM - y(h.expected) }));
      if (h.booked) {
        g.append(svg("rect", { class: "booked", x: mid - bar / 2, y: y(h.booked), width: bar, height: H - BOTTOM - y(h.booked) }));
      }
      if (h.high > h.low) {
        const cap = bar / 4;
        g.append(svg("line", { class: "band", x1: mid, x2: mid, y1: y(h.low), y2: y(h.high) }));
        g.append(svg("line", { class: "band", x1: mid - cap, x2: mid + cap, y1: y(h.high), y2: y(h.high) }));
        g.append(svg("line", { class: "band", x1: mid - cap, x2: mid + cap, y1: y(h.low), y2: y(h.low) }));
      }
      if (h.high > 0) g.append(svg("text", { class: "value", x: mid, y: Math.max(11, y(h.high) - 4) }, num(h.expected)));
      g.append(svg("text", { class: "tick", x: mid, y: H - 5 }, String(h.hour)));
      drawing.append(g);
    });
    box.append(caption, drawing);
    return box;
  }

  // Every category's hours in figures: expected, and the band under it.
  function renderTable(forecast) {
    const hours = [...new Set(forecast.categories.flatMap((c) => c.hours.map((h) => h.hour)))].sort((a, b) => a - b);
    const head = el("tr");
    head.append(el("th", "name", TEXT.category), ...hours.map((h) => el("th", null, TEXT.hour(h))), el("th", "day", TEXT.total));
    const body = el("tbody");
    for (const c of forecast.categories) {
      const row = el("tr");
      row.dataset.code = c.code;
      const name = el("th", "name");
      name.append(el("b", "code", c.code), en ? c.name_en : c.name);
      row.append(name);
      for (const hour of hours) {
        const h = c.hours.find((x) => x.hour === hour);
        const td = el("td", h ? null : "off");
        td.dataset.hour = String(hour);
        if (h) {
          td.title = TEXT.tip(c.code, h);
          td.append(el("b", null, num(h.expected)));
          if (h.high > 0) td.append(el("small", null, `${num(h.low)}–${num(h.high)}`));
        }
        row.append(td);
      }
      const day = el("td", "day");
      day.append(el("b", null, num(c.expected)));
      if (c.high > 0) day.append(el("small", null, `${num(c.low)}–${num(c.high)}`));
      row.append(day);
      body.append(row);
    }
    const thead = el("thead");
    thead.append(head);
    $("hours").replaceChildren(thead, body);
  }

  // --- loading -------------------------------------------------------------------------------------------------

  function showError(text) {
    clear();
    $("status").textContent = "";
    $("error").textContent = text;
    $("error").hidden = false;
  }

  async function load() {
    const asked = config.date;
    const query = `?date=${encodeURIComponent(asked)}`;
    $("status").dataset.ok = "";
    $("status").textContent = TEXT.loading;
    const answers = await Promise.allSettled([desk.call(`/staffing${query}`, {}), desk.call(`/forecast${query}`, {})]);
    if (asked !== config.date) return; // the supervisor moved on meanwhile
    const refused = answers.find((a) => a.status === "rejected"); // the plan's refusal first: one message, always the same
    if (!refused) {
      $("error").hidden = true;
      render(answers[0].value, answers[1].value);
    } else if (refused.reason.status === 401) desk.leave(desk.errorText(refused.reason));
    else showError(desk.errorText(refused.reason));
  }

  function clear() {
    $("plan").hidden = true;
    $("error").hidden = true;
    for (const id of ["target", "basis", "shortfalls", "sessions", "charts", "hours"]) $(id).replaceChildren();
    $("shortfalls-card").hidden = true;
  }

  const desk = window.TideDesk.deskPage({
    config,
    page: "staffing",
    period: "day",
    shift: (date, by) => dayShift(isDay(date) ? date : config.today, by), // from today when the address has no day
    shown: showDay,
    load,
    clear,
  });
  $("day-input").addEventListener("change", (event) => {
    if (isDay(event.target.value)) desk.go(event.target.value);
  });
})();
