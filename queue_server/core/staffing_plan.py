"""The staffing plan (排班需求): for each session of a date and each category it serves, the windows needed to meet the
hall's service target (``[staffing]``: by default 80% of visitors called within 15 minutes), and how many the hall
file staffs for it now.

Each hour of the session gets its own count: Erlang C (:mod:`queue_server.core.erlang`) on the hour's expected
arrivals (:mod:`queue_server.core.day_forecast`) and the category's handling minutes (those measured at the windows
lately, as the tidal controller reads them, else the hall file's typical minutes), each window serving that line
alone. The session needs the most any of its hours needs: its busiest hour decides, since a session keeps one
staffing throughout. A category expected to see nobody needs no window.

What the hall staffs now is how many of the session's staffed windows serve the category (a window serving two
categories counts for both, so the hall's side is, if anything, counted generously). Where that is fewer than the
plan needs, the plan says so, per session and category, and also when the session needs more windows than it
staffs, or than the hall has. The rota (queue_server.rota) reads :func:`staffing_plan` to seat clerks; the
simulator checks the plan (queue_server.simulator.plan_check). Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, time
from typing import TYPE_CHECKING

from queue_server.core.day_forecast import hours_touched
from queue_server.core.erlang import offered_load, servers_needed, wait_within
from queue_server.core.holidays import day_kind
from queue_server.core.hours import staffed_windows

if TYPE_CHECKING:
    from queue_server.core.day_forecast import DayForecast
    from queue_server.core.hall import DayKind, Hall, Session, StaffingTarget

ALL_DAY = tuple(range(24))


@dataclass(frozen=True)
class HourNeed:
    hour: int
    arrivals: float  # expected in the hour (per hour)
    load: float  # erlangs: arrivals × minutes / 60
    windows: int  # the fewest that meet the target in this hour
    share: float  # the share called within the target minutes with that many


@dataclass(frozen=True)
class CategoryNeed:
    code: str
    minutes: float  # handling minutes per visitor the plan used
    measured: bool  # True: measured at the windows lately; False: the hall file's typical minutes
    hours: tuple[HourNeed, ...]
    needed: int  # windows the session needs for this category: its busiest hour's count
    staffed: int  # windows of the session that serve it now (the hall file)
    busiest_hour: int | None  # the hour with the most expected arrivals (None: nobody expected)
    share_staffed: float  # the share called within the target in the busiest hour with the windows staffed now

    @property
    def short(self) -> int:
        """Windows missing against the plan (0 when the hall staffs enough)."""
        return max(0, self.needed - self.staffed)


@dataclass(frozen=True)
class SessionPlan:
    name: str
    name_en: str
    start: time
    end: time | None  # None: midnight, the end of the day (a hall open at all times)
    windows: tuple[int, ...]  # the windows the session staffs now
    categories: tuple[CategoryNeed, ...]
    session: Session | None = None  # the hall's session (None: a hall without sessions, open all day)

    @property
    def needed(self) -> int:
        """Windows the session needs in all, each serving one category."""
        return sum(c.needed for c in self.categories)

    @property
    def shortfalls(self) -> tuple[CategoryNeed, ...]:
        return tuple(c for c in self.categories if c.short > 0)


@dataclass(frozen=True)
class StaffingPlan:
    day: date
    kind: DayKind
    target: StaffingTarget
    sessions: tuple[SessionPlan, ...]
    hall_windows: int  # the hall's windows that sessions may staff (reserve windows left out)

    @property
    def short(self) -> bool:
        """True when some session staffs fewer windows for some category than the plan needs."""
        return any(s.shortfalls for s in self.sessions)

    def clerks(self, day: date, session: Session) -> dict[str, int] | None:
        """Windows needed per category in ``session`` on ``day`` (the rota's ``StaffingPlan`` protocol); None for
        another day, or a session the plan does not cover."""
        if day != self.day:
            return None
        found = next((s for s in self.sessions if s.session == session), None)
        return {c.code: c.needed for c in found.categories} if found else None


def staffing_plan(
    hall: Hall, day: date, forecast: DayForecast, handling: Mapping[str, float] | None = None
) -> StaffingPlan:
    """The plan for ``day``: each of its sessions (by start) and each category it serves, sized on ``forecast``
    with ``handling`` (category -> measured minutes per visitor; a category left out uses the hall's minutes).
    A closed day, or a day without sessions in a hall that has some, has no session to plan."""
    handling = handling or {}
    target = hall.staffing
    regular = tuple(w.number for w in hall.windows if not w.reserve)
    plans: list[SessionPlan] = []
    if not hall.sessions:  # open at all hours: one plan for the whole day, every regular window staffed
        needs = tuple(
            _need(hall, c.code, ALL_DAY, forecast, handling, sum(1 for n in regular if _serves(hall, n, c.code)))
            for c in forecast.categories
        )
        plans.append(SessionPlan("全天", "All day", time(0), None, regular, needs))
    else:
        kind = day_kind(day, hall.calendar)
        for s in sorted((s for s in hall.sessions if s.runs_on(day, kind)), key=lambda s: (s.start, s.end)):
            windows = s.windows or regular
            codes = s.services or tuple(c for c in hall.service_codes if any(_serves(hall, n, c) for n in windows))
            hours = hours_touched(s.start, s.end)
            needs = tuple(
                _need(hall, c, hours, forecast, handling, staffed_windows(s, hall, c)) for c in codes if hall.service(c)
            )
            plans.append(SessionPlan(s.name, s.name_en, s.start, s.end, tuple(windows), needs, s))
    return StaffingPlan(day, day_kind(day, hall.calendar), target, tuple(plans), len(regular))


def _serves(hall: Hall, number: int, code: str) -> bool:
    window = hall.window(number)
    return window is not None and code in window.services


def _need(
    hall: Hall,
    code: str,
    hours: tuple[int, ...],
    forecast: DayForecast,
    handling: Mapping[str, float],
    staffed: int,
) -> CategoryNeed:
    target = hall.staffing
    service = hall.service(code)
    measured = handling.get(code)
    minutes = measured if measured and measured > 0 else (service.minutes if service else 1.0)
    rows: list[HourNeed] = []
    for hour in hours:
        arrivals = forecast.expected(code, hour)
        if arrivals <= 0:
            continue
        load = offered_load(arrivals, minutes)
        windows = servers_needed(load, minutes, target.share, target.minutes)
        rows.append(HourNeed(hour, arrivals, load, windows, wait_within(windows, load, minutes, target.minutes)))
    busiest = max(rows, key=lambda r: (r.arrivals, -r.hour), default=None)
    needed = max((r.windows for r in rows), default=0)
    share_staffed = wait_within(staffed, busiest.load, minutes, target.minutes) if busiest else 1.0
    return CategoryNeed(
        code=code,
        minutes=minutes,
        measured=bool(measured and measured > 0),
        hours=tuple(rows),
        needed=needed,
        staffed=staffed,
        busiest_hour=busiest.hour if busiest else None,
        share_staffed=share_staffed,
    )
