// The statistics page (统计): asks /api/halls/{hall}/stats with the supervisor's token, fills the tables, puts
// the server's SVG charts in place and downloads the CSV. The token is kept for this browser tab only.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const config = JSON.parse($("stats-config").textContent);
  const en = config.lang === "en";
  const API = `/api/halls/${encodeURIComponent(config.hall)}`;
  const STORAGE_KEY = `tidequeue.stats.${config.hall}`;

  const TEXT = en
    ? {
        loading: "Loading…",
        noToken: "Enter the supervisor token first.",
        unreachable: "The server could not be reached; try again.",
        badToken: "The token was not accepted.",
        period: (p) =>
          `${p.first === p.last ? p.first : `${p.first} – ${p.last}`}` +
          `${p.session ? ` · session ${p.session}` : ""} · ${p.active_days} of ${p.days} day(s) with tickets`,
        yes: "tidal",
        window: "Window",
      }
    : {
        loading: "正在加载…",
        noToken: "请先输入值班长令牌。",
        unreachable: "无法连接服务器，请重试。",
        badToken: "令牌无效。",
        period: (p) =>
          `${p.first === p.last ? p.first : `${p.first} 至 ${p.last}`}` +
          `${p.session ? ` · ${p.session}` : " · 全天"} · ${p.days} 天中 ${p.active_days} 天有取号`,
        yes: "潮汐",
        window: "窗口",
      };

  function say(text) {
    $("message").textContent = text || "";
    $("message").hidden = !text;
  }

  function token() {
    return $("token").value.trim();
  }

  function query(extra) {
    const params = new URLSearchParams();
    if (document.querySelector('input[name="mode"]:checked').value === "day") {
      params.set("date", $("date").value);
    } else {
      params.set("from", $("from").value);
      params.set("to", $("to").value);
    }
    if ($("session").value) params.set("session", $("session").value);
    if (extra) for (const [k, v] of Object.entries(extra)) params.set(k, v);
    return params.toString();
  }

  // The Response itself (JSON, SVG or CSV); a refusal is a TideApi.ApiError with its status and message.
  function ask(path) {
    return window.TideApi.request(path, { token: token(), raw: true });
  }

  const show = (value, suffix) => (value === null || value === undefined ? "—" : `${value}${suffix || ""}`);
  const percent = (value) => (value === null || value === undefined ? "—" : `${(value * 100).toFixed(1)}%`);

  function fillRows(table, rows) {
    const body = $(table).querySelector("tbody");
    body.replaceChildren(
      ...rows.map((cells) => {
        const tr = document.createElement("tr");
        for (const cell of cells) {
          const td = document.createElement("td");
          td.textContent = cell;
          tr.append(td);
        }
        return tr;
      }),
    );
  }

  // 好差评: 满意率 = (非常满意 + 满意 + 基本满意) / all ratings, per window and clerk; 差评 and their cases.
  function renderRatings(r) {
    if (!r) return;
    $("k-satisfaction").textContent = `${percent(r.satisfaction)} (${r.rated})`;
    $("k-poor").textContent = `${r.poor} / ${r.cases.closed_on_time} / ${r.cases.overdue}`;
    const row = (label, g) => [label, show(g.rated), percent(g.satisfaction), show(g.poor)];
    fillRows("ratings", [
      ...r.by_window.map((g) => row(`${TEXT.window} ${g.window}`, g)),
      ...r.by_clerk.map((g) => row(g.clerk || "—", g)),
    ]);
  }

  function render(s) {
    $("period").textContent = TEXT.period(s.period);
    const o = s.overall;
    $("k-issued").textContent = show(o.issued);
    $("k-served").textContent = show(o.served);
    $("k-skipped").textContent = show(o.skipped);
    $("k-expired").textContent = show(o.expired);
    $("k-waits").textContent = `${show(o.wait_p50)} / ${show(o.wait_p90)}`;
    const t = s.tidal_share;
    $("k-tidal").textContent = `${percent(t.share)} (${t.tidal_served}/${t.served})`;
    $("k-spread").textContent = `${percent(s.busy_spread.max_minus_min)} / ${percent(s.busy_spread.stdev)}`;
    const a = s.appointments;
    $("k-bookings").textContent = `${a.booked} / ${a.checked_in} / ${a.missed}`;
    renderRatings(s.ratings);
    fillRows(
      "categories",
      s.categories.map((c) => [
        `${c.code} ${en ? c.name_en : c.name}`,
        show(c.issued),
        show(c.served),
        show(c.skipped),
        show(c.expired),
        show(c.waiting_now),
        show(c.wait_p50),
        show(c.wait_p90),
        show(c.wait_max),
        show(c.mean_handling),
      ]),
    );
    fillRows(
      "windows",
      s.windows.map((w) => [
        `${w.number}${w.tidal ? ` (${TEXT.yes})` : ""}`,
        show(w.open_minutes),
        show(w.serving_minutes),
        show(w.paused_minutes),
        percent(w.busy_ratio),
        show(w.served),
        show(w.tidal_served),
        show(w.mean_handling),
      ]),
    );
  }

  async function loadCharts() {
    const charts = Array.from(document.querySelectorAll(".chart"));
    await Promise.all(
      charts.map(async (figure) => {
        const response = await ask(`${API}/stats/charts/${figure.dataset.chart}.svg?${query({ lang: config.lang })}`);
        // The server escapes every text it puts in the SVG; it is shown as it comes.
        figure.innerHTML = await response.text();
      }),
    );
  }

  function explain(error) {
    if (!(error instanceof window.TideApi.ApiError)) return TEXT.unreachable;
    const said = window.TideApi.ownLanguage(error, config.lang);
    return error.status === 401 ? `${TEXT.badToken} ${said}` : said;
  }

  async function load() {
    if (!token()) {
      say(TEXT.noToken);
      return;
    }
    sessionStorage.setItem(STORAGE_KEY, token());
    say(TEXT.loading);
    $("show").disabled = true;
    try {
      const summary = await (await ask(`${API}/stats?${query()}`)).json();
      render(summary);
      $("report").hidden = false;
      $("csv").disabled = false;
      await loadCharts();
      say("");
      document.body.dataset.loaded = "true";
    } catch (error) {
      say(explain(error));
    } finally {
      $("show").disabled = false;
    }
  }

  async function downloadCsv() {
    try {
      const response = await ask(`${API}/stats.csv?${query()}`);
      const disposition = response.headers.get("Content-Disposition") || "";
      const match = /filename="([^"]+)"/.exec(disposition);
      const link = document.createElement("a");
      link.href = URL.createObjectURL(await response.blob());
      link.download = match ? match[1] : "stats.csv";
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 10000);
    } catch (error) {
      say(explain(error));
    }
  }

  for (const radio of document.querySelectorAll('input[name="mode"]')) {
    radio.addEventListener("change", () => {
      const range = document.querySelector('input[name="mode"]:checked').value === "range";
      $("day-field").hidden = range;
      $("from-field").hidden = !range;
      $("to-field").hidden = !range;
    });
  }
  $("query").addEventListener("submit", (event) => {
    event.preventDefault();
    load();
  });
  $("csv").addEventListener("click", downloadCsv);

  const saved = sessionStorage.getItem(STORAGE_KEY);
  if (saved) {
    $("token").value = saved;
    load();
  }
})();
