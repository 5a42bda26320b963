// The caller pad's words: Chinese first, English with ?lang=en. A refusal is told in the clerk's language, from the
// API's own message (message / message_en), never as an HTTP status.
"use strict";

window.CallerText = function (en, serviceName) {
  const TEXT = en
    ? {
        who: (s) => `Window ${s.window} · ${s.clerk.name} (${s.clerk.username})`,
        idle: "Idle",
        serving: "Serving",
        paused: "Paused",
        pause: "Pause",
        resume: "Resume",
        priority: "priority lane",
        recalls: (n) => `called again ${n}×`,
        nobody: "Nobody is waiting for this window.",
        called: (t) => `Called ${t.number}.`,
        recalled: (t) => `Called ${t.number} again.`,
        skipped: (t) => `${t.number} marked as a no-show.`,
        completed: (t) => `${t.number} is done.`,
        transferred: (t) => `${t.number} moved to ${serviceName(t.service)} (${t.ahead} ahead).`,
        pausedNow: "The window is paused; nobody new is called.",
        resumedNow: "The window is open again.",
        unreachable: "Cannot reach the server; the request may not have arrived. Press the same button again to retry safely.",
        signedOut: "Signed out.",
        specialCalled: (t) => `Called ${t.number} by number (special call).`,
        requeued: (t) => `${t.number} is back in line (${t.ahead} ahead).`,
        completedCase: (t) => `${t.number} is done, case number ${t.case_number}.`,
        booked: "booked",
        movedFrom: (name) => `from ${name}`,
        waited: (m) => `waited ${Math.floor(m)} min`,
        skippedAt: (at) => (at ? `skipped at ${at.slice(11, 16)}` : "skipped"),
        callThis: "Call",
        callThisLabel: (n) => `Call ${n} now`,
        requeue: "Back in line",
        requeueLabel: (n) => `Put ${n} back in line`,
        noNumber: "Type the number to call, e.g. A012.",
        reconnecting: "Connection lost, reconnecting… the numbers shown may be out of date.",
      }
    : {
        who: (s) => `${s.window} 号窗口 · ${s.clerk.name}（${s.clerk.username}）`,
        idle: "空闲",
        serving: "办理中",
        paused: "已暂停",
        pause: "暂停",
        resume: "恢复",
        priority: "绿色通道",
        recalls: (n) => `已重呼 ${n} 次`,
        nobody: "本窗口暂无等候的号码。",
        called: (t) => `已呼叫 ${t.number}。`,
        recalled: (t) => `已重呼 ${t.number}。`,
        skipped: (t) => `${t.number} 已过号。`,
        completed: (t) => `${t.number} 已办结。`,
        transferred: (t) => `${t.number} 已转到「${serviceName(t.service)}」（前面 ${t.ahead} 人）。`,
        pausedNow: "窗口已暂停，不再叫新号。",
        resumedNow: "窗口已恢复。",
        unreachable: "无法连接服务器，请求可能没有送达。再按一次同一按钮可安全重试。Cannot reach the server.",
        signedOut: "已退出登录。",
        specialCalled: (t) => `已特呼 ${t.number}。`,
        requeued: (t) => `${t.number} 已重新排队（前面 ${t.ahead} 人）。`,
        completedCase: (t) => `${t.number} 已办结，办件编号 ${t.case_number}。`,
        booked: "预约",
        movedFrom: (name) => `由「${name}」转入`,
        waited: (m) => `已等 ${Math.floor(m)} 分钟`,
        skippedAt: (at) => (at ? `${at.slice(11, 16)} 过号` : "过号"),
        callThis: "特呼",
        callThisLabel: (n) => `特呼 ${n}`,
        requeue: "重新排队",
        requeueLabel: (n) => `${n} 重新排队`,
        noNumber: "请输入要特呼的号码，如 A012。",
        reconnecting: "连接中断，正在重连…显示的数字可能不是最新。Reconnecting…",
      };

  // Short Chinese words for the commonest refusals, put before the API's own Chinese message.
  const ERROR_WORDS = {
    bad_credentials: "用户名或密码错误",
    wrong_window: "不能在这个窗口操作",
    window_paused: "窗口已暂停，请先恢复",
    window_not_paused: "窗口没有暂停",
    no_current_ticket: "当前没有正在办理的号码",
    same_service: "该号码已经在这个业务类别",
    bad_token: "登录已失效，请重新登录",
    missing_token: "请先登录",
    unknown_window: "没有这个窗口",
  };

  const ANSWER_TEXT = {
    "call-next": (d) => (d.ticket ? TEXT.called(d.ticket) : TEXT.nobody),
    recall: (d) => TEXT.recalled(d.ticket),
    skip: (d) => TEXT.skipped(d.ticket),
    complete: (d) => (d.ticket.case_number ? TEXT.completedCase(d.ticket) : TEXT.completed(d.ticket)),
    call: (d) => TEXT.specialCalled(d.ticket),
    requeue: (d) => TEXT.requeued(d.ticket),
    transfer: (d) => TEXT.transferred(d.ticket),
    pause: () => TEXT.pausedNow,
    resume: () => TEXT.resumedNow,
  };

  return { TEXT, ERROR_WORDS, ANSWER_TEXT };
};
