"""The records of bookings (预约): a booking, the days and slots open for booking, and a check-in, declared once
like the others of :mod:`queue_server.core.records` (the OpenAPI document is generated from them)."""

from __future__ import annotations

from typing import Annotated, Literal, NotRequired, TypedDict

from msgspec import Meta

from queue_server.core.records import Code, Day, Moment, Ticket


class Booking(TypedDict):
    """A booking (预约) of one slot; its code is what the visitor keeps."""

    code: str
    service: Code
    date: Day
    slot: Annotated[str, Meta(examples=["09:30"])]
    slot_end: str
    name: Annotated[str, Meta(description="In full only to whoever made the booking; masked elsewhere")]
    phone: Annotated[str, Meta(description="The last four digits")]
    state: Literal["booked", "checked_in", "cancelled", "no_show"]
    booked_at: Moment
    check_in_opens: Moment
    check_in_closes: Moment
    checked_in_at: Moment | None
    ticket_id: str | None
    ticket_number: NotRequired[str | None]  # once checked in, on the booking's status
    cancelled_at: NotRequired[Moment]
    missed_at: NotRequired[Moment]
    replayed: NotRequired[bool]


class BookableDay(TypedDict):
    date: Day
    text: str
    text_en: str
    closes_at: Moment


class BookableService(TypedDict):
    code: Code
    name: str
    name_en: str
    days: list[BookableDay]


class BookingDays(TypedDict):
    """The categories that take bookings, and the days each can still be booked for."""

    hall: str
    services: list[BookableService]


class Slot(TypedDict):
    slot: str
    slot_end: str
    session: str
    session_en: str
    capacity: int
    booked: int
    free: int
    check_in_opens: Moment
    check_in_closes: Moment


class DaySlots(TypedDict):
    """A day's slots for one category, with the places still free."""

    service: Code
    date: Day
    closes_at: Moment
    bookable: bool
    slots: list[Slot]


class CheckedIn(TypedDict):
    """预约签到 in the store: the priority ticket the booking became, and the booking."""

    ticket: Ticket
    booking: Booking
    key: NotRequired[str]  # the visitor's own secret for the ticket (see Ticket.key)
    replayed: NotRequired[bool]
