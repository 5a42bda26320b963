"""The hall model (政务服务中心): its categories, windows, clerks, sessions, calendar, tidal policy and
appointment policy, as read from a hall file by :mod:`queue_server.config`.

Plain frozen records with no behaviour beyond looking things up; the rules that read them are the other modules
of the core. Imports nothing of tidequeue's.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from ipaddress import IPv4Network, IPv6Network
from typing import Literal
from zoneinfo import ZoneInfo

DayKind = Literal["workday", "restday", "closed"]
SessionDays = Literal["workdays", "restdays", "daily", "dates"]
Role = Literal["clerk", "guide", "reserve", "supervisor"]
SESSION_DAYS: tuple[SessionDays, ...] = ("workdays", "restdays", "daily", "dates")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Session:
    """One session (办理时段) of the hall; times are in the hall's time zone, end exclusive."""

    name: str
    name_en: str
    start: time
    end: time
    on: SessionDays = "workdays"
    weekdays: frozenset[int] | None = None  # Mon=0; None: every weekday that matches ``on``
    dates: frozenset[date] = frozenset()  # the dates of an ``on = "dates"`` session (赶场日, special events)
    services: tuple[str, ...] = ()  # empty: every category its staffed windows serve
    windows: tuple[int, ...] = ()  # staffed windows; empty: all
    extension_minutes: int = 30  # serving may run this long past the end (延时服务)
    appointments: bool = False  # 预约: bookings are taken for this session

    def runs_on(self, day: date, kind: DayKind) -> bool:
        if kind == "closed":
            return False
        if self.on == "dates":
            return day in self.dates
        if self.weekdays is not None and day.weekday() not in self.weekdays:
            return False
        return self.on == "daily" or (self.on == "workdays") == (kind == "workday")


@dataclass(frozen=True)
class Calendar:
    holidays: frozenset[date] = frozenset()  # rest days, even on a weekday
    workdays: frozenset[date] = frozenset()  # 调休: a Saturday or Sunday that is a working day
    closed: frozenset[date] = frozenset()  # no session at all, whatever else says


@dataclass(frozen=True)
class TidalPolicy:
    """When to switch. Defaults follow a district hall: open at 30 min predicted wait held for 5 min, go back
    below 10 min held for 10 min, a window switches at most every 15 min, at most 2 tidal windows a category."""

    open_at_minutes: float = 30.0
    open_after: timedelta = timedelta(minutes=5)
    close_below_minutes: float = 10.0
    close_after: timedelta = timedelta(minutes=10)
    min_between_switches: timedelta = timedelta(minutes=15)
    max_per_service: int = 2
    mode: Literal["auto", "suggest"] = "auto"  # suggest: each switch waits for a supervisor's approval
    # 均衡忙闲: an idle window this much less busy today than a line's busiest window takes that line when people
    # wait there, even short of congestion; 0: only congestion switches
    balance_gap: float = 0.0

    def __post_init__(self) -> None:
        # without a gap between the thresholds a line near one value would switch back and forth
        if not 0 <= self.close_below_minutes < self.open_at_minutes:
            raise ValueError("close_below_minutes must be at least 0 and below open_at_minutes")
        if self.max_per_service < 0:
            raise ValueError("max_per_service must not be negative")
        if not 0 <= self.balance_gap <= 1:
            raise ValueError("balance_gap must be a share from 0 to 1")


@dataclass(frozen=True)
class Reserve:
    """后台力量: back-office clerks who may be called forward to open one of ``windows`` (closed otherwise) for a
    congested category; they need ``arrive_minutes`` from accepting to sitting at the window."""

    windows: tuple[int, ...]
    clerks: tuple[str, ...]
    arrive_minutes: float = 5.0
    on_duty: int = 1  # back-office clerks the rota (排班) puts on duty each session; 0: all of them, unrostered


@dataclass(frozen=True)
class Seasonal:
    """A seasonal plan (季节性潮汐计划): ``windows`` serve ``service`` from ``start`` to ``end``, both included.
    When two plans name one window on the same day, the first plan given wins."""

    name: str
    service: str
    start: date
    end: date
    windows: tuple[int, ...]
    demand: float = 1.0  # expected arrivals of ``service`` in the season, against the same days outside it

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class AppointmentPolicy:
    """The hall's ``[appointments]`` table: how slots are cut, how many bookings each holds, and the deadlines."""

    slot_minutes: int = 30
    capacity: int = 2  # bookings per slot per category
    capacities: Mapping[str, int] = field(default_factory=dict)  # per-category overrides of ``capacity``
    grace_minutes: int = 15  # a booking not checked in by slot start + grace is a no-show
    early_minutes: int = 30  # check-in opens this long before the slot starts
    close_time: time = time(16, 0)  # on the last working day before the booked day
    days_ahead: int = 14  # how far ahead a day can be booked
    # Limits against one client booking a hall's week away (enforced atomically by the book script)
    per_phone_per_day: int = 2  # live bookings one phone (its last 4 digits) may hold for one day
    per_phone_ahead: int = 4  # ... across every day open for booking
    per_address_per_day: int = 10  # bookings an anonymous client address may make per calendar day

    def capacity_of(self, service: str) -> int:
        return self.capacities.get(service, self.capacity)


@dataclass(frozen=True)
class Service:
    """A service category (业务类别); its code letter prefixes the ticket number."""

    code: str
    name: str
    name_en: str
    minutes: float  # typical minutes per visitor, used for estimates


@dataclass(frozen=True)
class Window:
    """A numbered window (窗口) and the categories it serves, in priority order."""

    number: int
    services: tuple[str, ...]
    policy: Literal["oldest", "order"] = (
        "oldest"  # "oldest": longest wait across its categories; "order": first category with anyone
    )
    tidal: bool = False  # 潮汐窗口: may be switched to a congested category
    evaluator_token: str | None = None  # sha256 hex of the token of this window's 好差评 evaluator device
    tidal_services: tuple[str, ...] = ()  # the categories it may be switched to; empty: any
    reserve: bool = False  # 后台力量's window: closed until a reserve clerk opens it; no session staffs it


@dataclass(frozen=True)
class Clerk:
    """A clerk account; ``windows`` limits where the clerk may sign in (empty: any window)."""

    username: str
    name: str
    password_hash: str
    windows: tuple[int, ...] = ()
    display_name: str = ""  # shown to visitors on the window screen; empty: the screen names nobody
    # "guide": a guide-desk account (导办台) that signs in without a window and calls nobody; "reserve": back-office
    # staff (后台力量) called forward to open a reserve window; "supervisor": a 值班长
    role: Role = "clerk"
    skills: tuple[str, ...] = ()  # the categories the clerk can serve; empty: any
    hours_per_week: int = 40  # 合同工时: the most a week's rota gives the clerk (queue_server.rota)

    def can_serve(self, service: str) -> bool:
        return not self.skills or service in self.skills


@dataclass(frozen=True)
class RatingPolicy:
    """The hall's ``[ratings]`` table (好差评, queue_server.core.ratings): how long after service a visitor may rate,
    and the working-day deadlines of a 差评's follow-up, counted from the rated day. Defaults follow 国办发〔2019〕51号:
    a 差评 is verified, rectified and answered within 15 working days."""

    within_minutes: int = 30  # a served ticket may be rated this long after it was served
    verify_days: int = 1  # 待核实 → 整改中 by the end of this working day after the rating
    revisit_days: int = 14  # 整改中 → 已回访 by then
    close_days: int = 15  # 已回访 → 已办结 by then

    def __post_init__(self) -> None:
        if self.within_minutes < 1:
            raise ValueError("within_minutes must be at least 1")
        if not 0 <= self.verify_days <= self.revisit_days <= self.close_days:
            raise ValueError("verify_days, revisit_days and close_days must not go down")


@dataclass(frozen=True)
class StaffingTarget:
    """The hall's ``[staffing]`` table (服务目标, queue_server.core.staffing_plan): the staffing plan asks for enough
    windows that ``share`` of the visitors are called within ``minutes`` of taking a ticket."""

    share: float = 0.8
    minutes: float = 15.0

    def __post_init__(self) -> None:
        # no finite number of windows calls everyone at once: a share of 1 has no answer
        if not 0 < self.share < 1:
            raise ValueError("target_share must be above 0 and below 1")
        if self.minutes < 0:
            raise ValueError("target_minutes must not be negative")


@dataclass(frozen=True)
class LieuPolicy:
    """The hall's ``[lieu]`` table (调休台账, queue_server.core.lieu_ledger): a clerk's running balance past
    ``warn_minutes`` either way is flagged; the ledger counts from the month of ``since`` (its first day), or, when
    unset, from the first month it holds anything of (queue_server.store.lieu_store.ledger_start)."""

    warn_minutes: int = 2400  # five 8-hour days
    since: date | None = None


@dataclass(frozen=True)
class Access:
    """Who is a trusted device (a kiosk, a guide desk), and how often anonymous clients may take tickets."""

    networks: tuple[IPv4Network | IPv6Network, ...] = ()  # the hall LAN: requests from here are trusted devices
    device_tokens: frozenset[str] = frozenset()  # sha256 hex digests of the tokens devices send (X-Device-Token)
    tickets_per_hour: int = 10  # per client address, for anonymous clients
    walk_in_share: float = 0.3  # of a session's remaining places, kept for walk-ins (kiosks), never anonymous clients
    channels_per_address: int = 20  # live WebSocket channels one anonymous address may hold in one process
    trusted_proxies: tuple[IPv4Network | IPv6Network, ...] = ()  # whose X-Forwarded-For is believed
    origins: tuple[str, ...] = ()  # other sites whose pages may post here (web.origin)


@dataclass(frozen=True)
class DayDuty:
    """Who is on duty on one day, by the month's published rota (排班, :mod:`queue_server.rota.duty`): the windows
    each session staffs (its posts that have a clerk), the windows each rostered clerk holds a post at, and the
    back-office clerks (后台力量) on duty in each session. A session the rota does not name keeps the hall file's
    windows, and one whose back-office posts nobody holds the hall file's reserve clerks."""

    sessions: Mapping[str, tuple[int, ...]]  # session name -> the windows staffed
    clerks: Mapping[str, tuple[int, ...]]  # username -> the windows of their posts that day
    reserve: Mapping[str, tuple[str, ...]] | None = None  # session name -> back-office clerks; None: not rostered


@dataclass(frozen=True)
class Hall:
    id: str
    name: str
    name_en: str
    timezone: ZoneInfo
    rollover: time  # the business day starts here, so an evening session never splits a day
    services: tuple[Service, ...]
    windows: tuple[Window, ...]
    clerks: tuple[Clerk, ...] = ()
    requeue_after: int = 2  # a skipped visitor who comes back waits behind at most this many (过号顺延)
    # What the voice announcer says, per language ("zh", "en"), with {number} and {window}; unset: its default.
    announcement: Mapping[str, str] = field(default_factory=dict)
    # Opening hours (queue_server.core.hours); a hall without sessions is open at all times.
    sessions: tuple[Session, ...] = ()
    calendar: Calendar = field(default_factory=Calendar)
    tidal_policy: TidalPolicy = field(default_factory=TidalPolicy)  # when to switch tidal windows (潮汐窗口)
    seasons: tuple[Seasonal, ...] = ()  # seasonal plans that pre-assign tidal windows
    appointments: AppointmentPolicy | None = None  # 预约 (queue_server.core.appointments); None: no bookings
    demo: bool = False  # a demo hall: the shipped demo password may stay, with a warning (core.passwords)
    access: Access = field(default_factory=lambda: Access())  # trusted devices and the limits of anonymous clients
    ratings: RatingPolicy = field(default_factory=RatingPolicy)  # 好差评: every hall rates, with defaults if unset
    reserve: Reserve | None = None  # 后台力量; None: the hall calls no back-office staff forward
    staffing: StaffingTarget = field(default_factory=StaffingTarget)  # the staffing plan's service target
    lieu: LieuPolicy = field(default_factory=LieuPolicy)  # 调休: the time-off-in-lieu ledger's limit and start
    # Who is on duty, for the days a kept rota covers (loaded from Redis by the store around today); a day not
    # here runs on the hall file's sessions and reserve.
    duty: Mapping[date, DayDuty] = field(default_factory=dict)

    def service(self, code: str) -> Service | None:
        return next((s for s in self.services if s.code == code), None)

    def window(self, number: int) -> Window | None:
        return self._windows_by_number.get(number)

    @functools.cached_property
    def _windows_by_number(self) -> dict[int, Window]:
        return {w.number: w for w in self.windows}

    def windows_of(self, session: Session, day: date | None = None) -> tuple[int, ...]:
        """The windows ``session`` staffs on ``day``: the rota's, where a kept rota names the session that day;
        else the hall file's (the session's windows, or every window but the reserve's)."""
        duty = self.duty.get(day) if day is not None else None
        if duty is not None and session.name in duty.sessions:
            return duty.sessions[session.name]
        return session.windows or tuple(w.number for w in self.windows if not w.reserve)

    def clerk(self, username: str) -> Clerk | None:
        return next((c for c in self.clerks if c.username == username), None)

    @property
    def service_codes(self) -> tuple[str, ...]:
        return tuple(s.code for s in self.services)
