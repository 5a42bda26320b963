// The 差评 follow-up page (好差评工单): asks /api/halls/{hall}/rating-cases with the supervisor's token, lists the
// cases (overdue first, highlighted) and posts each case's next step with who took it and a note. The token is kept
// for this browser tab only, like the statistics page's.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const config = JSON.parse($("cases-config").textContent);
  const en = config.lang === "en";
  const API = `/api/halls/${encodeURIComponent(config.hall)}/rating-cases`;
  const STORAGE_KEY = `tidequeue.stats.${config.hall}`; // the same supervisor token as the statistics page
  const NAME_KEY = `tidequeue.cases.by.${config.hall}`;
  const label = (entry) => (entry ? (en ? entry.en : entry.zh) : "");
  const STATES = Object.fromEntries(config.states.map((s) => [s.code, s]));

  const TEXT = en
    ? {
        loading: "Loading…",
        noToken: "Enter the supervisor token first.",
        unreachable: "The server could not be reached; try again.",
        overdue: "Overdue",
        onTime: "closed on time",
        late: "closed late",
        window: (n) => `Window ${n}`,
        due: "Due",
        next: (s) => `Move to: ${s}`,
        note: "What was done",
        history: "History",
        by: "by",
        moved: (id, s) => `Case ${id} is now ${s}.`,
      }
    : {
        loading: "正在加载…",
        noToken: "请先输入值班长令牌。",
        unreachable: "无法连接服务器，请重试。",
        overdue: "已超期",
        onTime: "按时办结",
        late: "超期办结",
        window: (n) => `${n} 号窗口`,
        due: "时限",
        next: (s) => `转为：${s}`,
        note: "办理情况",
        history: "办理记录",
        by: "经办",
        moved: (id, s) => `工单 ${id} 已转为「${s}」。`,
      };

  function say(text) {
    $("message").textContent = text || "";
    $("message").hidden = !text;
  }

  const token = () => $("token").value.trim();

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function stepForm(c) {
    const form = el("form", "step");
    const note = el("textarea");
    note.name = "note";
    note.maxLength = 500;
    note.rows = 2;
    note.placeholder = TEXT.note;
    note.setAttribute("aria-label", TEXT.note);
    const button = el("button", "primary", TEXT.next(label(STATES[c.next])));
    button.type = "submit";
    form.append(note, button);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      button.disabled = true;
      try {
        localStorage.setItem(NAME_KEY, $("by").value.trim());
        const body = { to: c.next, note: note.value, by: $("by").value.trim() };
        const moved = await window.TideApi.request(`${API}/${encodeURIComponent(c.id)}/steps`, {
          method: "POST",
          token: token(),
          body,
        });
        await load();
        say(TEXT.moved(moved.id, label(STATES[moved.state])));
      } catch (error) {
        button.disabled = false;
        say(error instanceof window.TideApi.ApiError ? (en ? error.messageEn : error.message) : TEXT.unreachable);
      }
    });
    return form;
  }

  function card(c) {
    const box = el("article", `case${c.overdue ? " overdue" : ""}${c.state === "closed" ? " closed" : ""}`);
    box.dataset.case = c.id;
    const head = el("header");
    head.append(el("b", "id", c.id), el("span", "state", label(STATES[c.state])));
    if (c.overdue) head.append(el("span", "flag", TEXT.overdue));
    if (c.closed_on_time !== null) head.append(el("span", "done", c.closed_on_time ? TEXT.onTime : TEXT.late));
    box.append(head);
    const service = label(config.services[c.service]) || c.service;
    const reasons = (c.reasons || []).map((r) => label(config.reasons[r]) || r).join(en ? ", " : "、");
    box.append(
      el(
        "p",
        "what",
        `${label(config.levels[String(c.level)])} · ${c.number} · ${service} · ${TEXT.window(c.window)}` +
          `${c.clerk ? ` · ${c.clerk}` : ""} · ${c.rated_at.slice(0, 16).replace("T", " ")}`,
      ),
      el("p", "reasons", reasons),
    );
    if (c.comment) box.append(el("blockquote", "comment", c.comment));
    const due = el("ol", "deadlines");
    for (const s of config.states.slice(1)) {
      const item = el("li", c.next === s.code ? "current" : "", `${label(s)} ${TEXT.due} ${c.deadlines[s.code]}`);
      due.append(item);
    }
    box.append(due);
    const history = el("ul", "history");
    history.setAttribute("aria-label", TEXT.history);
    for (const step of c.steps) {
      const when = step.at.slice(0, 16).replace("T", " ");
      const who = step.by ? ` · ${TEXT.by} ${step.by}` : "";
      history.append(el("li", "", `${when} ${label(STATES[step.state])}${who}${step.note ? ` — ${step.note}` : ""}`));
    }
    box.append(history);
    if (c.next) box.append(stepForm(c));
    return box;
  }

  async function load() {
    if (!token()) {
      say(TEXT.noToken);
      return;
    }
    const params = new URLSearchParams();
    if ($("state").value) params.set("state", $("state").value);
    if ($("overdue").checked) params.set("overdue", "true");
    try {
      const cases = await window.TideApi.request(`${API}?${params}`, { token: token() });
      sessionStorage.setItem(STORAGE_KEY, token());
      say("");
      $("list").replaceChildren(...cases.map(card));
      $("empty").hidden = cases.length > 0;
    } catch (error) {
      say(error instanceof window.TideApi.ApiError ? (en ? error.messageEn : error.message) : TEXT.unreachable);
    }
  }

  $("query").addEventListener("submit", (event) => {
    event.preventDefault();
    load();
  });
  $("by").value = localStorage.getItem(NAME_KEY) || "";
  const saved = sessionStorage.getItem(STORAGE_KEY);
  if (saved) {
    $("token").value = saved;
    load();
  }
})();
