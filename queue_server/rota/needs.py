"""What the month needs (排班需求): a post for each window each session staffs on each day, and who may take it.

A post is one window staffed from a start to an end on one day: a session that staffs six windows makes six posts.
Sessions that overlap at one window on one day (a market-day session running into the weekend morning) make one
post, since one clerk sits there; sessions that only touch (the morning, then the lunch-time service) make two,
which one clerk may take one after the other. Every window a session staffs in the hall file is a post; where a
staffing plan (:class:`StaffingPlan`: :func:`queue_server.core.staffing_plan.staffing_plan`, Erlang C on the
day's expected arrivals) wants more clerks for a category than those windows give it, further windows of the hall
that serve the category are posts too.

The kind of duty decides what is spread fairly: a post on a holiday (法定节假日) is holiday duty, on a weekend
(a rest day that is no holiday) weekend duty, on a working day from 17:00 on evening duty (晚间延时, 夜间专场), and
anything else regular.

The back office (后台力量) is rostered too, where the hall has one: each session has ``[reserve] on_duty``
back-office posts (at the first reserve windows, where the clerk would come forward to), which only the hall's
``[reserve] clerks`` take, and which they alone share fairly among themselves (:func:`pool`). The guide desk and
the supervisors are not rostered. Pure.
"""

from __future__ import annotations

import calendar
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from typing import TYPE_CHECKING, Literal, Protocol

from queue_server.core.holidays import day_kind

if TYPE_CHECKING:
    from queue_server.core.hall import Calendar, Clerk, Hall, Session, Window

DutyKind = Literal["regular", "evening", "weekend", "holiday"]
Pool = Literal["windows", "back_office"]  # who share duty fairly among themselves
FAIR_KINDS: tuple[DutyKind, ...] = ("evening", "weekend", "holiday")  # spread within one of the mean
EVENING_FROM = time(17, 0)  # a working-day post that starts here or later is evening duty

KIND_NAMES: Mapping[DutyKind, tuple[str, str]] = {
    "regular": ("日常", "regular"),
    "evening": ("晚间", "evening"),
    "weekend": ("周末", "weekend"),
    "holiday": ("节假日", "holiday"),
}


@dataclass(frozen=True)
class Post:
    """One window to staff on one day, from ``start`` to ``end`` (the hall's time zone)."""

    day: date
    window: int
    start: time
    end: time
    sessions: tuple[str, ...]  # the names of the sessions it staffs (more than one where they overlap)
    sessions_en: tuple[str, ...]
    services: tuple[str, ...]  # the categories served there, in the window's order
    kind: DutyKind
    back_office: bool = False  # 后台值班: on call in the back office, to come forward to ``window`` when called

    @property
    def key(self) -> str:
        """The post's name in a rota: ``2026-12-01 09:00 #1``."""
        return post_key(self.day, self.start, self.window)

    @property
    def minutes(self) -> int:
        return _minutes(self.end) - _minutes(self.start)

    @property
    def name(self) -> str:
        return "、".join(self.sessions)

    @property
    def name_en(self) -> str:
        return " + ".join(self.sessions_en)

    def overlaps(self, other: Post) -> bool:
        """Whether one clerk could not hold both: the same day, at times that overlap."""
        return self.day == other.day and self.start < other.end and other.start < self.end

    @property
    def pool(self) -> Pool:
        return "back_office" if self.back_office else "windows"

    def describe(self) -> tuple[str, str]:
        """The post in words, Chinese and English: 「12月3日 工作日上午 1号窗口（09:00–12:00）」, or 「… 后台值班」."""
        span = f"{self.start:%H:%M}–{self.end:%H:%M}"
        if self.back_office:
            return (
                f"{self.day.month}月{self.day.day}日 {self.name} 后台值班（{span}）",
                f"{self.day:%d %b} {self.name_en}, back office ({span})",
            )
        return (
            f"{self.day.month}月{self.day.day}日 {self.name} {self.window}号窗口（{span}）",
            f"{self.day:%d %b} {self.name_en}, window {self.window} ({span})",
        )


def post_key(day: date, start: time, window: int) -> str:
    return f"{day.isoformat()} {start:%H:%M} #{window}"


class StaffingPlan(Protocol):
    """How many clerks a session needs on a day, per category it serves (from a staffing model such as
    Erlang C on the expected arrivals); None where the plan has no figure, and every window is staffed."""

    def clerks(self, day: date, session: Session) -> Mapping[str, int] | None: ...


def month_days(year: int, month: int) -> list[date]:
    last = calendar.monthrange(year, month)[1]
    return [date(year, month, d) for d in range(1, last + 1)]


def duty_kind(day: date, start: time, hall_calendar: Calendar) -> DutyKind:
    kind = day_kind(day, hall_calendar)
    if kind == "restday":
        return "holiday" if day in hall_calendar.holidays else "weekend"
    return "evening" if start >= EVENING_FROM else "regular"


def rostered(hall: Hall) -> tuple[Clerk, ...]:
    """The accounts the rota places: the clerks (role "clerk") at windows, and the back-office clerks of a hall
    that rosters its back office (``[reserve] on_duty``)."""
    back_office = hall.reserve.clerks if hall.reserve is not None and hall.reserve.on_duty else ()
    return tuple(c for c in hall.clerks if c.role == "clerk" or c.username in back_office)


def pool(clerk: Clerk) -> Pool:
    return "back_office" if clerk.role == "reserve" else "windows"


def qualified(clerk: Clerk, post: Post) -> bool:
    """Whether ``clerk`` may take ``post``: a back-office post is for a back-office clerk, and only that; a clerk
    bound to windows (``windows = [...]``, the only ones they may sign in at) takes a post at one of them; any other
    clerk one whose categories their skills cover."""
    if post.back_office or clerk.role == "reserve":
        return post.back_office and clerk.role == "reserve"
    if clerk.role != "clerk":
        return False
    if clerk.windows:
        return post.window in clerk.windows
    return all(clerk.can_serve(code) for code in post.services)


def posts(hall: Hall, days: list[date], plan: StaffingPlan | None = None) -> list[Post]:
    """Every post of ``days``, by day, then start, then window."""
    found: list[Post] = []
    for day in days:
        found += _posts_of_day(hall, day, plan)
    return sorted(found, key=lambda p: (p.day, p.start, p.window))


def _posts_of_day(hall: Hall, day: date, plan: StaffingPlan | None) -> list[Post]:
    kind = day_kind(day, hall.calendar)
    # (window, start, end, session) for each window each running session staffs
    parts: list[tuple[Window, time, time, Session, tuple[str, ...]]] = []
    for session in hall.sessions:
        if not session.runs_on(day, kind):
            continue
        wanted = plan.clerks(day, session) if plan is not None else None
        for window, services in _staffed(hall, session, wanted) + _back_office(hall, session):
            parts.append((window, session.start, session.end, session, services))
    parts.sort(key=lambda p: (p[0].number, p[1], p[2]))
    merged: list[Post] = []
    for window, start, end, session, services in parts:
        last = merged[-1] if merged else None
        if last is not None and last.window == window.number and start < last.end:
            served = set(last.services) | set(services)
            merged[-1] = Post(
                day,
                window.number,
                last.start,
                max(last.end, end),
                (*last.sessions, session.name),
                (*last.sessions_en, session.name_en),
                tuple(c for c in window.services if c in served),
                last.kind,
                last.back_office,
            )
            continue
        merged.append(
            Post(
                day,
                window.number,
                start,
                end,
                (session.name,),
                (session.name_en,),
                services,
                duty_kind(day, start, hall.calendar),
                window.reserve,
            )
        )
    return merged


def _back_office(hall: Hall, session: Session) -> list[tuple[Window, tuple[str, ...]]]:
    """The session's back-office posts: ``[reserve] on_duty`` of the reserve windows, serving what they may."""
    if hall.reserve is None:
        return []
    found = [(w, _serves(w, session)) for n in hall.reserve.windows[: hall.reserve.on_duty] if (w := hall.window(n))]
    return [(w, services) for w, services in found if services]


def _staffed(hall: Hall, session: Session, wanted: Mapping[str, int] | None) -> list[tuple[Window, tuple[str, ...]]]:
    """The windows ``session`` staffs and what each serves in it; where a plan wants more clerks for a category
    than those windows give it, further windows of the hall that serve it, in number order (a plan that wants
    fewer leaves the hall file's windows staffed: they are the ones the hall opens)."""
    numbers = session.windows or tuple(w.number for w in hall.windows)
    staffed: list[tuple[Window, tuple[str, ...]]] = []
    for number in numbers:
        window = hall.window(number)
        if window is not None and not window.reserve and (services := _serves(window, session)):
            staffed.append((window, services))
    for code, needed in (wanted or {}).items():
        have = sum(1 for _, services in staffed if code in services)
        for window in hall.windows:
            if have >= needed:
                break
            services = _serves(window, session)
            if code in services and not window.reserve and all(w.number != window.number for w, _ in staffed):
                staffed.append((window, services))
                have += 1
    return staffed


def _serves(window: Window, session: Session) -> tuple[str, ...]:
    """The window's categories that ``session`` serves, in the window's order."""
    return tuple(c for c in window.services if not session.services or c in session.services)


def _minutes(moment: time) -> int:
    return moment.hour * 60 + moment.minute


def week_of(day: date) -> date:
    """The Monday that starts ``day``'s week: contracted hours are counted by week, Monday to Sunday."""
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class TimeOff:
    """A time-off request (休假, 调休): ``username`` away from ``first`` to ``last``, both included; only an
    approved one binds the rota."""

    username: str
    first: date
    last: date
    approved: bool = True

    def covers(self, day: date) -> bool:
        return self.first <= day <= self.last


@dataclass(frozen=True)
class Month:
    """What a month's rota is made for and checked against: the hall, the month's days and posts, each clerk's
    approved time off, and the minutes each clerk worked on the days just before the month (from the last
    month's rota), so that days in a row, the rest after weekend duty and a week's hours run across the turn."""

    hall: Hall
    days: tuple[date, ...]
    posts: tuple[Post, ...]
    leave: Mapping[str, frozenset[date]] = field(default_factory=dict)
    before: Mapping[str, Mapping[date, int]] = field(default_factory=dict)

    @functools.cached_property
    def by_key(self) -> dict[str, Post]:
        return {p.key: p for p in self.posts}

    @functools.cached_property
    def clerks(self) -> tuple[Clerk, ...]:
        return rostered(self.hall)

    def on_leave(self, username: str, day: date) -> bool:
        return day in self.leave.get(username, frozenset())


def month_of(
    hall: Hall,
    year: int,
    month: int,
    time_off: Iterable[TimeOff] = (),
    before: Mapping[str, Mapping[date, int]] | None = None,
    plan: StaffingPlan | None = None,
) -> Month:
    """The :class:`Month` of ``year``-``month``: its posts, and the approved time off that falls in it."""
    days = month_days(year, month)
    leave: dict[str, set[date]] = {}
    for entry in time_off:
        if entry.approved:
            leave.setdefault(entry.username, set()).update(d for d in days if entry.covers(d))
    return Month(
        hall,
        tuple(days),
        tuple(posts(hall, days, plan)),
        {name: frozenset(found) for name, found in leave.items()},
        before or {},
    )


def worked_minutes(month: Month, assignments: Mapping[str, str]) -> dict[str, dict[date, int]]:
    """Minutes each clerk is on duty each day of the month, by ``assignments`` (post key → username)."""
    minutes: dict[str, dict[date, int]] = {}
    for key, username in assignments.items():
        post = month.by_key.get(key)
        if post is not None:
            days = minutes.setdefault(username, {})
            days[post.day] = days.get(post.day, 0) + post.minutes
    return minutes
