"""The exceptions the ticket server raises, each with a stable code and an HTTP status.

    QueueError
    ├── NotFound (404): UnknownHall, UnknownService, UnknownWindow, UnknownTicket
    ├── InvalidRequest (422 or 400, 413)
    ├── Conflict (409): the window or ticket is in a state that does not allow the action
    ├── Unauthorized (401): no token, or a token nobody issued
    ├── Forbidden (403): a clerk's token used at another window
    └── TooManyRequests (429): over a limit, with the seconds to wait

The Lua scripts answer with a code instead of raising; :func:`from_script` turns that code into one of these.
Every error says its message twice, in Chinese (``message``) and English (``message_en``).
"""

from __future__ import annotations

from typing import Any


class QueueError(Exception):
    """An error a client is told about: a stable ``code``, an HTTP ``status``, and the same message in Chinese
    (``message``, shown first) and English (``message_en``), which every error carries."""

    status = 500
    code = "internal_error"

    def __init__(
        self,
        message: str,
        message_en: str,
        code: str | None = None,
        status: int | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message_en)
        self.message = message
        self.message_en = message_en
        # More for the client than the message says, e.g. when a closed category opens next; merged into the
        # JSON error next to "error", "message" and "message_en".
        self.details = details or {}
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status


class NotFound(QueueError):
    status = 404
    code = "not_found"


class UnknownHall(NotFound):
    code = "unknown_hall"


class UnknownService(NotFound):
    code = "unknown_service"


class UnknownWindow(NotFound):
    code = "unknown_window"


class UnknownTicket(NotFound):
    code = "unknown_ticket"


class InvalidRequest(QueueError):
    status = 422
    code = "invalid_request"


class Conflict(QueueError):
    status = 409
    code = "conflict"


class Unauthorized(QueueError):
    status = 401
    code = "unauthorized"


class Forbidden(QueueError):
    status = 403
    code = "forbidden"


class TooManyRequests(QueueError):
    """Over a limit: the answer says, in ``Retry-After``, how many seconds to wait."""

    status = 429
    code = "too_many_requests"

    def __init__(self, message: str, message_en: str, code: str | None = None, retry_after: int = 1) -> None:
        super().__init__(message, message_en, code, details={"retry_after": retry_after})
        self.retry_after = retry_after


# Every code a Lua script may answer with (``answer_error`` in ``store/scripts/*.lua``): its kind, which sets the
# HTTP status, and its words. A test reads every script and fails on a code missing here.
SCRIPT_ERRORS: dict[str, tuple[type[QueueError], str, str]] = {
    "window_paused": (Conflict, "窗口已暂停服务，请先恢复。", "The window is paused (暂停); resume it first."),
    "issuing_closed": (
        Conflict,
        "该业务现在不再取号（不在办理时间或已过截止时间）。",
        "This category issues no more tickets now (outside its hours or past the cut-off).",
    ),
    "walk_ins_only": (
        Conflict,
        "该业务今日剩余号源留给到大厅现场取号的群众，网上已取完，请到大厅自助取号机取号。",
        "The places left today in this category are kept for visitors in the hall: take a ticket at a hall kiosk.",
    ),
    "ticket_held": (
        Conflict,
        "您已取了该业务的号 {number}，请留意叫号；这张号办结或过号后才能再取。",
        "You already hold ticket {number} in this category; you may take another once it is served or skipped.",
    ),
    "window_not_paused": (Conflict, "窗口没有暂停。", "The window is not paused."),
    "no_current_ticket": (
        Conflict,
        "窗口当前没有正在办理的号，请先呼叫下一位。",
        "The window has no ticket at the moment; call the next visitor first.",
    ),
    "ticket_not_skipped": (
        Conflict,
        "只有过号的票才能重新排队。",
        "Only a skipped (过号) ticket can be put back in line.",
    ),
    "ticket_from_another_day": (
        Conflict,
        "这张票属于之前的工作日，请重新取号。",
        "The ticket belongs to an earlier business day; take a new ticket.",
    ),
    "ticket_not_waiting": (
        Conflict,
        "{number} 号现在不在等候中（{state_zh}），不能特呼或转移。",
        "{number} is not waiting ({state}); it cannot be called by name or moved.",
    ),
    "not_served_here": (
        Conflict,
        "{number} 号办理的业务（{service}）不在本窗口办理范围内，请先转移到本窗口的业务。",
        "{number} is in category {service}, which this window does not serve; transfer it first.",
    ),
    "same_service": (InvalidRequest, "这张票已经在该业务中。", "The ticket is already in that category."),
    "unknown_ticket": (UnknownTicket, "没有这张票。", "No such ticket."),
    "unknown_service": (UnknownService, "本大厅没有这项业务。", "This hall has no such category."),
    "ticket_id_taken": (
        Conflict,
        "票号标识重复，请重试。",
        "That ticket id is already taken; try again (a new id is drawn each time).",
    ),
    "tidal_changed": (
        Conflict,
        "潮汐窗口刚刚被切换，请刷新后再试。",
        "The tidal window was switched meanwhile; look again.",
    ),
    "tidal_manual": (
        Conflict,
        "值班长已手动切换该潮汐窗口，请先解除。",
        "A supervisor switched this tidal window by hand; release it first.",
    ),
    "tidal_already_open": (Conflict, "该潮汐窗口已在办理这项业务。", "The tidal window already serves that category."),
    "tidal_not_open": (
        Conflict,
        "该潮汐窗口没有切换到其他业务。",
        "The tidal window is not switched to another category.",
    ),
    # The tidal desk: suggested switches and the back office's alerts (tidal_desk.lua, reserve.lua)
    "unknown_suggestion": (
        NotFound,
        "没有这条调度建议（可能已过期或已处理），请刷新。",
        "No such suggested switch (it may have expired or been dealt with); reload.",
    ),
    "unknown_alert": (
        NotFound,
        "没有这条支援请求（可能已过期或已撤回），请刷新。",
        "No such alert (it may have expired or been withdrawn); reload.",
    ),
    "alert_out": (
        Conflict,
        "{window} 号窗口已有一条支援请求。",
        "An alert for window {window} is already out.",
    ),
    "alert_taken": (Conflict, "这条支援请求已有同事接受。", "A colleague has already accepted this alert."),
    "reserve_busy": (
        Conflict,
        "您已在 {window} 号窗口支援，请先在那里签退。",
        "You are already at window {window}; sign out there first.",
    ),
    "not_reserved": (
        Conflict,
        "{window} 号窗口没有后台人员在岗。",
        "No back-office clerk sits at window {window}.",
    ),
    "slot_full": (Conflict, "这个时段已约满，请选择其他时段。", "That slot is fully booked; choose another."),
    "duplicate_booking": (Conflict, "您已预约过当天的这项业务。", "You already booked this service for that day."),
    "booking_closed": (Conflict, "这一天的预约已截止。", "Booking for that day has closed."),
    "booking_code_taken": (Conflict, "预约码重复，请重试。", "That booking code is taken; try again."),
    "unknown_booking": (NotFound, "没有这个预约码，请核对。", "No booking with that code."),
    "already_checked_in": (Conflict, "该预约已签到。", "This booking is already checked in."),
    "booking_cancelled": (Conflict, "该预约已取消。", "This booking was cancelled."),
    "booking_missed": (Conflict, "签到时间已过，预约已失效，请现场取号。", "Check-in time has passed; take a ticket."),
    "not_today": (Conflict, "该预约不是今天的。", "This booking is for another day."),
    "too_early": (Conflict, "还没到签到时间。", "Check-in for this booking has not opened yet."),
    "too_late": (Conflict, "签到时间已过，请现场取号。", "Check-in for this booking has closed; take a ticket."),
    "booking_service_gone": (Conflict, "该业务已不再办理。", "The hall no longer offers this service."),
    # The booking limits; the store words them again with the day and the counts (core.appointments.limit_error).
    "phone_day_limit": (
        Conflict,
        "这个手机号当天的预约已达上限。",
        "This phone already holds the most bookings allowed on that day.",
    ),
    "phone_ahead_limit": (
        Conflict,
        "这个手机号尚未办理的预约已达上限。",
        "This phone already holds the most upcoming bookings allowed.",
    ),
    "too_many_bookings": (
        TooManyRequests,
        "这个网络地址今天的预约次数已达上限，请明天再约。",
        "This address has made the most bookings allowed today; try again tomorrow.",
    ),
    # 好差评 (rate.lua, case_step.lua)
    "not_served": (Conflict, "这张票还没有办结，办结后才能评价。", "The ticket has not been served yet; rate it then."),
    "already_rated": (Conflict, "这次服务已经评价过了，谢谢您。", "This service has already been rated. Thank you."),
    "rating_closed": (
        Conflict,
        "已超过评价时间（办结后 {minutes} 分钟内）。",
        "Too late to rate: a service is rated within {minutes} minutes of being served.",
    ),
    "nothing_to_rate": (
        Conflict,
        "{window} 号窗口今天还没有办结的服务可以评价。",
        "Window {window} has served nobody today to rate.",
    ),
    "unknown_case": (NotFound, "没有这个差评工单。", "No such case."),
    "step_out_of_order": (
        Conflict,
        "工单当前状态不能进行这一步，请刷新后按顺序办理。",
        "The case is not in the state this step follows; reload and take the steps in order.",
    ),
    "idempotency_key_reused": (
        InvalidRequest,
        "这个 Idempotency-Key 已用于另一个请求。",
        "This Idempotency-Key was already used for a different request.",
    ),
}


def from_script(code: str, details: dict[str, Any] | None = None) -> QueueError:
    """The typed error for a script's answer, its words filled in from ``details`` (which the client gets too); a
    code missing from :data:`SCRIPT_ERRORS` is a server fault."""
    known = SCRIPT_ERRORS.get(code)
    if known is None:
        return QueueError("服务器内部错误。", f"Unexpected answer from the store: {code}")
    kind, zh, en = known
    if details:
        zh, en = zh.format_map(details), en.format_map(details)
    error = kind(zh, en, code=code)
    error.details = dict(details or {})
    return error
