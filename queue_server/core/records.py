"""The records that travel between the store, the web edge and the clients, declared once.

A ticket, a window as screens see it, the hall snapshot, an event, and the answers of the HTTP API (the bookings'
in :mod:`queue_server.core.booking_records`, the tidal desk's in :mod:`queue_server.core.tidal_records`).
The Lua scripts write them as JSON and the code passes them on as plain dicts; these TypedDicts say what each
holds, so the type checker follows them from the store to the web edge, and the OpenAPI document
(``/openapi.json``) is generated from the same types, so the description cannot drift. A field that a record holds
only after something happened (``called_at`` once called) is ``NotRequired``: absent from the JSON, not null.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, NotRequired, TypedDict

import msgspec
from msgspec import Meta

TicketState = Literal["waiting", "called", "served", "skipped", "expired"]
EventType = Literal[
    "issued", "called", "recalled", "skipped", "completed", "requeued", "transferred", "expired", "paused",
    "resumed", "tidal_opened", "tidal_closed", "day_started", "hours", "booked", "booking_cancelled",
    "booking_missed", "heartbeat", "clerk_changed", "rated",
    "tidal_suggested", "tidal_suggestion_closed", "alert", "alert_closed", "reserve_accepted", "reserve_released",
]  # fmt: skip
Moment = Annotated[
    str, Meta(description="ISO 8601 time with the hall's UTC offset", examples=["2026-12-01T10:00:00+08:00"])
]
Day = Annotated[str, Meta(description="A date, YYYY-MM-DD", examples=["2026-12-01"])]
Code = Annotated[str, Meta(description="A service category's letter (业务类别)", examples=["B"])]


class Ticket(TypedDict):
    """A visitor's ticket (号) as the API and the channels show it."""

    id: Annotated[str, Meta(description="Unguessable id: the hall's id, a dot, 128 random bits")]
    number: Annotated[str, Meta(description="What the visitor reads and hears", examples=["B001"])]
    service: Code
    priority: Annotated[bool, Meta(description="绿色通道 or a booked visitor: called before walk-ins")]
    state: TicketState
    window: int | None
    business_day: Day
    issued_at: Moment
    ahead: NotRequired[int]  # while waiting: visitors ahead in its category
    clerk: NotRequired[str]
    recalls: NotRequired[int]
    called_at: NotRequired[Moment]
    last_called_at: NotRequired[Moment]
    skipped_at: NotRequired[Moment]
    requeued_at: NotRequired[Moment]
    transferred_at: NotRequired[Moment]
    transferred_from: NotRequired[Code]
    finished_at: NotRequired[Moment]
    tidal: NotRequired[bool]  # called at a switched tidal window (潮汐窗口)
    estimated_wait_minutes: NotRequired[float | None]  # on the ticket's channel, while it waits
    booking: NotRequired[str]  # the booking's code, for a booked visitor's ticket
    special: NotRequired[bool]  # called by name (特呼), not as the next in line
    case_number: NotRequired[str]  # 办件编号 entered at completion (staff views only)
    waited_minutes: NotRequired[float]  # in a window's waiting list: minutes since the ticket was issued
    # Only in the answer to whoever took the ticket (取号, 预约签到): the visitor's own secret, in the printed QR
    # code's link (/t/{id}?k=…), which their phone page needs to rate the service (好差评). Never in a public view.
    key: NotRequired[str]
    replayed: NotRequired[bool]  # a retried request (same Idempotency-Key) got the first answer


class TicketAnswer(TypedDict):
    """The answer of ``call-next``: the ticket called, or null when nobody waits for the window."""

    ticket: Ticket | None
    replayed: NotRequired[bool]


class TicketResult(TypedDict):
    """The answer of an action on one ticket (issue, recall, skip, complete, transfer, requeue, check-in)."""

    ticket: Ticket
    key: NotRequired[str]  # issue: the visitor's own secret for the ticket (see Ticket.key)
    replayed: NotRequired[bool]


class WindowQueue(TypedDict):
    """A window's waiting list: the next visitors it would call (priority first, then its policy), each with
    ``waited_minutes``, and today's skipped visitors (过号) of its categories, newest first."""

    window: int
    services: list[Code]  # what it calls now (a switched tidal window: its tidal category)
    policy: Literal["oldest", "order"]
    next: list[Ticket]
    skipped: list[Ticket]


class TidalSwitch(TypedDict):
    """A tidal window's switch (潮汐窗口): the category it serves for now, and why."""

    service: Code
    manual: bool
    reason: str
    since: Moment
    cause: NotRequired[str]


class WindowState(TypedDict):
    number: int
    state: Literal["open", "paused"]


class WindowActionAnswer(TypedDict):
    """A window action's answer: ``ticket`` for call-next, recall, skip, complete and transfer (null when nobody
    waits for call-next), ``window`` for pause and resume."""

    ticket: NotRequired[Ticket | None]
    window: NotRequired[WindowState]
    replayed: NotRequired[bool]


class TidalWindow(TypedDict):
    number: int
    switched_to: TidalSwitch | None


class TidalAnswer(TypedDict):
    """The answer of a supervisor's tidal switch."""

    window: TidalWindow
    replayed: NotRequired[bool]


class Opening(TypedDict):
    """Whether a category is open and issuing now (延时错时服务), and when that changes."""

    open: bool
    issuing: bool
    session: str | None
    session_en: str | None
    ends_at: Moment | None
    issuing_until: Moment | None
    next_opening: Moment | None


class Category(TypedDict):
    code: Code
    name: str
    name_en: str
    minutes: float
    waiting: int
    priority_waiting: int
    opening: Opening


class WindowView(TypedDict):
    """A window (窗口) as screens see it."""

    number: int
    services: list[Code]
    home_services: list[Code]
    policy: Literal["oldest", "order"]
    tidal: bool
    reserve: NotRequired[bool]  # 后台力量's window: closed until a back-office clerk answers an alert
    state: Literal["idle", "serving", "paused"]
    ticket: Ticket | None
    since: Moment | None
    served_today: int
    switched_to: TidalSwitch | None
    clerk: str | None  # the signed-in clerk's display name (窗口屏), never the username; None: nobody named
    pause_reason: str | None  # while paused: why (core.pauses: away, break, meal, training, system), if said


class HoursNow(TypedDict):
    """The hall as a whole: open while any category is, with the sessions running now; else when it opens."""

    open: bool
    sessions: list[str]
    sessions_en: list[str]
    next_opening: Moment | None


class Hours(HoursNow):
    extended: bool  # 延时服务: no session runs, but those already in line are still being served


class HallInfo(TypedDict):
    id: str
    name: str
    name_en: str
    timezone: str
    announcement: dict[str, str]


class Snapshot(TypedDict):
    """The hall as a screen shows it, consistent with the stream up to ``last_event_id``."""

    hall: HallInfo
    business_day: Day
    now: Moment
    hours: Hours
    categories: list[Category]
    windows: list[WindowView]
    latest_calls: list[dict[str, Any]]
    skipped: list[dict[str, Any]]  # 过号: today's skipped tickets not back in line (ticket_id, number, service, at)
    last_event_id: str


class Event(TypedDict):
    """One event of a hall's stream, as the channels deliver it. ``type`` and ``at`` are always there; the other
    fields depend on the type:

    - a ticket's events (issued, called, recalled, skipped, completed, requeued, transferred, expired):
      ``ticket_id``, ``number``, ``service``, ``priority``, and ``window``, ``ahead``, ``recalls``,
      ``from_service``, ``business_day`` or ``booked`` where they apply;
    - paused, resumed: ``window`` (paused: and ``reason`` when the clerk gave one, see core.pauses);
      tidal_opened, tidal_closed: ``window``, ``service``, ``cause``, ``reason``, ``manual``, ``previous``;
      clerk_changed: ``window``, ``clerk`` (the display name, "" when nobody is named);
    - day_started: ``business_day``, ``previous_day``; hours: ``hours`` and each category's ``openings``;
    - booked, booking_cancelled, booking_missed: ``service``, ``date``, ``slot`` (``held`` when booked), never
      who booked;
    - the tidal desk (store/tidal_desk.py): tidal_suggested ``id``, ``kind``, ``window``, ``service``, ``cause``,
      ``reason``; tidal_suggestion_closed ``id``, ``kind``, ``window``, ``service``, ``outcome`` (approved,
      declined, expired); alert ``id``, ``service``, ``window``, ``reason``; alert_closed ``id``, ``window``,
      ``service``, ``outcome`` (expired, withdrawn); reserve_accepted ``id``, ``window``, ``service``, ``clerk``,
      ``arrive_by``; reserve_released ``window``, ``service``, ``clerk``, ``cause``."""

    type: EventType
    at: Moment
    event_id: NotRequired[str]  # its id in the stream: a client resumes after it (?since=)
    ticket_id: NotRequired[str]
    number: NotRequired[str]
    service: NotRequired[Code]
    priority: NotRequired[bool]
    window: NotRequired[int]
    ahead: NotRequired[int]
    recalls: NotRequired[int]
    from_service: NotRequired[Code]
    business_day: NotRequired[Day]
    previous_day: NotRequired[Day | None]
    booked: NotRequired[bool]
    cause: NotRequired[str]
    reason: NotRequired[str]
    manual: NotRequired[bool]
    previous: NotRequired[Code]
    hours: NotRequired[HoursNow]
    openings: NotRequired[dict[str, Opening]]
    date: NotRequired[Day]
    slot: NotRequired[str]
    held: NotRequired[int]
    level: NotRequired[int]  # rated: the 好差评 level (never who served, nor the comment)
    clerk: NotRequired[str]
    id: NotRequired[str]  # a suggestion's or an alert's (tidal desk events)
    kind: NotRequired[Literal["open", "close", "reserve"]]  # a suggested switch's
    outcome: NotRequired[Literal["approved", "declined", "expired", "withdrawn"]]
    arrive_by: NotRequired[Moment]  # reserve_accepted: when the back-office clerk will be seated


class Pong(TypedDict):
    pong: bool


class Health(TypedDict):
    ok: bool
    halls: list[str]
    redis_restarts: NotRequired[int]  # with the embedded Redis: how often it died and was restarted since start-up


class HallName(TypedDict):
    id: str
    name: str
    name_en: str


class HallList(TypedDict):
    halls: list[HallName]


class ClerkName(TypedDict):
    username: str
    name: str


class SignedIn(TypedDict):
    """A clerk's token for one window (or, ``window`` null, a guide-desk account's: 导办台), valid for
    ``expires_in`` seconds (a long working day)."""

    token: str
    expires_in: int
    clerk: ClerkName
    window: int | None
    role: NotRequired[Literal["clerk", "guide", "reserve", "supervisor"]]


class WhoAmI(TypedDict):
    name: str
    window: int | None
    supervisor: bool
    guide: NotRequired[bool]  # a guide-desk account (导办台): no window, not a supervisor
    role: NotRequired[Literal["clerk", "guide", "reserve", "supervisor"]]


class SignedOut(TypedDict):
    signed_out: bool


class Statistics(TypedDict):
    """Per category, window and hour for a day, a session or a range (统计); every figure is defined in
    docs/statistics.md."""

    hall: str


class Overtime(TypedDict):
    """Each clerk's minutes after hours, on rest days and on holidays in a month, and the time off in lieu
    (调休) they add up to."""

    hall: str
    month: str
    clerks: list[dict[str, Any]]
    total_time_off_minutes: float


class Error(TypedDict):
    """Every refusal: a stable code, the message in Chinese and in English, and details that depend on the code
    (``next_opening`` for ``closed``, ``slots`` for ``unknown_slot`` …)."""

    error: Annotated[str, Meta(examples=["unknown_service"])]
    message: str
    message_en: str


def schema_of(*types: Any) -> tuple[tuple[dict[str, Any], ...], dict[str, Any]]:
    """JSON Schemas of ``types`` and the components they refer to, for the OpenAPI document."""
    return msgspec.json.schema_components(types, ref_template="#/components/schemas/{name}")
