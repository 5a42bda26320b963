// The booking page (预约): choose a category, a day and a slot, give a name and the last four phone digits, and keep
// the code; or look a booking up with its code and those four digits (?code= fills the code in), to see or cancel
// it. Talks to /api/halls/{hall}/booking-days, /slots and /bookings; a look-up or a cancel sends the digits in the
// X-Phone-Last4 header, never in the address (access logs, proxies and the browser's history keep addresses).
"use strict";

(function () {
  const config = JSON.parse(document.getElementById("book-config").textContent);
  const en = config.lang === "en";
  const api = `/api/halls/${encodeURIComponent(config.hall)}`;
  const { ApiError, newKey, request, ownLanguage } = window.TideApi;
  const $ = (id) => document.getElementById(id);

  const WEEKDAYS = en ? ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"] : ["周日", "周一", "周二", "周三", "周四", "周五", "周六"];
  const MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const TEXT = en
    ? {
        free: (n) => `${n} left`,
        full: "Full",
        closes: (when) => `Booking for this day closes ${when}.`,
        closed: "Booking for this day has closed.",
        summary: (service, day, slot) => `${service} · ${day} · ${slot}`,
        badName: "Please give your name (up to 20 characters).",
        badPhone: "Please give the last 4 digits of your phone number.",
        booking: "Booking…",
        unreachable: "Cannot reach the server. Please try again.",
        states: {
          booked: "Booked",
          checked_in: "Checked in",
          cancelled: "Cancelled",
          no_show: "Lapsed (not checked in in time)",
        },
        titles: { booked: "Booked", checked_in: "Checked in", cancelled: "Booking cancelled", no_show: "Booking lapsed" },
        justBooked: "Booked!",
        number: (n) => ` · number ${n}`,
        checkIn: (day, from, until) =>
          `On ${day}, between ${from} and ${until}, press 「预约签到 Check in」 on a kiosk in the hall and type the code. ` +
          "You will be called before walk-ins; after that time the booking lapses.",
        unknown: "No booking matches this code and these phone digits. Please check both.",
        badCode: "Please give the 8-digit booking code.",
        lookingUp: "Looking up…",
        lookUp: "Look up",
      }
    : {
        free: (n) => `余 ${n}`,
        full: "已约满",
        closes: (when) => `这一天的预约将于 ${when} 截止。`,
        closed: "这一天的预约已截止。",
        summary: (service, day, slot) => `${service} · ${day} · ${slot}`,
        badName: "请填写姓名（不超过 20 个字）。",
        badPhone: "请填写手机号码后四位数字。",
        booking: "正在预约…",
        unreachable: "无法连接服务器，请稍后重试。",
        states: { booked: "已预约", checked_in: "已签到", cancelled: "已取消", no_show: "已失效（未按时签到）" },
        titles: { booked: "已预约", checked_in: "已签到", cancelled: "预约已取消", no_show: "预约已失效" },
        justBooked: "预约成功",
        number: (n) => ` · 号码 ${n}`,
        checkIn: (day, from, until) =>
          `请于 ${day} ${from}–${until} 到大厅取号机点「预约签到」，输入预约码取号，您将优先叫号；逾时预约失效。`,
        unknown: "没有与该预约码和手机号后四位相符的预约，请核对。",
        badCode: "请填写 8 位数字的预约码。",
        lookingUp: "正在查询…",
        lookUp: "查询预约",
      };

  // digits: the last four phone digits that go with the booking shown, kept in memory only, to cancel it.
  const state = { services: [], service: null, day: null, slot: null, pending: null, digits: null, loaded: null };
  const PHONE_HEADER = "X-Phone-Last4";

  // --- words for days and moments ---------------------------------------------------------------------------

  function dayText(iso) {
    const [y, m, d] = iso.slice(0, 10).split("-").map(Number);
    const weekday = WEEKDAYS[new Date(Date.UTC(y, m - 1, d)).getUTCDay()];
    return en ? `${weekday} ${d} ${MONTHS_EN[m - 1]}` : `${m}月${d}日 ${weekday}`;
  }

  // ISO text in the hall's zone: its date and clock time are the hall's.
  const clock = (iso) => String(iso || "").slice(11, 16);
  const momentText = (iso) => `${dayText(iso)} ${clock(iso)}`;

  function notice(text) {
    $("notice").textContent = text || "";
    $("notice").hidden = !text;
  }

  function call(method, path, body, key, digits) {
    const headers = digits ? { [PHONE_HEADER]: digits } : {};
    return request(`${api}${path}`, { method, body, key, headers });
  }

  function explain(err) {
    return err instanceof ApiError ? ownLanguage(err, config.lang) : TEXT.unreachable;
  }

  function choice(label, sub, selected, disabled) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "choice";
    button.setAttribute("aria-pressed", String(selected));
    button.disabled = Boolean(disabled);
    const main = document.createElement("span");
    main.className = "choice-main";
    main.textContent = label;
    button.append(main);
    if (sub) {
      const small = document.createElement("span");
      small.className = "choice-sub";
      small.textContent = sub;
      button.append(small);
    }
    return button;
  }

  // --- 1 category, 2 day, 3 slot, 4 person -------------------------------------------------------------------

  async function loadServices() {
    try {
      state.services = (await call("GET", "/booking-days")).services;
    } catch (err) {
      notice(explain(err));
      return;
    }
    $("no-services").hidden = state.services.length > 0;
    renderServices();
    const wanted = state.services.find((s) => s.code === config.service);
    if (wanted) chooseService(wanted.code);
  }

  function serviceName(s) {
    return en ? s.name_en : s.name;
  }

  function renderServices() {
    const box = $("services");
    box.replaceChildren();
    for (const s of state.services) {
      const button = choice(`${s.code} ${serviceName(s)}`, en ? s.name : s.name_en, s.code === state.service);
      button.dataset.code = s.code;
      button.addEventListener("click", () => chooseService(s.code));
      box.append(button);
    }
  }

  function chooseService(code) {
    state.service = code;
    state.day = null;
    state.slot = null;
    notice("");
    renderServices();
    const service = state.services.find((s) => s.code === code);
    const days = service ? service.days : [];
    const box = $("days");
    box.replaceChildren();
    for (const d of days) {
      const button = choice(en ? d.text_en : d.text, "", false);
      button.dataset.date = d.date;
      button.addEventListener("click", () => chooseDay(d.date));
      box.append(button);
    }
    $("no-days").hidden = days.length > 0;
    $("step-day").hidden = false;
    $("step-slot").hidden = true;
    $("step-person").hidden = true;
    if (days.length) chooseDay(days[0].date); // the soonest day, so the free slots show at once
  }

  async function chooseDay(date) {
    state.day = date;
    state.slot = null;
    for (const b of $("days").children) b.setAttribute("aria-pressed", String(b.dataset.date === date));
    $("step-person").hidden = true;
    await loadSlots();
  }

  async function loadSlots() {
    let data;
    try {
      data = await call("GET", `/slots?service=${encodeURIComponent(state.service)}&date=${state.day}`);
    } catch (err) {
      notice(explain(err));
      return;
    }
    const box = $("slots");
    box.replaceChildren();
    for (const s of data.slots) {
      const full = s.free <= 0 || !data.bookable;
      const button = choice(`${s.slot}–${s.slot_end}`, s.free > 0 ? TEXT.free(s.free) : TEXT.full, s.slot === state.slot, full);
      button.dataset.slot = s.slot;
      button.classList.toggle("full", s.free <= 0);
      button.addEventListener("click", () => chooseSlot(s));
      box.append(button);
    }
    $("closes").textContent = data.bookable ? TEXT.closes(momentText(data.closes_at)) : TEXT.closed;
    $("step-slot").hidden = false;
  }

  function chooseSlot(slot) {
    state.slot = slot.slot;
    state.pending = null; // a new request, so a new Idempotency-Key
    for (const b of $("slots").children) b.setAttribute("aria-pressed", String(b.dataset.slot === slot.slot));
    const service = state.services.find((s) => s.code === state.service);
    $("summary").textContent = TEXT.summary(serviceName(service), dayText(state.day), `${slot.slot}–${slot.slot_end}`);
    $("step-person").hidden = false;
    $("name").focus();
  }

  async function submit(event) {
    event.preventDefault();
    const name = $("name").value.trim();
    const phone = $("phone").value.trim();
    if (!name || name.length > 20) return notice(TEXT.badName);
    if (!/^[0-9]{4}$/.test(phone)) return notice(TEXT.badPhone);
    const body = { service: state.service, date: state.day, slot: state.slot, name, phone };
    // The same key while the same request is retried: a booking that did reach the server is not made twice.
    const same = state.pending && JSON.stringify(state.pending.body) === JSON.stringify(body);
    if (!same) state.pending = { body, key: newKey("book") };
    notice("");
    $("submit").disabled = true;
    $("submit").textContent = TEXT.booking;
    try {
      const booking = await call("POST", "/bookings", body, state.pending.key);
      state.pending = null;
      state.digits = phone;
      showBooking(booking, true);
    } catch (err) {
      notice(explain(err));
      if (err instanceof ApiError && (err.code === "slot_full" || err.code === "booking_closed")) loadSlots();
    } finally {
      $("submit").disabled = false;
      $("submit").textContent = en ? "Book" : "确认预约";
    }
  }

  // --- one booking: the code to keep, its state, and cancelling ----------------------------------------------

  function serviceLabel(code) {
    const s = state.services.find((x) => x.code === code);
    return s ? `${code} ${serviceName(s)}` : code;
  }

  function showBooking(b, fresh) {
    $("booking-form").hidden = true;
    $("lookup").hidden = true;
    $("booking").hidden = false;
    $("booking").dataset.state = b.state;
    $("booking-title").textContent = fresh ? TEXT.justBooked : TEXT.titles[b.state] || b.state;
    $("code").textContent = `${b.code.slice(0, 4)} ${b.code.slice(4)}`;
    $("code-qr").src = `/qr/booking/${encodeURIComponent(config.hall)}/${b.code}.svg`;
    $("b-service").textContent = serviceLabel(b.service);
    $("b-day").textContent = dayText(b.date);
    $("b-slot").textContent = `${b.slot}–${b.slot_end}`;
    $("b-name").textContent = b.name;
    $("b-phone").textContent = `*** ${b.phone}`;
    const number = b.ticket_number ? TEXT.number(b.ticket_number) : "";
    $("b-state").textContent = (TEXT.states[b.state] || b.state) + number;
    $("check-in-hint").hidden = b.state !== "booked";
    $("check-in-hint").textContent = TEXT.checkIn(dayText(b.date), clock(b.check_in_opens), clock(b.check_in_closes));
    $("cancel").hidden = b.state !== "booked";
    $("cancel-confirm").hidden = true;
    // This page's own address now names the booking, so reloading or bookmarking it shows the booking again.
    const url = new URL(location.href);
    url.searchParams.set("code", b.code);
    url.searchParams.delete("service");
    history.replaceState(null, "", url);
    fixLanguageLink();
  }

  // --- looking a booking up: its code and the phone's last four digits ---------------------------------------

  function openLookup(code) {
    notice("");
    $("booking-form").hidden = true;
    $("booking").hidden = true;
    $("lookup").hidden = false;
    if (code) $("lookup-code").value = code;
    $(code ? "lookup-phone" : "lookup-code").focus();
  }

  async function lookUp(event) {
    event.preventDefault();
    const code = $("lookup-code").value.replace(/[\s-]/g, "");
    const digits = $("lookup-phone").value.trim();
    if (!/^[0-9]{8}$/.test(code)) return notice(TEXT.badCode);
    if (!/^[0-9]{4}$/.test(digits)) return notice(TEXT.badPhone);
    notice("");
    $("lookup-submit").disabled = true;
    $("lookup-submit").textContent = TEXT.lookingUp;
    try {
      await state.loaded; // the category names, for the booking's facts
      const booking = await call("GET", `/bookings/${code}`, null, null, digits);
      state.digits = digits;
      showBooking(booking, false);
    } catch (err) {
      // The same words for an unknown code and wrong digits: the server answers both alike.
      notice(err instanceof ApiError && err.code === "unknown_booking" ? TEXT.unknown : explain(err));
    } finally {
      $("lookup-submit").disabled = false;
      $("lookup-submit").textContent = TEXT.lookUp;
    }
  }

  async function cancelBooking() {
    const code = new URL(location.href).searchParams.get("code");
    if (!state.digits) return openLookup(code);
    $("cancel-confirm").disabled = true;
    try {
      const path = `/bookings/${encodeURIComponent(code)}`;
      showBooking(await call("DELETE", path, null, newKey("cancel"), state.digits), false);
      notice("");
    } catch (err) {
      notice(explain(err));
    } finally {
      $("cancel-confirm").disabled = false;
    }
  }

  function bookAnother(event) {
    event.preventDefault();
    const url = new URL(location.href);
    url.searchParams.delete("code");
    location.href = url.href;
  }

  function backToBooking(event) {
    if (new URL(location.href).searchParams.has("code")) return bookAnother(event);
    event.preventDefault();
    notice("");
    $("lookup").hidden = true;
    $("booking-form").hidden = false;
  }

  // The language link keeps what the page shows (the category chosen, or the booking).
  function fixLanguageLink() {
    const url = new URL(location.href);
    url.searchParams.set("lang", en ? "zh" : "en");
    if (state.service && !url.searchParams.has("code")) url.searchParams.set("service", state.service);
    $("lang-switch").href = `${url.pathname}${url.search}`;
  }

  function start() {
    $("step-person").addEventListener("submit", submit);
    $("cancel").addEventListener("click", () => {
      $("cancel").hidden = true;
      $("cancel-confirm").hidden = false;
    });
    $("cancel-confirm").addEventListener("click", cancelBooking);
    $("again").addEventListener("click", bookAnother);
    $("lookup-back").addEventListener("click", backToBooking);
    $("lookup-open").addEventListener("click", () => openLookup(""));
    $("lookup").addEventListener("submit", lookUp);
    $("services").addEventListener("click", fixLanguageLink);
    fixLanguageLink();
    // The category names come with the bookable days; a booking's facts need them too.
    state.loaded = loadServices();
    // A booking's own address (its QR code, a reload) opens the look-up with the code: the digits are asked again.
    if (config.code) openLookup(config.code);
  }

  start();
})();
