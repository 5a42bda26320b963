"""The day's arrivals forecast (全天到访预测): expected walk-ins and bookings per category and hour of a date, with
an error band. The staffing plan (:mod:`queue_server.core.staffing_plan`) sizes the windows from it.

Built from what the hall knows ahead, as the next-hour forecast (:mod:`queue_server.core.forecast`) is:

- **History.** The walk-ins of past days like the date (the *basis*): the same weekday over the last weeks, when
  those were the same kind of day (working day or rest day, :func:`~queue_server.core.holidays.day_kind`). A date
  the calendar moves, a holiday on a weekday or a 调休 Saturday that is a working day, has hardly any such weekdays
  behind it (fewer than two); it is forecast from the most recent days of its kind instead (a holiday from the
  weekends and holidays before it, a 调休 working day from the working days). Only days already over count: a date
  weeks ahead is forecast from the last weeks before today.
- **Seasonal plans** with a ``demand`` factor: a basis day outside the season that covers the date counts
  ``demand`` times.
- **Bookings** (预约) already made for the date, per slot hour: history counts walk-ins only, so a booked visitor is
  counted once, from the date's book, and is certain (the band moves with it, it does not widen).

The band: for each hour, the mean ``m`` of the basis days' counts and their sample spread ``s``. Arrivals in an
hour are at least as spread as a Poisson count (variance ``m``), and a mean of ``n`` days is itself uncertain, so
the band is ``m ± z·√(max(s², m)·(1 + 1/n))`` (cut at 0), ``z = 1.28``: about 8 realised hours in 10 fall inside.
The day's total has a band of its own, from the basis days' totals. Pure: history, bookings and dates in.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import TYPE_CHECKING, Literal

from queue_server.core.forecast import WEEKS, History, seasonal_demand
from queue_server.core.holidays import day_kind
from queue_server.core.hours import stretches_on

if TYPE_CHECKING:
    from queue_server.core.hall import Calendar, DayKind, Hall

BasisRule = Literal["weekday", "day_kind"]
Z = 1.2816  # a normal's two-sided 80% band
LOOKBACK_WEEKS = 8  # how far back a basis day may be (tickets are kept 62 days)
MIN_SAME_WEEKDAY = 2  # fewer same weekdays of the date's kind: the date is unusual, its kind decides
Booked = Mapping[str, Mapping[int, int]]  # category -> local hour of the slot -> bookings


@dataclass(frozen=True)
class Estimate:
    """Expected arrivals with their band; ``booked`` of them are booked already (inside all three figures)."""

    expected: float
    low: float
    high: float
    booked: int = 0


@dataclass(frozen=True)
class HourForecast:
    """Arrivals expected from ``hour``:00 to ``hour``:59 (local time), as an :class:`Estimate` says them."""

    hour: int
    expected: float
    low: float
    high: float
    booked: int = 0


@dataclass(frozen=True)
class CategoryForecast:
    code: str
    hours: tuple[HourForecast, ...]
    total: Estimate

    def at(self, hour: int) -> HourForecast | None:
        return next((h for h in self.hours if h.hour == hour), None)


@dataclass(frozen=True)
class DayForecast:
    day: date
    kind: DayKind
    rule: BasisRule  # "weekday": the same weekday of past weeks; "day_kind": recent days of the same kind
    basis: tuple[date, ...]  # the past days it rests on (newest first); none: bookings only
    categories: tuple[CategoryForecast, ...]
    z: float = Z

    def category(self, code: str) -> CategoryForecast | None:
        return next((c for c in self.categories if c.code == code), None)

    def expected(self, code: str, hour: int) -> float:
        """Expected arrivals of ``code`` in ``hour`` (0.0 when nothing is expected or known)."""
        found = self.category(code)
        at = found.at(hour) if found else None
        return at.expected if at else 0.0


def basis_days(
    day: date, calendar: Calendar, today: date, weeks: int = WEEKS, lookback_weeks: int = LOOKBACK_WEEKS
) -> tuple[tuple[date, ...], BasisRule]:
    """The past days ``day``'s forecast rests on, newest first, and by which rule (see the module's docstring).
    ``today``: the hall's business day now; it and later days are not over, so never part of the basis."""
    kind = day_kind(day, calendar)
    if kind == "closed":
        return (), "weekday"
    before = min(day, today)  # the basis ends before this
    earliest = before - timedelta(weeks=lookback_weeks)
    same: list[date] = []
    past = day - timedelta(weeks=1)
    while past >= earliest and len(same) < weeks:
        if past < before and day_kind(past, calendar) == kind:
            same.append(past)
        past -= timedelta(weeks=1)
    if len(same) >= min(weeks, MIN_SAME_WEEKDAY):
        return tuple(same), "weekday"
    recent: list[date] = []
    past = before - timedelta(days=1)
    while past >= earliest and len(recent) < weeks:
        if day_kind(past, calendar) == kind:
            recent.append(past)
        past -= timedelta(days=1)
    return tuple(recent), "day_kind"


def forecast_day(
    day: date,
    hall: Hall,
    history: History,
    booked: Booked | None = None,
    today: date | None = None,
    weeks: int = WEEKS,
    z: float = Z,
) -> DayForecast:
    """The forecast of ``day`` from ``history`` (past business day -> category -> hour -> walk-ins; days of the
    basis it lacks are taken as not recorded, not as empty) and ``booked`` (the date's bookings per slot hour).
    ``today``: the hall's business day now (default: ``day``, as when forecasting a day from the weeks before it).
    The hours listed are those the day's sessions serve each category (any hour with data for a hall without
    sessions); a closed day lists no category."""
    kind = day_kind(day, hall.calendar)
    candidates, rule = basis_days(day, hall.calendar, today or day, weeks)
    basis = tuple(d for d in candidates if d in history)
    booked = booked or {}
    categories: list[CategoryForecast] = []
    for service in hall.services:
        code = service.code
        counts = [_scaled(history[d].get(code, {}), seasonal_demand(hall.seasons, code, day, d)) for d in basis]
        hours = _hours(day, hall, code, counts, booked.get(code, {}))
        if hours is None:
            continue
        rows = tuple(_hour(h, [c.get(h, 0.0) for c in counts], booked.get(code, {}).get(h, 0), z) for h in hours)
        totals = [sum(c.get(h, 0.0) for h in hours) for c in counts]
        total = _estimate(totals, sum(booked.get(code, {}).get(h, 0) for h in hours), z)
        categories.append(CategoryForecast(code, rows, total))
    return DayForecast(day, kind, rule, basis, tuple(categories), z)


def band(values: Sequence[float], z: float = Z) -> tuple[float, float, float]:
    """(mean, low, high) of the next value of a count seen as ``values`` on past days (see the module's docstring);
    (0, 0, 0) with no values."""
    if not values:
        return 0.0, 0.0, 0.0
    mean = statistics.fmean(values)
    spread = statistics.variance(values) if len(values) > 1 else 0.0
    sd = math.sqrt(max(spread, mean) * (1 + 1 / len(values)))
    return mean, max(0.0, mean - z * sd), mean + z * sd


def _scaled(hours: Mapping[int, int], factor: float) -> dict[int, float]:
    return {h: n * factor for h, n in hours.items()}


def _estimate(values: Sequence[float], booked: int, z: float) -> Estimate:
    mean, low, high = band(values, z)
    return Estimate(mean + booked, low + booked, high + booked, booked)


def _hour(hour: int, values: Sequence[float], booked: int, z: float) -> HourForecast:
    mean, low, high = band(values, z)
    return HourForecast(hour, mean + booked, low + booked, high + booked, booked)


def _hours(
    day: date, hall: Hall, code: str, counts: Sequence[Mapping[int, float]], booked: Mapping[int, int]
) -> list[int] | None:
    """The hours to forecast for ``code``; None when the day does not serve it."""
    if not hall.sessions:
        seen = {h for c in counts for h, n in c.items() if n} | {h for h, n in booked.items() if n}
        return sorted(seen) if seen else None
    stretches = stretches_on(day, hall, code)
    if not stretches:
        return None
    hours: set[int] = set()
    for stretch in stretches:
        local = (stretch.start.astimezone(hall.timezone), stretch.end.astimezone(hall.timezone))
        hours.update(hours_touched(local[0].time(), local[1].time()))
    return sorted(hours)


def hours_touched(start: time, end: time) -> tuple[int, ...]:
    """The clock hours from ``start`` to ``end`` (exclusive) touches: 12:00–13:30 → 12 and 13; 09:00–12:00 → 9 to 11."""
    last = end.hour if (end.minute, end.second, end.microsecond) != (0, 0, 0) else end.hour - 1
    return tuple(range(start.hour, last + 1))
