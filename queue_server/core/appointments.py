"""Appointments (预约): which slots a category can be booked in, when booking for a day closes, who may book, and
when a booked visitor may check in.

Each session with ``appointments = true`` that runs on a day and serves a category is cut into slots of
``slot_minutes`` from its start; a shorter remainder at the session's end is not offered. Booking for a day
closes at ``close_time`` on the last working day before it (Chengdu stops weekend booking at 16:00 on Friday), so
the hall can staff the right windows. A booked visitor checks in at the kiosk from ``early_minutes`` before the
slot starts until ``grace_minutes`` after (start inclusive, end exclusive); a booking not checked in by then is a
no-show and its place is released. A checked-in visitor gets a priority ticket: booked visitors are called before
walk-ins of the same category.

A hall also limits how much one client may book (``per_phone_per_day``, ``per_phone_ahead`` for the last four digits
of a phone; ``per_address_per_day`` for an anonymous client's address): the book script counts them atomically,
and :func:`limit_error` words its refusals.

Pure: every function takes ``now`` where time matters; no Redis, no I/O. The store side is
:mod:`queue_server.store.bookings`; the ``[appointments]`` table is read by :mod:`queue_server.config.appointments`.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from queue_server.core.errors import Conflict, InvalidRequest, NotFound, QueueError, TooManyRequests, UnknownService
from queue_server.core.hall import AppointmentPolicy, Session
from queue_server.core.holidays import day_kind
from queue_server.core.hours import serves, sessions_on

if TYPE_CHECKING:
    from queue_server.core.hall import Hall

NAME_MAX = 20
PHONE_DIGITS = 4  # only the last four digits of a phone number are kept: enough to tell two bookings apart
PHONE_MAX = 15  # the longest international number (E.164); a longer "number" is a typing mistake
WORKDAY_SEARCH = 60  # the Spring Festival block is the longest run of rest days; this is far more
WEEKDAYS_ZH = "一二三四五六日"
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class Slot:
    """One bookable slot [start, end) of one category on one day; times are aware, in the hall's zone."""

    service: str
    day: date
    start: datetime
    end: datetime
    session: Session
    capacity: int

    @property
    def label(self) -> str:
        """The slot as the API names it: its start, "09:30"."""
        return f"{self.start:%H:%M}"

    @property
    def key(self) -> str:
        """The field of the booking-slots hash that counts this slot's bookings: "2026-12-05|B|09:30"."""
        return f"{self.day.isoformat()}|{self.service}|{self.label}"


def slots(hall: Hall, service: str, day: date) -> list[Slot]:
    """The slots of ``service`` on ``day``, by start time; empty when nothing can be booked that day."""
    rules = hall.appointments
    if rules is None or hall.service(service) is None or rules.capacity_of(service) < 1:
        return []
    step = timedelta(minutes=rules.slot_minutes)
    found: dict[str, Slot] = {}
    for session in sessions_on(day, hall, service):
        if not session.appointments:
            continue
        start = datetime.combine(day, session.start, tzinfo=hall.timezone)
        end = datetime.combine(day, session.end, tzinfo=hall.timezone)
        while start + step <= end:
            slot = Slot(service, day, start, start + step, session, rules.capacity_of(service))
            found.setdefault(slot.label, slot)  # two overlapping appointment sessions offer a start once
            start += step
    return sorted(found.values(), key=lambda s: s.start)


def find_slot(hall: Hall, service: str, day: date, label: str) -> Slot | None:
    return next((s for s in slots(hall, service, day) if s.label == label), None)


def bookable_services(hall: Hall) -> list[str]:
    """The categories some appointment session serves, with room for at least one booking per slot."""
    rules = hall.appointments
    if rules is None:
        return []
    return [
        s.code
        for s in hall.services
        if rules.capacity_of(s.code) > 0 and any(x.appointments and serves(x, hall, s.code) for x in hall.sessions)
    ]


def booking_closes_at(hall: Hall, day: date) -> datetime:
    """When booking for ``day`` closes: ``close_time`` on the last working day before it (a 调休 Saturday counts
    as a working day; holidays and closed days do not). Friday 16:00 for a weekend."""
    rules = hall.appointments or AppointmentPolicy()
    before = day - timedelta(days=1)
    for _ in range(WORKDAY_SEARCH):
        if day_kind(before, hall.calendar) == "workday":
            break
        before -= timedelta(days=1)
    else:
        before = day - timedelta(days=1)  # no working day at all in the calendar: the day before
    return datetime.combine(before, rules.close_time, tzinfo=hall.timezone)


def check_in_window(hall: Hall, slot: Slot) -> tuple[datetime, datetime]:
    """[opens, closes): when the slot's visitors may check in; at ``closes`` a booking left is a no-show."""
    rules = hall.appointments or AppointmentPolicy()
    return slot.start - timedelta(minutes=rules.early_minutes), slot.start + timedelta(minutes=rules.grace_minutes)


def local_day(now: datetime, hall: Hall) -> date:
    _check_aware(now)
    return now.astimezone(hall.timezone).date()


def last_day(hall: Hall, now: datetime) -> date:
    """The furthest day that may be booked at ``now``."""
    rules = hall.appointments or AppointmentPolicy()
    return local_day(now, hall) + timedelta(days=rules.days_ahead)


def booking_days(hall: Hall, service: str, now: datetime) -> list[date]:
    """The days ``service`` can still be booked for at ``now``: with slots, before their cut-off, within reach."""
    today = local_day(now, hall)
    days = (today + timedelta(days=i) for i in range((last_day(hall, now) - today).days + 1))
    return [d for d in days if slots(hall, service, d) and now < booking_closes_at(hall, d)]


def requested_slot(hall: Hall, service: str, day: date, label: str, now: datetime) -> Slot:
    """The slot a visitor asks for, or the error that says plainly why there is no such slot to book. Whether
    booking for the day has closed is :func:`closed_error`'s answer, asked separately: the store decides it after
    replaying a retried request, so a request booked just before the cut-off and retried after still succeeds."""
    found = day_slots(hall, service, day, now)
    slot = next((s for s in found if s.label == label), None)
    if slot is None:
        labels = [s.label for s in found]
        raise InvalidRequest(
            f"{day} 没有 {label} 这个时段（可选：{'、'.join(labels)}）。",
            f"No slot {label!r} on {day} (slots: {', '.join(labels)}).",
            "unknown_slot",
            details={"slots": labels},
        )
    return slot


def day_slots(hall: Hall, service: str, day: date, now: datetime) -> list[Slot]:
    """The slots of a day a visitor asks about; errors for an unknown category, a day too far ahead, or a day
    without appointments (with the next day that can be booked, if any)."""
    category = hall.service(service)
    if category is None:
        known = ", ".join(f"{s.code} {s.name}" for s in hall.services)
        raise UnknownService(f"没有 {service!r} 这个业务。", f"No category {service!r} (categories: {known}).")
    furthest = last_day(hall, now)
    if day > furthest:
        raise InvalidRequest(
            f"只能预约 {furthest} 及以前的日期。",
            f"Bookings open {(furthest - local_day(now, hall)).days} days ahead: up to {furthest}.",
            "too_far_ahead",
            details={"last_date": furthest.isoformat()},
        )
    found = slots(hall, service, day)
    if not found:
        upcoming = booking_days(hall, service, now)
        zh, en = day_text(day)
        raise NotFound(
            f"{zh}「{category.name}」没有可预约的时段。",
            f"{category.name_en}: no appointments on {en}.",
            "no_appointments",
            details={"next_date": upcoming[0].isoformat() if upcoming else None},
        )
    return found


def closed_error(hall: Hall, day: date, now: datetime) -> Conflict | None:
    """``booking_closed`` with when it closed, once booking for ``day`` has closed at ``now``; else None."""
    closes = booking_closes_at(hall, day)
    if now < closes:
        return None
    zh, en = moment_text(closes)
    return Conflict(
        f"{day} 的预约已于 {zh} 截止。",
        f"Booking for {day} closed at {en}.",
        "booking_closed",
        details={"closes_at": closes.isoformat()},
    )


LIMIT_CODES = ("phone_day_limit", "phone_ahead_limit", "too_many_bookings")


def limit_error(code: str, hall: Hall, day: date, phone: str, now: datetime, held: int | None = None) -> QueueError:
    """A booking refused by one of the hall's limits (``code`` in :data:`LIMIT_CODES`, as the book script answers
    it), worded with the day, the phone's last digits and the counts; ``held`` is what the script counted."""
    rules = hall.appointments or AppointmentPolicy()
    if code == "phone_day_limit":
        limit = rules.per_phone_per_day
        n, (zh, en) = held or limit, day_text(day)
        return Conflict(
            f"尾号 {phone} 的手机号在 {zh} 已有 {n} 个预约，每个手机号每天最多预约 {limit} 个。",
            f"The phone ending {phone} already has {n} bookings on {en}; a phone may hold at most {limit} a day.",
            "phone_day_limit",
            details={"date": day.isoformat(), "held": n, "limit": limit},
        )
    if code == "phone_ahead_limit":
        limit = rules.per_phone_ahead
        n = held or limit
        return Conflict(
            f"尾号 {phone} 的手机号已有 {n} 个尚未办理的预约，最多 {limit} 个；请先取消不需要的预约。",
            f"The phone ending {phone} already holds {n} upcoming bookings, the most allowed ({limit}); "
            "cancel one you no longer need first.",
            "phone_ahead_limit",
            details={"held": n, "limit": limit},
        )
    # too_many_bookings: counted per calendar day, so the wait runs to the hall's next midnight
    limit = rules.per_address_per_day
    midnight = datetime.combine(local_day(now, hall) + timedelta(days=1), time(0), tzinfo=hall.timezone)
    wait = max(1, math.ceil(midnight.timestamp() - now.timestamp()))
    return TooManyRequests(
        f"这个网络地址今天已预约 {held or limit} 次，每天最多 {limit} 次；请明天再约，或到大厅服务台预约。",
        f"This address has made {held or limit} bookings today, the most allowed ({limit}); book again tomorrow, "
        "or at the hall's service desk.",
        "too_many_bookings",
        retry_after=wait,
    )


def clean_name(value: object) -> str:
    """The visitor's name as kept: Unicode-normalised, spaces collapsed, 1 to 20 characters, no control
    characters. Only a name is asked for: enough for the clerk to greet the right person."""
    text = " ".join(unicodedata.normalize("NFKC", value).split()) if isinstance(value, str) else ""
    if not text or len(text) > NAME_MAX or any(unicodedata.category(c).startswith("C") for c in text):
        raise InvalidRequest(
            f"请填写姓名（1–{NAME_MAX} 个字）。", f"Give a name of 1 to {NAME_MAX} characters.", "invalid_name"
        )
    return text


def clean_phone(value: object) -> str:
    """The last four digits of the visitor's phone number. Four digits are asked for; a whole number (spaces,
    dashes and a leading + allowed) is accepted too, and only its last four digits are kept, never the rest."""
    text = re.sub(r"[\s-]", "", unicodedata.normalize("NFKC", value)) if isinstance(value, str) else ""
    digits = text.removeprefix("+")
    if not digits.isascii() or not digits.isdigit() or not PHONE_DIGITS <= len(digits) <= PHONE_MAX:
        raise InvalidRequest(
            "请填写手机号码后四位数字。", "Give the last 4 digits of your phone number.", "invalid_phone"
        )
    return digits[-PHONE_DIGITS:]


def person(name: str, phone: str) -> str:
    """Who books, for the one-booking-per-category-per-day rule: the name without case or spaces, and the digits.
    It never contains "|", so "who|date|category" fields of the slots hash cannot be confused."""
    return "".join(name.casefold().split()).replace("|", "/") + "#" + phone


def mask_name(name: str) -> str:
    """A name as the status page shows it to whoever holds the code: 张三 → 张*, Li Lei → L*****."""
    return name[:1] + "*" * max(1, len(name) - 1)


def day_text(day: date) -> tuple[str, str]:
    """("12月5日 周六", "Sat 5 Dec")."""
    months = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    zh = f"{day.month}月{day.day}日 周{WEEKDAYS_ZH[day.weekday()]}"
    return zh, f"{WEEKDAYS_EN[day.weekday()]} {day.day} {months[day.month - 1]}"


def moment_text(moment: datetime) -> tuple[str, str]:
    """("12月4日 周五 16:00", "Fri 4 Dec 16:00"), in the moment's own zone."""
    zh, en = day_text(moment.date())
    return f"{zh} {moment:%H:%M}", f"{en} {moment:%H:%M}"


def _check_aware(now: datetime) -> None:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
