// The time-off-in-lieu ledger page (调休台账): a supervisor signs in (desk-session.js) and sees the month from
// GET …/lieu?month= as one row a clerk (earned, taken, the month's net, the balance carried and the running balance,
// in hours:minutes), the clerks past the hall's limit highlighted with what the server says; enters time off taken
// (POST …/lieu/taken), takes a mistaken entry back (DELETE …/lieu/taken/{id}, confirmed by a second click) and
// downloads the CSV. Every change reloads the month from the server.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const config = JSON.parse($("lieu-config").textContent);
  const en = config.lang === "en";
  const { el } = window.TideDesk;

  const TEXT = en
    ? {
        loading: "Loading the ledger…",
        ok: "Every balance is within the limit.",
        warned: (n) => `${n} ${n === 1 ? "clerk is" : "clerks are"} past the limit (highlighted).`,
        terms: (a) => `Counted from ${a.since} · limit ±${hm(a.warn_minutes)}`,
        span: (months) =>
          months.length > 2 ? `${months.length} months from ${months[0]} to ${months.at(-1)}` : months.join(" and "),
        unrecorded: (span) =>
          `Earned time of ${span} was not recorded before its tickets were cleared: counted from the tickets that ` +
          "remain, it may be too low. The hall file's [lieu] since sets the month the ledger starts.",
        saved: (e, name) => `Entered: ${name}, ${e.date}, ${hm(e.minutes)}.`,
        removed: (e, name) => `Taken back: ${name}, ${e.date}, ${hm(e.minutes)}.`,
        noLength: "Give how long: hours and minutes, 1 minute to 24 hours.",
        fromRota: "rota request",
        remove: "Delete",
        sure: "Delete?",
        none: "No time off taken this month.",
        by: (e) => (e.by ? `by ${e.by}` : ""),
        reserve: "back office",
      }
    : {
        loading: "正在读取调休台账…",
        ok: "全部人员的调休结余都在上限之内。",
        warned: (n) => `有 ${n} 人超过上限（已标出）。`,
        terms: (a) => `自 ${a.since} 起累计 · 上限 ±${hm(a.warn_minutes)}`,
        span: (months) =>
          months.length > 2 ? `${months[0]} 至 ${months.at(-1)} 间 ${months.length} 个月` : months.join("、"),
        unrecorded: (span) =>
          `${span}的加班时间在工单清理前未被记录，按仍保留的工单计算，可能偏少。台账起始月份可在大厅配置 [lieu] since 中设定。`,
        saved: (e, name) => `已登记：${name}，${e.date}，${hm(e.minutes)}。`,
        removed: (e, name) => `已删除：${name}，${e.date}，${hm(e.minutes)}。`,
        noLength: "请填写时长：1 分钟到 24 小时。",
        fromRota: "排班调休申请",
        remove: "删除",
        sure: "确认删除？",
        none: "本月没有调休记录。",
        by: (e) => (e.by ? `登记人 ${e.by}` : ""),
        reserve: "后台",
      };

  // 52:30, -1:05 (to the nearest minute)
  function hm(minutes) {
    const whole = Math.round(minutes);
    const size = Math.abs(whole);
    return `${whole < 0 ? "-" : ""}${Math.floor(size / 60)}:${String(size % 60).padStart(2, "0")}`;
  }
  const signed = (minutes) => (Math.round(minutes) > 0 ? `+${hm(minutes)}` : hm(minutes));

  let data = null;

  const clerkName = (username) => {
    const c = data && data.clerks.find((x) => x.username === username);
    return c ? `${c.name}（${c.username}）` : username;
  };

  // --- the month shown ----------------------------------------------------------------------------------------

  function showMonth(month) {
    $("month-label").textContent = month;
    // a day of the month shown: today when it is in it
    $("take-date").value = config.today.startsWith(month) ? config.today : `${month}-01`;
  }

  // --- drawing -------------------------------------------------------------------------------------------------

  function render() {
    const status = $("status");
    status.dataset.ok = String(data.warnings === 0);
    status.textContent = data.warnings ? TEXT.warned(data.warnings) : TEXT.ok;
    $("terms").textContent = TEXT.terms(data);
    $("unrecorded").hidden = data.unrecorded_months.length === 0;
    $("unrecorded").textContent = TEXT.unrecorded(TEXT.span(data.unrecorded_months));
    renderLedger();
    renderClerks();
    renderTaken();
  }

  function renderLedger() {
    const rows = data.clerks.map((c) => {
      const row = el("tr");
      row.dataset.clerk = c.username;
      if (c.warn) row.classList.add("warn", c.warn);
      const name = el("th", "clerk", c.name);
      name.append(el("small", null, c.role === "reserve" ? `${c.username}·${TEXT.reserve}` : c.username));
      row.append(name);
      row.append(figure("earned", c.earned_minutes, hm(c.earned_minutes)));
      row.append(figure("taken", c.taken_minutes, hm(c.taken_minutes)));
      row.append(figure("net", c.net_minutes, signed(c.net_minutes)));
      row.append(figure("opening", c.opening_minutes, hm(c.opening_minutes)));
      const balance = figure("balance", c.balance_minutes, c.balance);
      if (c.balance_minutes < 0) balance.classList.add("negative");
      row.append(balance);
      row.append(el("td", "warning", en ? c.warning_en : c.warning));
      row.addEventListener("click", () => pick(c.username));
      return row;
    });
    $("ledger").tBodies[0].replaceChildren(...rows);
  }

  function figure(className, minutes, text) {
    const cell = el("td", className, text);
    if (Math.round(minutes) === 0) cell.classList.add("zero"); // nothing there: quiet, so the figures stand out
    return cell;
  }

  function renderClerks() {
    const select = $("take-clerk");
    const chosen = select.value;
    select.replaceChildren(
      ...data.clerks.map((c) => {
        const option = el("option", null, `${c.name}（${c.username}）`);
        option.value = c.username;
        return option;
      }),
    );
    if (chosen && data.clerks.some((c) => c.username === chosen)) select.value = chosen;
  }

  function renderTaken() {
    const list = $("taken");
    if (!data.taken.length) {
      list.replaceChildren(el("li", "empty", TEXT.none));
      return;
    }
    list.replaceChildren(
      ...data.taken.map((e) => {
        const item = el("li");
        item.dataset.source = e.source;
        const head = el("div", "entry-head");
        head.append(el("b", null, e.date.slice(5)), el("span", "who", clerkName(e.username)), el("span", "len", hm(e.minutes)));
        item.append(head);
        const more = [e.note, e.source === "rota" ? TEXT.fromRota : TEXT.by(e)].filter(Boolean).join(" · ");
        if (more) item.append(el("small", null, more));
        if (e.source === "entry") {
          const remove = el("button", "small remove", TEXT.remove);
          remove.type = "button";
          remove.addEventListener("click", () => takeBack(e, remove));
          head.append(remove);
        }
        return item;
      }),
    );
  }

  function pick(username) {
    $("take-clerk").value = username;
    $("take-hours").focus();
  }

  // --- entering time off ---------------------------------------------------------------------------------------

  function say(text, ok) {
    const result = $("take-result");
    result.className = `message ${ok ? "info" : "error"}`;
    result.textContent = text;
    result.hidden = false;
  }

  function wholeDay() {
    const c = data && data.clerks.find((x) => x.username === $("take-clerk").value);
    const minutes = c ? Math.round(c.day_minutes) : 480;
    $("take-hours").value = String(Math.floor(minutes / 60));
    $("take-minutes").value = String(minutes % 60);
  }

  async function take(event) {
    event.preventDefault();
    const minutes = Number($("take-hours").value || 0) * 60 + Number($("take-minutes").value || 0);
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > 1440) {
      say(TEXT.noLength, false);
      return;
    }
    const body = {
      username: $("take-clerk").value,
      date: $("take-date").value,
      minutes,
      note: $("take-note").value.trim(),
    };
    $("take-save").disabled = true;
    try {
      const entry = await desk.call("/lieu/taken", { method: "POST", body });
      say(TEXT.saved(entry, clerkName(entry.username)), true);
      $("take-hours").value = "0";
      $("take-minutes").value = "0";
      $("take-note").value = "";
      await load();
    } catch (err) {
      say(desk.errorText(err), false);
    } finally {
      $("take-save").disabled = false;
    }
  }

  async function takeBack(entry, button) {
    if (!button.classList.contains("sure")) {
      button.classList.add("sure");
      button.textContent = TEXT.sure;
      return;
    }
    button.disabled = true;
    try {
      const removed = await desk.call(`/lieu/taken/${encodeURIComponent(entry.id)}`, { method: "DELETE" });
      say(TEXT.removed(removed, clerkName(removed.username)), true);
      await load();
    } catch (err) {
      say(desk.errorText(err), false);
      button.disabled = false;
    }
  }

  // --- loading -------------------------------------------------------------------------------------------------

  async function load() {
    if (!data) {
      $("status").dataset.ok = "";
      $("status").textContent = TEXT.loading;
    }
    const month = config.month;
    try {
      const answer = await desk.call(`/lieu?month=${month}`);
      if (month !== config.month) return; // the supervisor moved on meanwhile
      data = answer;
      render();
    } catch (err) {
      desk.failed(err);
    }
  }

  const exportCsv = () => desk.download(`/lieu.csv?month=${config.month}`, `lieu-${config.hall}-${config.month}.csv`);

  function clear() {
    data = null;
    $("ledger").tBodies[0].replaceChildren();
    $("taken").replaceChildren();
    $("terms").textContent = "";
    $("unrecorded").hidden = true;
    $("take-result").hidden = true;
  }

  $("export-csv").addEventListener("click", exportCsv);
  $("take-form").addEventListener("submit", take);
  $("take-day").addEventListener("click", wholeDay);

  const desk = window.TideDesk.deskPage({ config, page: "lieu", period: "month", shown: showMonth, load, clear });
})();
