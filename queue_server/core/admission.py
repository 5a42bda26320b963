"""Why a ticket is refused outside the hall's hours, in words a visitor at the kiosk understands.

The decision itself is made atomically in the issue script (against :func:`queue_server.core.hours.max_waiting`);
this module only explains a refusal: closed now, or no longer issuing today (the line would not be served
before the session ends plus its extension), and when the category opens next, with a pointer to booking
(预约) when that session takes appointments. Pure: takes ``now``.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import quote

from queue_server.core.errors import Conflict
from queue_server.core.hours import current_session, next_opening, opening

if TYPE_CHECKING:
    from queue_server.core.hall import Hall

WEEKDAYS_ZH = "一二三四五六日"
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def walk_in_reserve(max_waiting: int | None, share: float) -> int:
    """Of the places a session can still serve, how many only walk-ins (tickets from a hall kiosk) may take.

    ``max_waiting + 1`` newcomers can still be served today (see :func:`queue_server.core.hours.max_waiting`);
    ``share`` of them, rounded up, are kept, so a script that floods the line from the internet stops while a
    visitor at the kiosk still gets a ticket. No cut-off (a hall open at all hours): nothing to keep.
    """
    if max_waiting is None or max_waiting < 0:
        return 0
    return math.ceil(round((max_waiting + 1) * share, 9))  # 10 × 0.3 is 3, not 3.0000000000000004


def moment_text(moment: datetime, hall: Hall) -> tuple[str, str]:
    """A moment as a visitor reads it, in the hall's zone: ("11月28日 周六 09:00", "Sat 28 Nov 09:00")."""
    local = moment.astimezone(hall.timezone)
    zh = f"{local.month}月{local.day}日 周{WEEKDAYS_ZH[local.weekday()]} {local:%H:%M}"
    en = f"{WEEKDAYS_EN[local.weekday()]} {local.day} {MONTHS_EN[local.month - 1]} {local:%H:%M}"
    return zh, en


def booking_path(hall: Hall, service: str, moment: datetime | None) -> str | None:
    """The booking page for ``service`` when the session opening at ``moment`` takes appointments."""
    if moment is None:
        return None
    session = current_session(moment, hall, service)
    if session is None or not session.appointments:
        return None
    return f"/book/{quote(hall.id)}?service={quote(service)}"


def refusal(now: datetime, hall: Hall, service: str, waiting: int) -> Conflict:
    """The 409 for a ticket the issue script refused (``issuing_closed``) at ``now``."""
    category = hall.service(service)
    if category is None:
        raise ValueError(f"unknown category {service!r}")
    state = opening(now, hall, service, waiting)
    upcoming = next_opening(now, hall, service)
    if upcoming is None:
        when_zh, when_en = "暂无安排", "not scheduled"
    else:
        when_zh, when_en = moment_text(upcoming, hall)
    if state.open:
        code = "issuing_closed"
        zh = f"「{category.name}」今日已停止取号（排队的群众需在本时段内办完）。下次开放：{when_zh}。"
        en = f"{category.name_en}: no more tickets today, so that everyone in line is served. Opens next: {when_en}."
    else:
        code = "closed"
        zh = f"「{category.name}」现在不在办理时间。下次开放：{when_zh}。"
        en = f"{category.name_en} is closed now. Opens next: {when_en}."
    booking = booking_path(hall, service, upcoming)
    if booking:
        zh += "该时段可预约。"
        en += " That session takes appointments."
    details = {
        "service": service,
        "next_opening": upcoming.isoformat() if upcoming else None,
        "next_opening_text": when_zh,
        "next_opening_text_en": when_en,
        "issuing_until": state.issuing_until.isoformat() if state.issuing_until else None,
        "booking": booking,
    }
    return Conflict(zh, en, code, details=details)
