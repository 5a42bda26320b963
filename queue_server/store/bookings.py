"""Bookings (预约) in Redis: book, cancel, check in, and turn the bookings nobody came for into no-shows.

Each change is one Lua script (``book``, ``cancel_booking``, ``check_in``, ``miss_bookings``) run through
:meth:`HallStore.run`, so it happens atomically with its event. What may be booked, and until when, is decided
by the pure :mod:`queue_server.core.appointments`. A booking is stored as JSON under its code; the fields the
statistics read are ``code``, ``service``, ``date``, ``slot``, ``slot_end``, ``name``, ``phone`` (last 4 digits),
``state`` ('booked' | 'checked_in' | 'cancelled' | 'no_show'), ``booked_at``, ``checked_in_at``, ``ticket_id``.

Whoever holds a code may look a booking up, cancel it or check it in only with the phone's last four digits too
(compared in constant time; wrong digits answer as an unknown code does), except the hall's own devices at
check-in, which pass ``digits=None``. The book script also holds each phone and each anonymous address to the
hall's limits (``per_phone_per_day``, ``per_phone_ahead``, ``per_address_per_day``).
"""

from __future__ import annotations

import hmac
import json
import logging
import re
import secrets
from datetime import date, datetime, timedelta
from typing import Any, cast

from queue_server.core.appointments import (
    LIMIT_CODES,
    check_in_window,
    clean_name,
    clean_phone,
    closed_error,
    last_day,
    limit_error,
    local_day,
    mask_name,
    person,
    requested_slot,
)
from queue_server.core.booking_records import Booking, CheckedIn
from queue_server.core.errors import Conflict, QueueError
from queue_server.core.hall import AppointmentPolicy
from queue_server.store import keys
from queue_server.store.hall_store import KEEP_DAYS, HallStore
from queue_server.store.tickets import new_ticket_id, new_ticket_key

log = logging.getLogger("tidequeue.bookings")

CODE_DIGITS = 8  # typable on a kiosk keypad; 10^8 codes for a few hundred bookings a week
CODE_ATTEMPTS = 5  # a new code is drawn when one is taken; five collisions in a row do not happen
MISS_BATCH = 500
MISS_EVERY_SECONDS = 60.0
PRIVATE_FIELDS = ("who", "opens_ms", "deadline_ms")
DAY_FIELD = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def valid_code(code: str) -> bool:
    return len(code) == CODE_DIGITS and code.isascii() and code.isdigit()


def public_booking(booking: dict[str, Any], masked: bool = False) -> Booking:
    """A booking as the API shows it: without the fields only the store needs; ``masked`` hides most of the
    name, for whoever holds the code but may not be the visitor."""
    view = {k: v for k, v in booking.items() if k not in PRIVATE_FIELDS}
    if masked:
        view["name"] = mask_name(str(view.get("name", "")))
    return cast(Booking, view)


class Bookings:
    """One hall's bookings; every method takes ``now``, so tests fix the clock."""

    def __init__(self, store: HallStore) -> None:
        self.store = store
        self.hall = store.hall

    async def book(
        self,
        now: datetime,
        service: str,
        day: date,
        slot_label: str,
        name: object,
        phone: object,
        idempotency: tuple[str, str] | None = None,
        anonymous: str = "",
    ) -> Booking:
        """Book a place: the new booking with its ``code``. Refuses, with a clear code, an unknown category or
        slot, a day without appointments or too far ahead, a full slot, a closed day, a second booking, and a
        phone or an address past the hall's limits. ``anonymous`` is an anonymous client's address (empty for the
        hall's own devices, which the per-address limit spares)."""
        clean, digits = clean_name(name), clean_phone(phone)
        slot = requested_slot(self.hall, service, day, slot_label, now)
        closed = closed_error(self.hall, day, now) is not None
        opens, closes = check_in_window(self.hall, slot)
        rules = self.hall.appointments or AppointmentPolicy()
        today = local_day(now, self.hall)
        ahead = [(today + timedelta(days=i)).isoformat() for i in range((last_day(self.hall, now) - today).days + 1)]
        args: dict[str, Any] = {
            "service": service, "date": day.isoformat(), "slot": slot.label, "slot_end": f"{slot.end:%H:%M}",
            "capacity": slot.capacity, "who": person(clean, digits), "name": clean, "phone": digits,
            "opens_ms": _ms(opens), "deadline_ms": _ms(closes), "opens": opens.isoformat(),
            "closes": closes.isoformat(), "closed": closed,
            "phone_day_limit": rules.per_phone_per_day, "phone_ahead_limit": rules.per_phone_ahead,
            "ahead_days": ahead, "holder": keys.pseudonym(anonymous), "holder_limit": rules.per_address_per_day,
            "today": today.isoformat(),
        }  # fmt: skip
        for _ in range(CODE_ATTEMPTS):
            try:
                answer = await self.store.run("book", now, {**args, "code": new_code()}, idempotency)
            except QueueError as e:
                if e.code == "booking_code_taken":
                    continue
                if e.code == "booking_closed":
                    raise closed_error(self.hall, day, now) or e from None
                if e.code in LIMIT_CODES:
                    held = e.details.get("held")
                    held = held if isinstance(held, int) else None
                    raise limit_error(e.code, self.hall, day, digits, now, held) from None
                raise
            return _with_replay(public_booking(answer["booking"]), answer)
        raise Conflict("预约码重复，请重试。", "No free booking code was found; try again.", "booking_code_taken")

    async def held(self, day: date, service: str, labels: list[str]) -> list[int]:
        """How many bookings each of these slots of ``service`` on ``day`` holds."""
        if not labels:
            return []
        fields = [f"{day.isoformat()}|{service}|{label}" for label in labels]
        raw = cast(list[str | None], await self.store.redis.hmget(keys.booking_slots(self.hall.id), fields))
        return [int(n or 0) for n in raw]

    async def get(self, code: str) -> dict[str, Any]:
        """The stored booking (private fields included); ``unknown_booking`` for a code nobody holds."""
        raw = await self.store.redis.hget(keys.bookings(self.hall.id), code) if valid_code(code) else None
        if raw is None:
            raise unknown_booking()
        booking: dict[str, Any] = json.loads(raw)
        return booking

    async def owned(self, code: str, digits: str | None) -> dict[str, Any]:
        """The stored booking when ``digits`` are its phone's last four (None: a hall device, no digits asked);
        wrong digits are ``unknown_booking``, exactly as a code nobody holds, so the answer never says that a
        guessed code exists. Compared in constant time."""
        booking = await self.get(code)
        if digits is not None and not hmac.compare_digest(str(booking.get("phone", "")).encode(), digits.encode()):
            raise unknown_booking()
        return booking

    async def status(self, code: str, digits: str) -> Booking:
        """The booking as its status page shows it, with the ticket's number once checked in."""
        booking = await self.owned(code, digits)
        view = public_booking(booking, masked=True)
        if booking.get("ticket_id"):
            view["ticket_number"] = await self._ticket_number(booking["ticket_id"])
        return view

    async def cancel(
        self, now: datetime, code: str, digits: str, idempotency: tuple[str, str] | None = None
    ) -> Booking:
        """取消预约: the place is free again at once."""
        await self.owned(code, digits)
        try:
            answer = await self.store.run("cancel_booking", now, {"code": code}, idempotency)
        except QueueError as e:
            raise await self._explained(e, code) from None
        return _with_replay(public_booking(answer["booking"], masked=True), answer)

    async def check_in(
        self, now: datetime, code: str, idempotency: tuple[str, str] | None = None, digits: str | None = None
    ) -> CheckedIn:
        """预约签到: ``{"ticket": ..., "booking": ...}``, the ticket a priority one of the booking's category.
        ``digits``: the phone's last four, asked of anyone but the hall's own devices (None)."""
        if digits is not None:
            await self.owned(code, digits)
        elif not valid_code(code):
            raise unknown_booking()
        try:
            answer = await self.store.run(
                "check_in", now, {"code": code, "id": new_ticket_id(self.hall.id), "key": new_ticket_key()}, idempotency
            )
        except QueueError as e:
            raise await self._explained(e, code) from None
        answer["booking"] = public_booking(answer["booking"], masked=True)
        return cast(CheckedIn, answer)

    async def miss(self, now: datetime, batch: int = MISS_BATCH) -> int:
        """Turn every booking past its check-in deadline into a no-show; returns how many."""
        total = 0
        while True:
            missed = int((await self.store.run("miss_bookings", now, {"batch": batch}))["missed"])
            total += missed
            if missed < batch:
                return total

    async def prune(self, now: datetime, keep_days: int = KEEP_DAYS) -> int:
        """Forget bookings (and their slot counts) of days more than ``keep_days`` ago, as tickets are forgotten,
        and what anonymous addresses booked on days before today (only today's count matters).

        Outside Lua on purpose, in small steps: a booking of an old day never changes again."""
        today = now.astimezone(self.hall.timezone).date()
        oldest = (today - timedelta(days=keep_days)).isoformat()
        booked, held = keys.bookings(self.hall.id), keys.booking_slots(self.hall.id)
        old_codes = [code for code, raw in await self._scan(booked) if _booking_day(raw) < oldest]
        old_fields = [
            field
            for field, _ in await self._scan(held)
            if _field_day(field) < (today.isoformat() if field.startswith("address|") else oldest)
        ]
        for key, old in ((booked, old_codes), (held, old_fields)):
            for i in range(0, len(old), 500):
                await self.store.redis.hdel(key, *old[i : i + 500])
        return len(old_codes)

    async def _scan(self, key: str) -> list[tuple[str, str]]:
        found: list[tuple[str, str]] = []
        async for item in self.store.redis.hscan_iter(key, count=500):
            found.append(cast(tuple[str, str], item))
        return found

    async def _explained(self, error: QueueError, code: str) -> QueueError:
        """The script's refusal, with what the visitor needs to know next: the check-in window, the day, or the
        ticket already given."""
        if error.code not in ("too_early", "too_late", "booking_missed", "not_today", "already_checked_in"):
            return error
        booking = await self.get(code)
        error.details = {
            "date": booking["date"],
            "slot": booking["slot"],
            "check_in_opens": booking["check_in_opens"],
            "check_in_closes": booking["check_in_closes"],
        }
        if error.code == "already_checked_in" and booking.get("ticket_id"):
            error.details["ticket_id"] = booking["ticket_id"]
            error.details["ticket_number"] = await self._ticket_number(booking["ticket_id"])
        return error

    async def _ticket_number(self, ticket_id: str) -> str | None:
        raw = await self.store.redis.hget(keys.tickets(self.hall.id), ticket_id)
        return str(json.loads(raw)["number"]) if raw else None


def _with_replay(view: Booking, answer: dict[str, Any]) -> Booking:
    """A replayed answer says so (the API turns it into the Idempotent-Replayed header)."""
    if answer.get("replayed"):
        view["replayed"] = True
    return view


def unknown_booking() -> QueueError:
    """A code nobody holds, or the wrong phone digits for it: the same answer, so a guesser learns nothing."""
    return QueueError("没有这个预约码，请核对。", "No booking with that code.", "unknown_booking", 404)


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _booking_day(raw: str) -> str:
    return str(json.loads(raw).get("date", ""))


def _field_day(field: str) -> str:
    """The day of a slots-hash field: "2026-12-05|B|09:00", or its second part in "who|2026-12-05|B",
    "phone|2026-12-05|1234" and "address|2026-12-04|<holder>"."""
    parts = field.split("|")
    return parts[0] if DAY_FIELD.match(parts[0]) else parts[1] if len(parts) > 1 else ""
