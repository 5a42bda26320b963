"""The appointments API (预约): free slots, booking, status, check-in and cancelling; thin handlers that parse,
call one :class:`~queue_server.store.bookings.Bookings` method and format the answer.

A booking code alone is not proof enough: looking a booking up or cancelling it also takes the last four digits of
the phone it was made with, in the ``X-Phone-Last4`` header (never in the URL, which access logs, proxies and
browser history keep), and so does a check-in from anyone but the hall's own devices (a kiosk, where the visitor
stands). Wrong digits answer as an unknown code does and count, like one, against the address's look-ups.
"""

from __future__ import annotations

import contextlib
from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from queue_server.core.appointments import (
    bookable_services,
    booking_closes_at,
    booking_days,
    check_in_window,
    clean_phone,
    day_slots,
    day_text,
)
from queue_server.core.booking_records import Booking, BookingDays, DaySlots
from queue_server.core.errors import InvalidRequest, NotFound
from queue_server.core.hall import Hall
from queue_server.core.records import Ticket
from queue_server.store.bookings import Bookings
from queue_server.web import access
from queue_server.web.api import answer, visitor_key
from queue_server.web.bodies import Book, Empty, body_of, calendar_day, fingerprint
from queue_server.web.context import context, hall_store
from queue_server.web.openapi import documented
from queue_server.web.responses import idempotency


def bookings_of(request: Request) -> Bookings:
    """The hall's bookings; ``no_appointments`` for a hall that takes none."""
    store = hall_store(request)
    if store.hall.appointments is None:
        raise NotFound("本大厅不接受预约。", "This hall takes no appointments.", "no_appointments")
    return Bookings(store)


def day_of(text: str | None) -> date:
    day = calendar_day(text)
    if day is None:
        raise InvalidRequest(
            f"日期格式应为 YYYY-MM-DD，收到 {text!r}。",
            f"The date must look like 2026-12-05, got {text!r}.",
            "invalid_date",
        )
    return day


PHONE_HEADER = "X-Phone-Last4"
PHONE_HEADER_TEXT = "The last 4 digits of the phone number the booking was made with, e.g. 1234"


def phone_digits(request: Request) -> str:
    """The phone's last four digits, from the ``X-Phone-Last4`` header."""
    raw = request.headers.get(PHONE_HEADER)
    if raw is None:
        raise InvalidRequest(
            f"请提供预约时所留手机号码的后四位（请求头 {PHONE_HEADER}）。",
            f"Give the last 4 digits of the phone number the booking was made with, in the {PHONE_HEADER} header.",
            "missing_phone_digits",
        )
    digits = raw.strip()
    if len(digits) != 4 or not digits.isascii() or not digits.isdigit():
        raise InvalidRequest(
            f"手机号码后四位应为 4 位数字（请求头 {PHONE_HEADER}）。",
            f"{PHONE_HEADER} must be the last 4 digits of the phone number, like 1234.",
            "invalid_phone_digits",
        )
    return digits


def query_service(request: Request) -> str:
    code = request.query_params.get("service")
    if not code:
        raise InvalidRequest("请指定业务，如 ?service=B。", "Say which category: ?service=B.", "missing_field")
    return code


@documented(
    "get",
    "预约: the categories that take bookings and the days each can be booked for",
    answers={200: BookingDays},
    errors=("no_appointments",),
)
async def booking_days_view(request: Request) -> JSONResponse:
    """``GET /api/halls/{hall}/booking-days``: the categories that take bookings and the days each can still be
    booked for, with when booking for each day closes."""
    bookings = bookings_of(request)
    hall, now = bookings.hall, context(request).clock.now()
    services = []
    for code in bookable_services(hall):
        category = hall.service(code)
        if category is None:
            continue
        days = [
            {"date": d.isoformat(), "text": day_text(d)[0], "text_en": day_text(d)[1],
             "closes_at": booking_closes_at(hall, d).isoformat()}
            for d in booking_days(hall, code, now)
        ]  # fmt: skip
        services.append({"code": code, "name": category.name, "name_en": category.name_en, "days": days})
    return JSONResponse({"hall": hall.id, "services": services})


@documented(
    "get",
    "预约: a day's slots for a category, with the places still free",
    answers={200: DaySlots},
    query={"service": "a category letter", "date": "YYYY-MM-DD"},
    errors=("no_appointments", "missing_field", "invalid_date", "unknown_service", "too_far_ahead"),
)
async def free_slots(request: Request) -> JSONResponse:
    """``GET /api/halls/{hall}/slots?service=B&date=2026-12-05``: the day's slots with how many places are free."""
    bookings = bookings_of(request)
    hall, now = bookings.hall, context(request).clock.now()
    service = query_service(request)
    day = day_of(request.query_params.get("date"))
    found = day_slots(hall, service, day, now)
    held = await bookings.held(day, service, [s.label for s in found])
    closes = booking_closes_at(hall, day)
    slots: list[dict[str, Any]] = []
    for slot, n in zip(found, held, strict=True):
        opens, deadline = check_in_window(hall, slot)
        slots.append(
            {
                "slot": slot.label,
                "slot_end": f"{slot.end:%H:%M}",
                "session": slot.session.name,
                "session_en": slot.session.name_en,
                "capacity": slot.capacity,
                "booked": n,
                "free": max(0, slot.capacity - n),
                "check_in_opens": opens.isoformat(),
                "check_in_closes": deadline.isoformat(),
            }
        )
    return JSONResponse(
        {
            "service": service,
            "date": day.isoformat(),
            "closes_at": closes.isoformat(),
            "bookable": now < closes,
            "slots": slots,
        }
    )


@documented(
    "post",
    "预约: book a place in a slot",
    body=Book,
    answers={201: Booking},
    idempotent=True,
    errors=(
        "no_appointments",
        "unknown_service",
        "invalid_date",
        "unknown_slot",
        "too_far_ahead",
        "invalid_name",
        "invalid_phone",
        "slot_full",
        "duplicate_booking",
        "booking_closed",
        "booking_code_taken",
        "phone_day_limit",
        "phone_ahead_limit",
        "too_many_bookings",
    ),
)
async def book(request: Request) -> JSONResponse:
    """``POST /api/halls/{hall}/bookings`` ``{"service", "date", "slot", "name", "phone"}``: 201 with the ``code``."""
    bookings = bookings_of(request)
    body = await body_of(request, Book)
    day = day_of(body.date)
    # The retry fingerprint never holds more of the phone number than the booking keeps.
    phone = clean_phone(body.phone)
    key = idempotency(request, {**fingerprint(body), "phone": phone})
    anonymous = access.caller(request, bookings.hall).anonymous
    now = context(request).clock.now()
    booking = await bookings.book(now, body.service, day, body.slot, body.name, phone, key, anonymous=anonymous)
    return answer(booking, status=201)


def guarded(
    request: Request, hall: Hall, who: access.Caller | None = None
) -> contextlib.AbstractAsyncContextManager[None]:
    """A look-up by code, counted against its address when the code is unknown or the digits wrong (guessing
    codes is refused)."""
    return access.guessing_guarded(context(request).limiter, hall, who or access.caller(request, hall))


LOOKUP_ERRORS = ("unknown_booking", "missing_phone_digits", "invalid_phone_digits", "too_many_lookups")


@documented(
    "get",
    "预约: a booking's state (the name only in part); needs the phone's last 4 digits",
    answers={200: Booking},
    headers={PHONE_HEADER: PHONE_HEADER_TEXT + " (required)"},
    errors=("no_appointments", *LOOKUP_ERRORS),
)
async def booking_status(request: Request) -> JSONResponse:
    """``GET /api/halls/{hall}/bookings/{code}`` with ``X-Phone-Last4``: the booking's state (the name shown only
    in part)."""
    bookings = bookings_of(request)
    digits = phone_digits(request)
    async with guarded(request, bookings.hall):
        return JSONResponse(await bookings.status(request.path_params["code"], digits))


@documented(
    "delete",
    "预约: cancel a booking; its place is given back; needs the phone's last 4 digits",
    answers={200: Booking},
    idempotent=True,
    headers={PHONE_HEADER: PHONE_HEADER_TEXT + " (required)"},
    errors=("no_appointments", *LOOKUP_ERRORS, "booking_cancelled", "already_checked_in", "booking_missed"),
)
async def cancel(request: Request) -> JSONResponse:
    """``DELETE /api/halls/{hall}/bookings/{code}`` with ``X-Phone-Last4``: the place is given back."""
    bookings = bookings_of(request)
    code = request.path_params["code"]
    digits = phone_digits(request)
    async with guarded(request, bookings.hall):
        data = await bookings.cancel(context(request).clock.now(), code, digits, idempotency(request, {}))
    return answer(data)


@documented(
    "post",
    "预约签到: a booked visitor checks in and gets a priority ticket",
    body=Empty,
    answers={201: Ticket},
    idempotent=True,
    headers={PHONE_HEADER: PHONE_HEADER_TEXT + " (required, except from the hall's own devices)"},
    errors=(
        "no_appointments",
        *LOOKUP_ERRORS,
        "already_checked_in",
        "booking_cancelled",
        "booking_missed",
        "not_today",
        "too_early",
        "too_late",
        "booking_service_gone",
        "ticket_id_taken",
    ),
)
async def check_in(request: Request) -> JSONResponse:
    """``POST /api/halls/{hall}/bookings/{code}/check-in``: 201 with the ticket, as issuing answers. A kiosk of
    the hall (a trusted device) checks in with the code alone: the visitor stands at it, in the hall. Anyone else
    gives the phone's last four digits too, so a code found or guessed cannot use up somebody's booking."""
    bookings = bookings_of(request)
    body = await body_of(request, Empty, required=False)
    code = request.path_params["code"]
    who = access.caller(request, bookings.hall)
    # A kiosk that sends digits anyway has them checked too.
    digits = None if who.trusted and PHONE_HEADER not in request.headers else phone_digits(request)
    key = idempotency(request, fingerprint(body))
    async with guarded(request, bookings.hall, who):
        data = await bookings.check_in(context(request).clock.now(), code, key, digits=digits)
    replayed = data.pop("replayed", False)
    ticket = data["ticket"]
    return answer({**ticket, **visitor_key(data), "replayed": replayed}, status=201)


routes = [
    Route("/api/halls/{hall}/booking-days", booking_days_view),
    Route("/api/halls/{hall}/slots", free_slots),
    Route("/api/halls/{hall}/bookings", book, methods=["POST"]),
    Route("/api/halls/{hall}/bookings/{code}", booking_status, methods=["GET"]),
    Route("/api/halls/{hall}/bookings/{code}", cancel, methods=["DELETE"]),
    Route("/api/halls/{hall}/bookings/{code}/check-in", check_in, methods=["POST"]),
]
