// The caller pad's waiting list: the next visitors this window would call (priority first, then its policy),
// with their waits and marks, and today's skipped visitors (过号). It is read from the API
// (GET …/windows/{n}/queue) whenever the hall channel says something changed, at most a few times a second.
"use strict";

window.CallerQueue = function (options) {
  // options: load() -> Promise of the list; TEXT; serviceName(code); onCall(ticket); onRequeue(ticket)
  const $ = (id) => document.getElementById(id);
  const { TEXT, serviceName } = options;
  let timer = null;
  let running = false;
  let again = false;

  function mark(text, kind) {
    const span = document.createElement("span");
    span.className = `q-mark ${kind}`;
    span.textContent = text;
    return span;
  }

  function button(text, onClick, label) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "queue-action";
    b.textContent = text;
    b.setAttribute("aria-label", label);
    b.addEventListener("click", onClick);
    return b;
  }

  function row(ticket, detail, action) {
    const li = document.createElement("li");
    li.dataset.number = ticket.number;
    const number = document.createElement("span");
    number.className = "q-number";
    number.textContent = ticket.number;
    const text = document.createElement("span");
    text.className = "q-detail";
    text.textContent = detail;
    li.append(number, text);
    if (ticket.priority && !ticket.booking) li.append(mark(TEXT.priority, "priority"));
    if (ticket.booking) li.append(mark(TEXT.booked, "booked"));
    if (ticket.transferred_from) li.append(mark(TEXT.movedFrom(serviceName(ticket.transferred_from)), "moved"));
    li.append(action);
    return li;
  }

  function render(data) {
    const next = data.next.map((t) =>
      row(
        t,
        `${serviceName(t.service)} · ${TEXT.waited(t.waited_minutes)}`,
        button(TEXT.callThis, () => options.onCall(t), TEXT.callThisLabel(t.number))
      )
    );
    $("queue-next").replaceChildren(...next);
    $("queue-empty").hidden = next.length > 0;
    const skipped = data.skipped.map((t) =>
      row(
        t,
        `${serviceName(t.service)} · ${TEXT.skippedAt(t.skipped_at)}`,
        button(TEXT.requeue, () => options.onRequeue(t), TEXT.requeueLabel(t.number))
      )
    );
    $("queue-skipped").replaceChildren(...skipped);
    $("skipped-empty").hidden = skipped.length > 0;
  }

  // One request at a time; a change during it asks for one more read afterwards.
  async function load() {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      render(await options.load());
    } catch (err) {
      // the banner and the next event deal with an unreachable server; a refusal ends the session elsewhere
    } finally {
      running = false;
      if (again) {
        again = false;
        refresh();
      }
    }
  }

  function refresh() {
    if (timer) return;
    timer = setTimeout(() => {
      timer = null;
      load();
    }, 250);
  }

  function clear() {
    $("queue-next").replaceChildren();
    $("queue-skipped").replaceChildren();
  }

  return { refresh, clear };
};
