"""The records that travel between the store, the web edge and the clients, declared once.

A ticket, a window as screens see it, the hall snapshot, an event, a booking, and the answers of the HTTP API.
The Lua scripts write them as JSON; these types say what that JSON holds, and the OpenAPI document
(``/openapi.json``) is generated from them, so the description cannot drift from the types. A field that a
record holds only after something happened (``called_at`` once called) defaults to ``UNSET`` and is then absent
from the JSON, not null.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

TicketState = Literal["waiting", "called", "served", "skipped", "expired"]
EventType = Literal[
    "issued", "called", "recalled", "skipped", "completed", "requeued", "transferred", "expired", "paused",
    "resumed", "tidal_opened", "tidal_closed", "day_started", "hours", "booked", "booking_cancelled",
    "booking_missed", "heartbeat",
]  # fmt: skip
Moment = Annotated[
    str, Meta(description="ISO 8601 time with the hall's UTC offset", examples=["2026-12-01T10:00:00+08:00"])
]
Day = Annotated[str, Meta(description="A date, YYYY-MM-DD", examples=["2026-12-01"])]
Code = Annotated[str, Meta(description="A service category's letter (业务类别)", examples=["B"])]


class Record(Struct, kw_only=True, omit_defaults=True, forbid_unknown_fields=True):
    """The base of every record: fields by name, absent ones left out of the JSON."""


class Ticket(Record, kw_only=True):
    """A visitor's ticket (号) as the API and the channels show it."""

    id: Annotated[str, Meta(description="Unguessable id: the hall's id, a dot, 128 random bits")]
    number: Annotated[str, Meta(description="What the visitor reads and hears", examples=["B001"])]
    service: Code
    priority: Annotated[bool, Meta(description="绿色通道 or a booked visitor: called before walk-ins")]
    state: TicketState
    window: int | None = None
    business_day: Day
    issued_at: Moment
    ahead: int | UnsetType = UNSET  # while waiting: visitors ahead in its category
    clerk: str | UnsetType = UNSET
    recalls: int | UnsetType = UNSET
    called_at: Moment | UnsetType = UNSET
    last_called_at: Moment | UnsetType = UNSET
    skipped_at: Moment | UnsetType = UNSET
    requeued_at: Moment | UnsetType = UNSET
    transferred_at: Moment | UnsetType = UNSET
    transferred_from: Code | UnsetType = UNSET
    finished_at: Moment | UnsetType = UNSET
    tidal: bool | UnsetType = UNSET  # called at a switched tidal window (潮汐窗口)
    booking: str | UnsetType = UNSET  # the booking's code, for a booked visitor's ticket
    replayed: bool | UnsetType = UNSET  # a retried request (same Idempotency-Key) got the first answer


class TicketAnswer(Record, kw_only=True):
    """A window action's answer: the ticket it concerns, or null (nobody waits for ``call-next``)."""

    ticket: Ticket | None
    replayed: bool | UnsetType = UNSET


class TidalSwitch(Record, kw_only=True):
    """A tidal window's switch (潮汐窗口): the category it serves for now, and why."""

    service: Code
    manual: bool
    reason: str
    since: Moment
    cause: str | UnsetType = UNSET


class WindowState(Record, kw_only=True):
    number: int
    state: Literal["open", "paused"]


class WindowActionAnswer(Record, kw_only=True):
    """A window action's answer: ``ticket`` for call-next, recall, skip, complete and transfer (null when nobody
    waits for call-next), ``window`` for pause and resume."""

    ticket: Ticket | UnsetType | None = UNSET
    window: WindowState | UnsetType = UNSET
    replayed: bool | UnsetType = UNSET


class TidalWindow(Record, kw_only=True):
    number: int
    switched_to: TidalSwitch | None


class TidalAnswer(Record, kw_only=True):
    """The answer of a supervisor's tidal switch."""

    window: TidalWindow
    replayed: bool | None = None


class Opening(Record, kw_only=True):
    """Whether a category is open and issuing now (延时错时服务), and when that changes."""

    open: bool
    issuing: bool
    session: str | None = None
    session_en: str | None = None
    ends_at: Moment | None = None
    issuing_until: Moment | None = None
    next_opening: Moment | None = None


class Category(Record, kw_only=True):
    code: Code
    name: str
    name_en: str
    minutes: float
    waiting: int
    priority_waiting: int
    opening: Opening


class Window(Record, kw_only=True):
    """A window (窗口) as screens see it."""

    number: int
    services: list[Code]
    home_services: list[Code]
    policy: Literal["oldest", "order"]
    tidal: bool
    state: Literal["idle", "serving", "paused"]
    ticket: Ticket | None
    since: Moment | None
    served_today: int
    switched_to: TidalSwitch | None


class Hours(Record, kw_only=True):
    open: bool
    sessions: list[str]
    sessions_en: list[str]
    next_opening: Moment | None
    extended: bool  # 延时服务: no session runs, but those already in line are still being served
    next_opening_text: str | UnsetType = UNSET
    next_opening_text_en: str | UnsetType = UNSET


class HallInfo(Record, kw_only=True):
    id: str
    name: str
    name_en: str
    timezone: str
    announcement: dict[str, str]


class Snapshot(Record, kw_only=True):
    """The hall as a screen shows it, consistent with the stream up to ``last_event_id``."""

    hall: HallInfo
    business_day: Day
    now: Moment
    hours: Hours
    categories: list[Category]
    windows: list[Window]
    latest_calls: list[dict[str, Any]]
    last_event_id: str


class Event(Struct, kw_only=True, omit_defaults=True):
    """One event of a hall's stream, as the channels deliver it; the fields besides these depend on the type
    (a call carries ``ticket_id``, ``number``, ``service`` and ``window``)."""

    type: EventType
    at: Moment
    id: str | UnsetType = UNSET


class Booking(Record, kw_only=True):
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
    cancelled_at: Moment | UnsetType = UNSET
    missed_at: Moment | UnsetType = UNSET
    replayed: bool | UnsetType = UNSET


class Pong(Record, kw_only=True):
    pong: bool


class Health(Record, kw_only=True):
    ok: bool
    halls: list[str]


class HallName(Record, kw_only=True):
    id: str
    name: str
    name_en: str


class HallList(Record, kw_only=True):
    halls: list[HallName]


class ClerkName(Record, kw_only=True):
    username: str
    name: str


class SignedIn(Record, kw_only=True):
    """A clerk's token for one window, valid for ``expires_in`` seconds (a long working day)."""

    token: str
    expires_in: int
    clerk: ClerkName
    window: int


class WhoAmI(Record, kw_only=True):
    name: str
    window: int | None
    supervisor: bool


class SignedOut(Record, kw_only=True):
    signed_out: bool


class BookableDay(Record, kw_only=True):
    date: Day
    text: str
    text_en: str
    closes_at: Moment


class BookableService(Record, kw_only=True):
    code: Code
    name: str
    name_en: str
    days: list[BookableDay]


class BookingDays(Record, kw_only=True):
    """The categories that take bookings, and the days each can still be booked for."""

    hall: str
    services: list[BookableService]


class Slot(Record, kw_only=True):
    slot: str
    slot_end: str
    session: str
    session_en: str
    capacity: int
    booked: int
    free: int
    check_in_opens: Moment
    check_in_closes: Moment


class DaySlots(Record, kw_only=True):
    """A day's slots for one category, with the places still free."""

    service: Code
    date: Day
    closes_at: Moment
    bookable: bool
    slots: list[Slot]


class Statistics(Struct, kw_only=True):
    """Per category, window and hour for a day, a session or a range (统计); every figure is defined in
    docs/statistics.md."""

    hall: str


class Overtime(Struct, kw_only=True):
    """Each clerk's minutes after hours, on rest days and on holidays in a month, and the time off in lieu
    (调休) they add up to."""

    hall: str
    month: str
    clerks: list[dict[str, Any]]
    total_time_off_minutes: float


class Error(Struct, kw_only=True):
    """Every refusal: a stable code, the message in Chinese and in English, and details that depend on the code
    (``next_opening`` for ``closed``, ``slots`` for ``unknown_slot`` …)."""

    error: Annotated[str, Meta(examples=["unknown_service"])]
    message: str
    message_en: str


def schema_of(*types: Any) -> tuple[tuple[dict[str, Any], ...], dict[str, Any]]:
    """JSON Schemas of ``types`` and the components they refer to, for the OpenAPI document."""
    return msgspec.json.schema_components(types, ref_template="#/components/schemas/{name}")
