// The rota page's time-off requests (休假与调休申请), a collapsible section below the grid: the month's requests from
// GET …/time-off?month= (those that overlap it) with the clerk, the days, the kind (休假 leave, 调休 time off in lieu),
// the note and the state, a 批准 button for each pending one (POST …/time-off/{id}/approve), and a form that records a
// request for any rostered clerk (POST …/time-off), approved at once or not. An approved request binds the rota only
// once the rota is made again or edited, which the panel says, offering the toolbar's 重新生成. A refused request
// shows the server's words and keeps what was typed. rota.js owns the session and the month, and makes the panel:
//
//   TideRotaTimeOff.panel({config, desk, clerkName, reload, regenerate}) -> {load(clerks, regenerated), clear()}
//       config        the page's config (hall, lang, month, today); config.month follows the page
//       desk()        the page's desk session (desk-session.js: call, errorText, leave)
//       clerkName(u)  "王芳（w01）"
//       reload()      read the rota again: the grid shows the approved days off and the rules they now break
//       regenerate()  what the toolbar's 重新生成 does
//     load(clerks, regenerated)  after the rota is read: the rostered clerks for the form, and the month's requests
//                                (regenerated: the rota was just made again, so the advice to do so goes)
//     clear()                    another month, or signed out: nothing of the last one stays
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const { el } = window.TideDesk;
  const { newKey } = window.TideApi;

  function panel(options) {
    const { config } = options;
    const en = config.lang === "en";
    const TEXT = en
      ? {
          kinds: { leave: "Leave", lieu: "Time off in lieu" },
          pending: "Pending",
          approved: "Approved",
          approve: "Approve",
          remake: "Make again",
          pick: "Choose a clerk",
          none: "No time-off requests this month.",
          count: (n, waiting) => (n ? `${n} this month` + (waiting ? `, ${waiting} pending` : "") : "none this month"),
          waiting: (n) => `${n} time-off ${n === 1 ? "request" : "requests"} pending`,
          days: (r) => (r.first === r.last ? day(r.first) : `${day(r.first)} to ${day(r.last)} (${length(r)} days)`),
          recorded: (r, name) => `Recorded: ${name}, ${TEXT.days(r)}, ${TEXT.kinds[kindOf(r)].toLowerCase()}, pending.`,
          recordedApproved: (r, name) =>
            `Recorded and approved: ${name}, ${TEXT.days(r)}, ${TEXT.kinds[kindOf(r)].toLowerCase()}.`,
          approvedNow: (r, name) => `Approved: ${name}, ${TEXT.days(r)}, ${TEXT.kinds[kindOf(r)].toLowerCase()}.`,
          keep: () => "The rota must be made again, or edited by hand, to keep it.",
          lieu: "Each working day takes a contracted day from the clerk's time-off-in-lieu balance.",
          by: (r) =>
            [r.by && `recorded by ${r.by}`, r.approved_by && `approved by ${r.approved_by}`].filter(Boolean).join(", "),
        }
      : {
          kinds: { leave: "休假", lieu: "调休" },
          pending: "待批准",
          approved: "已批准",
          approve: "批准",
          remake: "重新生成",
          pick: "请选择工作人员",
          none: "本月没有休假或调休申请。",
          count: (n, waiting) => (n ? `本月 ${n} 条` + (waiting ? `，${waiting} 条待批准` : "") : "本月没有申请"),
          waiting: (n) => `${n} 条休假申请待批准`,
          days: (r) => (r.first === r.last ? day(r.first) : `${day(r.first)} 至 ${day(r.last)}（${length(r)} 天）`),
          recorded: (r, name) => `已登记：${name}，${TEXT.days(r)}，${TEXT.kinds[kindOf(r)]}，待批准。`,
          recordedApproved: (r, name) => `已登记并批准：${name}，${TEXT.days(r)}，${TEXT.kinds[kindOf(r)]}。`,
          approvedNow: (r, name) => `已批准：${name}，${TEXT.days(r)}，${TEXT.kinds[kindOf(r)]}。`,
          keep: (r) => `排班须重新生成或手工修改，才能遵守这次${TEXT.kinds[kindOf(r)]}。`,
          lieu: "每个工作日从该人员的调休结余中扣除一个合同日。",
          by: (r) => [r.by && `登记人 ${r.by}`, r.approved_by && `批准人 ${r.approved_by}`].filter(Boolean).join("，"),
        };

    let requests = [];

    const desk = () => options.desk();
    const kindOf = (r) => (r.kind === "lieu" ? "lieu" : "leave"); // requests from before kinds were leave
    const day = (iso) => (iso.slice(0, 4) === config.month.slice(0, 4) ? iso.slice(5) : iso);
    const length = (r) => Math.round((Date.parse(r.last) - Date.parse(r.first)) / 86400000) + 1;

    // --- the month's requests ------------------------------------------------------------------------------------

    function render() {
      const waiting = requests.filter((r) => !r.approved).length;
      $("time-off-count").textContent = TEXT.count(requests.length, waiting);
      $("time-off-count").dataset.waiting = String(waiting);
      $("time-off-pending").hidden = waiting === 0;
      $("time-off-pending").textContent = TEXT.waiting(waiting);
      const body = $("time-off-table").tBodies[0];
      if (!requests.length) {
        const cell = el("td", "empty", TEXT.none);
        cell.colSpan = 6;
        const row = el("tr");
        row.append(cell);
        body.replaceChildren(row);
        return;
      }
      body.replaceChildren(...requests.map(row));
    }

    function row(r) {
      const shown = r.approved ? "approved" : "pending";
      const line = el("tr", shown);
      line.dataset.id = r.id;
      line.dataset.clerk = r.username;
      const state = el("td", "state");
      state.append(el("span", `badge ${shown}`, TEXT[shown]));
      if (TEXT.by(r)) state.append(el("small", null, TEXT.by(r)));
      const action = el("td", "action");
      if (!r.approved) {
        const button = el("button", "small approve", TEXT.approve);
        button.type = "button";
        button.addEventListener("click", () => approve(r, button));
        action.append(button);
      }
      line.append(
        el("th", "clerk", options.clerkName(r.username)),
        el("td", "days", TEXT.days(r)),
        el("td", `kind ${kindOf(r)}`, TEXT.kinds[kindOf(r)]),
        el("td", "note", r.note || ""),
        state,
        action,
      );
      return line;
    }

    async function list() {
      const month = config.month;
      try {
        const answer = await desk().call(`/time-off?month=${month}`);
        if (month !== config.month) return; // the supervisor moved on meanwhile
        requests = answer.requests;
        render();
      } catch (err) {
        if (err.status === 401) desk().leave(desk().errorText(err));
        else say(desk().errorText(err), false);
      }
    }

    // --- what was done -------------------------------------------------------------------------------------------

    function say(text, ok) {
      const said = $("time-off-said");
      said.className = `message ${ok ? "info" : "error"}`;
      said.replaceChildren(el("span", null, text));
      said.hidden = false;
    }

    // Approved days off bind the rota only once it is made again or edited: say so, and offer 重新生成 right here.
    function sayApproved(text, r) {
      say([text, TEXT.keep(r), kindOf(r) === "lieu" ? TEXT.lieu : ""].filter(Boolean).join(en ? " " : ""), true);
      const remake = el("button", "small", TEXT.remake);
      remake.type = "button";
      remake.id = "time-off-remake";
      remake.addEventListener("click", options.regenerate);
      $("time-off-said").append(remake);
      options.reload();
    }

    async function approve(r, button) {
      button.disabled = true;
      try {
        const done = await desk().call(`/time-off/${encodeURIComponent(r.id)}/approve`, {
          method: "POST",
          key: newKey("time-off"),
        });
        sayApproved(TEXT.approvedNow(done, options.clerkName(done.username)), done);
      } catch (err) {
        if (err.status === 401) desk().leave(desk().errorText(err));
        else say(desk().errorText(err), false);
        button.disabled = false;
      }
    }

    // --- recording a request -------------------------------------------------------------------------------------

    function refuse(text) {
      $("time-off-error").textContent = text;
      $("time-off-error").hidden = false;
    }

    async function record(event) {
      event.preventDefault();
      const body = {
        username: $("time-off-clerk").value,
        first: $("time-off-first").value,
        last: $("time-off-last").value,
        kind: $("time-off-form").querySelector("input[name=time-off-kind]:checked").value,
        note: $("time-off-note").value.trim(),
        approved: $("time-off-approved").checked,
      };
      $("time-off-error").hidden = true;
      $("time-off-save").disabled = true;
      try {
        const entry = await desk().call("/time-off", { method: "POST", body, key: newKey("time-off") });
        // Recorded: the next request starts from the same clerk and days, but no note and not approved.
        $("time-off-note").value = "";
        $("time-off-approved").checked = false;
        const name = options.clerkName(entry.username);
        if (entry.approved) sayApproved(TEXT.recordedApproved(entry, name), entry);
        else {
          say(TEXT.recorded(entry, name), true);
          await list();
        }
      } catch (err) {
        // Everything typed stays, so the one thing wrong can be put right.
        if (err.status === 401) desk().leave(desk().errorText(err));
        else refuse(desk().errorText(err));
      } finally {
        $("time-off-save").disabled = false;
      }
    }

    function fillClerks(clerks) {
      const select = $("time-off-clerk");
      const chosen = select.value;
      const none = el("option", null, TEXT.pick);
      none.value = "";
      select.replaceChildren(
        none,
        ...clerks.map((c) => {
          const option = el("option", null, options.clerkName(c.username));
          option.value = c.username;
          return option;
        }),
      );
      if (clerks.some((c) => c.username === chosen)) select.value = chosen;
    }

    // The form's days start in the month shown (today when it is in it), unless a day of that month is there.
    function monthDays() {
      if ($("time-off-first").value.startsWith(config.month)) return;
      const start = config.today.startsWith(config.month) ? config.today : `${config.month}-01`;
      $("time-off-first").value = start;
      $("time-off-last").value = start;
    }

    $("time-off-form").addEventListener("submit", record);
    $("time-off-pending").addEventListener("click", () => {
      $("time-off").open = true;
      $("time-off").scrollIntoView({ block: "start" });
    });
    monthDays();

    return {
      load(clerks, regenerated) {
        fillClerks(clerks);
        if (regenerated) $("time-off-said").hidden = true; // made again: it keeps every approved day off now
        return list();
      },
      clear() {
        requests = [];
        $("time-off-table").tBodies[0].replaceChildren();
        $("time-off-count").textContent = "";
        $("time-off-pending").hidden = true;
        $("time-off-said").hidden = true;
        $("time-off-error").hidden = true;
        monthDays();
      },
    };
  }

  window.TideRotaTimeOff = { panel };
})();
