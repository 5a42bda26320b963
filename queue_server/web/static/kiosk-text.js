/*
 * kiosk-text.js: what the kiosk (取号机) says, in Chinese or English, and how it writes a moment for a visitor.
 *
 *   KioskText.words(en)                   the kiosk's wording in one language
 *   KioskText.clock(iso)                  "09:00" from ISO text in the hall's zone (already the hall's time)
 *   KioskText.openingText(iso, today, w)  "今天 13:30", "明天 09:00", "周六 09:00", "12月7日 周一 09:00"
 */
(function () {
  "use strict";

  const EN = {
    people: (n) => `${n} ${n === 1 ? "person" : "people"}`,
    minutes: (n) => (n === 0 ? "You are next" : `about ${n} min`),
    noWindow: "No window open for this service right now",
    ahead: (n) => `People ahead: ${n}`,
    issued: (t) => `Issued ${t}`,
    returning: (s) => `Back to the start in ${s} s`,
    unreachable: "Cannot reach the ticket server. Please try again, or ask the staff for help.",
    refused: (status) => `The server refused the ticket (${status}).`,
    reconnecting: "Connection lost, reconnecting… waiting counts may be out of date.",
    opensNext: (when) => `Opens ${when}`,
    notScheduled: "Not open at present",
    stopped: "No more tickets today",
    today: "Today",
    tomorrow: "Tomorrow",
    weekdays: ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"],
    date: (m, d, weekday) => `${weekday} ${d} ${MONTHS_EN[m - 1]}`,
    closedTitle: "No tickets for this service now",
    stoppedTitle: "No more tickets today",
    checkInFailed: "Check-in did not succeed",
    elder: {
      on: "Senior mode · 长辈模式",
      off: "Standard mode · 标准模式",
      page: (n, of) => `Page ${n} of ${of}`,
      choose: "Please choose a service.",
      choice: (code, name, n) => `${code}, ${name}, ${n === undefined ? "" : `${n} waiting`}`,
      more: "Tap Next for more services.",
      ticket: (number, ahead) => `Your number is ${number}. People ahead: ${ahead}.`,
      voice: "en-GB",
    },
    ticketFailed: "Sorry, no ticket was issued",
    checkIn: {
      unknown_booking: () => "There is no booking with this code. Please check the digits.",
      too_early: (d) => `Check-in for your ${d.slot} booking opens at ${clock(d.check_in_opens)}. Please come back then.`,
      too_late: (d) => `Check-in for your ${d.slot} booking closed at ${clock(d.check_in_closes)}. Please take a ticket.`,
      booking_missed: (d) => `Check-in closed at ${clock(d.check_in_closes)}; the booking has lapsed. Please take a ticket.`,
      not_today: (d) => `This booking is for ${d.date} (${d.slot}), not today.`,
      already_checked_in: (d) => `Already checked in: your number is ${d.ticket_number || "on your ticket"}.`,
      booking_cancelled: () => "This booking was cancelled.",
    },
  };
  const ZH = {
    people: (n) => `${n} 人`,
    minutes: (n) => (n === 0 ? "马上就到您" : `约 ${n} 分钟`),
    noWindow: "暂无窗口办理",
    ahead: (n) => `前面还有 ${n} 人`,
    issued: (t) => `取号时间 ${t}`,
    returning: (s) => `${s} 秒后自动返回`,
    unreachable: "无法连接取号服务器，请稍后重试或联系工作人员。Cannot reach the ticket server.",
    refused: (status) => `服务器拒绝了取号请求（${status}）。`,
    reconnecting: "连接中断，正在重连…等候人数可能不是最新。Reconnecting…",
    opensNext: (when) => `下次开放 ${when}`,
    notScheduled: "暂停办理",
    stopped: "今日已停止取号",
    today: "今天",
    tomorrow: "明天",
    weekdays: ["周日", "周一", "周二", "周三", "周四", "周五", "周六"],
    date: (m, d, weekday) => `${m}月${d}日 ${weekday}`,
    closedTitle: "该业务现在不能取号",
    stoppedTitle: "该业务今日已停止取号",
    checkInFailed: "签到没有成功",
    elder: {
      on: "长辈模式",
      off: "退出长辈模式",
      page: (n, of) => `第 ${n} / ${of} 页`,
      choose: "请选择业务。",
      choice: (code, name, n) => `${code}，${name}，${n === undefined ? "" : `等候 ${n} 人`}`,
      more: "更多业务请点下一页。",
      ticket: (number, ahead) => `您的号码是 ${number}，前面还有 ${ahead}。`,
      voice: "zh-CN",
    },
    ticketFailed: "抱歉，取号没有成功",
    checkIn: {
      unknown_booking: () => "没有这个预约码，请核对后重新输入。",
      too_early: (d) => `您预约的是 ${d.slot}，${clock(d.check_in_opens)} 起可以签到，请稍后再来。`,
      too_late: (d) => `您预约的 ${d.slot} 已过签到时间（${clock(d.check_in_closes)} 前），请现场取号。`,
      booking_missed: (d) => `签到时间已过（${clock(d.check_in_closes)} 前），预约已失效，请现场取号。`,
      not_today: (d) => `该预约是 ${d.date} ${d.slot} 的，不是今天。`,
      already_checked_in: (d) => `该预约已签到，您的号码是 ${d.ticket_number || "小票上的号码"}。`,
      booking_cancelled: () => "该预约已取消。",
    },
  };
  const MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  // ISO text in the hall's own zone: its clock time is already the hall's.
  function clock(iso) {
    return String(iso || "").slice(11, 16);
  }

  function words(en) {
    return en ? EN : ZH;
  }

  function dayNumber(iso) {
    const [y, m, d] = String(iso).slice(0, 10).split("-").map(Number);
    return Date.UTC(y, m - 1, d) / 86400000;
  }

  // ``today`` is the hall's date ("2026-12-05"); the weekday alone is enough within the coming week.
  function openingText(iso, today, w) {
    const day = dayNumber(iso);
    const when = new Date(day * 86400000);
    const weekday = w.weekdays[when.getUTCDay()];
    const ahead = today ? day - dayNumber(today) : 7;
    let text;
    if (ahead === 0) text = w.today;
    else if (ahead === 1) text = w.tomorrow;
    else if (ahead > 1 && ahead < 7) text = weekday;
    else text = w.date(when.getUTCMonth() + 1, when.getUTCDate(), weekday);
    return `${text} ${clock(iso)}`;
  }

  window.KioskText = { words, clock, openingText };
})();
