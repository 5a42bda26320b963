// The performance recognition page (服务明星评选参考): a supervisor signs in (desk-session.js) and reads each clerk's
// quarter from GET …/staff/recognition?quarter=: served, no-shows and handling minutes, 好差评, duty days by the rota
// and hours worked on holidays and rest days, with the hall's totals and the served count per category. Clerks are
// listed by name; a click on a column's title sorts by it (again: the other way), for reading, not as a ranking.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const config = JSON.parse($("recognition-config").textContent);
  const en = config.lang === "en";
  const { el } = window.TideDesk;
  const collator = new Intl.Collator("zh-CN"); // the clerks' names are Chinese, whatever the page's language

  const TEXT = en
    ? {
        loading: "Loading the quarter…",
        period: (r) => `${r.quarter}: ${r.first} to ${r.last} · ${r.totals.served} visitors served`,
        noRota: (months) => `No rota is published for ${months.join(", ")}: the duty days count the other months only.`,
        total: "Hall total",
        clerk: "Clerk",
        days: (dates) => dates.join(", "),
        byCategory: (services, categories) =>
          categories.map((c) => `${c.name_en}: ${services[c.code] || 0}`).join("\n"),
      }
    : {
        loading: "正在读取本季度数据…",
        period: (r) => `${r.quarter}：${r.first} 至 ${r.last} · 共办结 ${r.totals.served} 人次`,
        noRota: (months) => `${months.join("、")} 尚无已发布的排班：值班天数只计有排班的月份。`,
        total: "全厅合计",
        clerk: "工作人员",
        days: (dates) => dates.join("、"),
        byCategory: (services, categories) =>
          categories.map((c) => `${c.name}：${services[c.code] || 0}`).join("\n"),
      };

  // How each column shows its figure; a figure of null (nothing rated, nobody served) is a dash.
  const number = (v) => String(v);
  const decimal = (digits) => (v) => v.toFixed(digits);
  const percent = (v) => `${(v * 100).toFixed(1)}%`;
  const hours = (minutes) => (minutes / 60).toFixed(1);
  const COLUMNS = [
    ["served", number],
    ["no_shows", number],
    ["handling_mean_minutes", decimal(1)],
    ["handling_median_minutes", decimal(1)],
    ["rated", number],
    ["mean_level", decimal(2)],
    ["very_satisfied_share", percent],
    ["satisfaction", percent],
    ["poor", number],
    ["holiday_duty_days", number],
    ["weekend_duty_days", number],
    ["evening_duty_days", number],
    ["holiday_minutes", hours],
    ["rest_day_minutes", hours],
  ];
  const DUTY = { holiday_duty_days: "holiday", weekend_duty_days: "weekend", evening_duty_days: "evening" };

  let data = null;
  let sort = { key: "name", down: false }; // by name, A to Z, until a column is clicked

  // --- drawing -------------------------------------------------------------------------------------------------

  function compare(a, b) {
    if (sort.key === "name") {
      const order = collator.compare(a.name, b.name) || collator.compare(a.username, b.username);
      return sort.down ? -order : order;
    }
    const x = a[sort.key];
    const y = b[sort.key];
    if (x === null || y === null) return (x === null) - (y === null); // nothing to show: last either way
    return (sort.down ? y - x : x - y) || collator.compare(a.name, b.name);
  }

  function cells(row, figures, withDates) {
    for (const [key, show] of COLUMNS) {
      const value = figures[key];
      const none = value === null || value === undefined;
      const td = el("td", none || value === 0 ? "figure zero" : "figure", none ? "–" : show(value));
      td.dataset.key = key;
      if (withDates && DUTY[key] && figures.duty_dates[DUTY[key]].length) {
        td.title = TEXT.days(figures.duty_dates[DUTY[key]]);
      }
      if (withDates && key === "served" && figures.served) td.title = TEXT.byCategory(figures.services, data.categories);
      row.append(td);
    }
  }

  function render() {
    $("status").textContent = TEXT.period(data);
    const missing = data.rotas.filter((m) => !m.kept).map((m) => m.month);
    $("rota-note").hidden = missing.length === 0;
    $("rota-note-text").textContent = missing.length ? TEXT.noRota(missing) : "";
    renderFigures();
    renderServices();
  }

  function clerkHeading(c) {
    const th = el("th", "clerk", c.name);
    th.scope = "row";
    if (c.name !== c.username) th.append(el("small", null, c.username));
    return th;
  }

  function sorted() {
    return data.clerks.slice().sort(compare);
  }

  function renderFigures() {
    for (const th of document.querySelectorAll("#figures thead th[data-key]")) {
      th.setAttribute("aria-sort", th.dataset.key !== sort.key ? "none" : sort.down ? "descending" : "ascending");
    }
    const rows = sorted().map((c) => {
      const row = el("tr");
      row.dataset.clerk = c.username;
      row.append(clerkHeading(c));
      cells(row, c, true);
      return row;
    });
    $("clerks").replaceChildren(...rows);
    const total = el("tr");
    const name = el("th", "clerk", TEXT.total);
    name.scope = "row";
    total.append(name);
    const sums = {};
    for (const key of ["holiday_duty_days", "weekend_duty_days", "evening_duty_days", "holiday_minutes", "rest_day_minutes"]) {
      sums[key] = data.clerks.reduce((sum, c) => sum + c[key], 0);
    }
    cells(total, { ...data.totals, ...sums }, false);
    $("totals").replaceChildren(total);
  }

  function renderServices() {
    const head = el("tr");
    head.append(el("th", "clerk", TEXT.clerk));
    for (const c of data.categories) {
      const th = el("th", null, en ? c.name_en : c.name);
      th.title = c.code;
      head.append(th);
    }
    const thead = el("thead");
    thead.append(head);
    const body = el("tbody");
    for (const c of sorted()) {
      const row = el("tr");
      row.dataset.clerk = c.username;
      row.append(clerkHeading(c));
      for (const k of data.categories) {
        const count = c.services[k.code] || 0;
        row.append(el("td", count ? "figure" : "figure zero", String(count)));
      }
      body.append(row);
    }
    $("services").replaceChildren(thead, body);
  }

  function sortBy(key) {
    sort = sort.key === key ? { key, down: !sort.down } : { key, down: key !== "name" };
    if (data) {
      renderFigures();
      renderServices();
    }
  }

  // --- loading -------------------------------------------------------------------------------------------------

  async function load() {
    $("status").textContent = TEXT.loading;
    const asked = config.quarter;
    try {
      const answer = await desk.call(`/staff/recognition?quarter=${encodeURIComponent(asked)}`, {});
      if (asked !== config.quarter) return; // the supervisor moved on meanwhile
      data = answer;
      render();
    } catch (err) {
      desk.failed(err);
    }
  }

  const exportCsv = () =>
    desk.download(
      `/staff/recognition.csv?quarter=${encodeURIComponent(config.quarter)}`,
      `recognition-${config.hall}-${config.quarter}.csv`,
    );

  function clear() {
    data = null;
    $("status").textContent = "";
    $("clerks").replaceChildren();
    $("totals").replaceChildren();
    $("services").replaceChildren();
    $("rota-note").hidden = true;
  }

  for (const th of document.querySelectorAll("#figures thead th[data-key]")) {
    th.querySelector("button").addEventListener("click", () => sortBy(th.dataset.key));
  }
  $("export-csv").addEventListener("click", exportCsv);

  const desk = window.TideDesk.deskPage({
    config,
    page: "recognition",
    period: "quarter",
    shown: (quarter) => {
      $("quarter-label").textContent = quarter;
    },
    load,
    clear,
  });
})();
