/*
 * window.js: the window screen (窗口屏) and evaluator (评价器) at one window. Follows the hall channel through
 * feed.js and HallState like the hall screen, and draws only its own window: the clerk's display name, the
 * number served, the state, and the category a tidal switch sent it to. After each 办结 (a completed event for
 * this window) it asks the visitor for a rating (好差评) and posts it with the window's device token.
 *
 * Modes (body[data-mode]): status → rate → (reasons, for a 差评) → thanks → status. Back to status after
 * THANKS_MS, after IDLE_MS without a touch, or at once when the window calls its next visitor.
 */
(function () {
  "use strict";

  const IDLE_MS = 60000; // nobody rated: the next visitor must not find the last one's question
  const THANKS_MS = 5000;

  const config = JSON.parse(document.getElementById("screen-config").textContent);
  const en = config.lang === "en";
  const N = config.window;

  const text = en
    ? {
        serving: "Now serving",
        idle: "Available",
        idleLine: "Please wait for your number to be called",
        paused: "Service paused",
        pausedLine: "Please wait or ask at the guide desk",
        services: (names) => `Services: ${names}`,
        switched: (name) => `Tidal window · now serving ${name}`,
        thanks: "Thank you for your feedback",
        failed: "Your rating could not be saved",
        offlineFailed: "Not connected: your rating could not be sent",
      }
    : {
        serving: "正在办理",
        idle: "空闲",
        idleLine: "请留意叫号",
        paused: "暂停服务",
        pausedLine: "请稍候或到导办台咨询",
        services: (names) => `办理业务：${names}`,
        switched: (name) => `潮汐窗口 · 现办理 ${name}`,
        thanks: "感谢您的评价",
        failed: "评价未能提交",
        offlineFailed: "网络中断，评价未能提交",
      };

  const $ = (id) => document.getElementById(id);

  function element(tag, className, content) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (content !== undefined && content !== null) node.textContent = content;
    return node;
  }

  function label(item) {
    return en ? item.en : item.zh;
  }

  // --- the window as visitors see it ----------------------------------------------------------------------

  const screen = { state: null, feed: null, mode: "status", timer: null, level: null, picked: new Set() };

  function categoryName(code) {
    const c = screen.state && screen.state.categories.find((x) => x.code === code);
    return c ? (en ? c.name_en : c.name) : code;
  }

  function drawStatus() {
    const w = screen.state && screen.state.windows.find((x) => x.number === N);
    if (!w) return;
    $("clerk").hidden = !w.clerk;
    $("clerk-name").textContent = w.clerk || "";
    const state = $("state");
    state.dataset.state = w.state;
    if (w.state === "paused") {
      // 暂停服务 · 用餐时间: the reason the clerk picked, in the screen's language
      const reason = (config.pause_reasons || []).find((r) => r.code === w.pause_reason);
      state.textContent = reason ? `${text.paused} · ${en ? reason.en : reason.zh}` : text.paused;
      $("ticket").textContent = w.ticket ? w.ticket.number : text.pausedLine;
    } else if (w.ticket) {
      state.textContent = text.serving;
      $("ticket").textContent = w.ticket.number;
    } else {
      state.textContent = text.idle;
      $("ticket").textContent = text.idleLine;
    }
    $("ticket").classList.toggle("number", Boolean(w.ticket));
    const services = $("services");
    services.classList.toggle("switched", Boolean(w.switched_to));
    services.textContent = w.switched_to
      ? text.switched(categoryName(w.switched_to.service))
      : text.services(w.services.map((code) => `${code} ${categoryName(code)}`).join(" · "));
  }

  // --- the rating (好差评) -----------------------------------------------------------------------------------

  function setMode(mode) {
    screen.mode = mode;
    document.body.dataset.mode = mode;
    for (const id of ["status", "rate", "reasons", "thanks"]) $(id).hidden = id !== mode;
    clearTimeout(screen.timer);
    if (mode === "rate" || mode === "reasons") screen.timer = setTimeout(() => setMode("status"), IDLE_MS);
    if (mode === "thanks") screen.timer = setTimeout(() => setMode("status"), THANKS_MS);
  }

  // Each touch restarts the wait: a visitor who is choosing reasons is not cut short.
  function touched() {
    if (screen.mode === "rate" || screen.mode === "reasons") setMode(screen.mode);
  }

  function askForRating() {
    screen.level = null;
    screen.picked = new Set();
    for (const button of document.querySelectorAll("#reason-list button")) button.setAttribute("aria-pressed", "false");
    $("submit-reasons").disabled = true;
    setMode("rate");
  }

  function drawLevels() {
    $("levels").replaceChildren(
      ...config.levels.map((level) => {
        const button = element("button", "level", label(level));
        button.type = "button";
        button.dataset.level = level.value;
        button.classList.toggle("bad", level.value <= config.bad_up_to);
        button.addEventListener("click", () => chooseLevel(level.value));
        return button;
      })
    );
    $("reason-list").replaceChildren(
      ...config.reasons.map((reason) => {
        const button = element("button", "reason", label(reason));
        button.type = "button";
        button.dataset.reason = reason.code;
        button.setAttribute("aria-pressed", "false");
        button.addEventListener("click", () => toggleReason(button, reason.code));
        return button;
      })
    );
    $("submit-reasons").addEventListener("click", () => submit(screen.level, [...screen.picked]));
  }

  function chooseLevel(value) {
    screen.level = value;
    if (value <= config.bad_up_to) setMode("reasons");
    else submit(value, []);
  }

  function toggleReason(button, code) {
    if (screen.picked.has(code)) screen.picked.delete(code);
    else screen.picked.add(code);
    button.setAttribute("aria-pressed", String(screen.picked.has(code)));
    $("submit-reasons").disabled = screen.picked.size === 0;
  }

  async function submit(level, reasons) {
    const url = `/api/halls/${encodeURIComponent(config.hall.id)}/windows/${N}/rating`;
    $("rate-error").hidden = true;
    try {
      await TideApi.request(url, {
        method: "POST",
        body: { level, reasons, comment: "" },
        key: TideApi.newKey("rating"),
      });
      $("thanks-text").textContent = text.thanks;
    } catch (err) {
      // The visitor is told plainly; the screen still goes back to the window by itself.
      $("thanks-text").textContent = text.failed;
      $("rate-error").textContent = err instanceof TideApi.ApiError ? TideApi.ownLanguage(err) : text.offlineFailed;
      $("rate-error").hidden = false;
    }
    setMode("thanks");
  }

  // --- following the hall ------------------------------------------------------------------------------

  function onSnapshot(snapshot) {
    screen.state = HallState.fromSnapshot(snapshot);
    drawStatus();
  }

  function onEvent(event) {
    if (!screen.state) return;
    if (event.type === "day_started") {
      screen.feed.resync();
      return;
    }
    HallState.apply(screen.state, event);
    drawStatus();
    if (event.window !== N) return;
    if (event.type === "completed") {
      screen.completedAt = event.at;
      askForRating();
    } else if (event.type === "called" && screen.mode !== "status" && event.at !== screen.completedAt) {
      // The next visitor is on the way: the last one's question or thanks must not greet them. A call made in the
      // same step as the 办结 (呼叫下一位 completes the visitor at the window) leaves the departing visitor to rate.
      setMode("status");
    }
  }

  function onStatus(online) {
    $("offline").hidden = online;
    document.body.classList.toggle("offline", !online);
  }

  document.addEventListener("pointerdown", touched);
  drawLevels();
  screen.state = HallState.fromSnapshot({ hall: config.hall, categories: config.categories, windows: config.windows });
  drawStatus();
  screen.feed = TideFeed.followHall(config.hall.id, { onSnapshot, onEvent, onStatus });
  window.windowScreen = screen; // for a person debugging at the screen's console
})();
