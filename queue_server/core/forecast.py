"""The arrivals forecast (到访预测): how many visitors each category should expect over the next hour.

Built from three things a hall knows ahead:

- **History**: tickets walked in on the same weekday at the same hour over the last weeks (four by default).
  The next hour straddles two clock hours; each past day contributes the share of each hour that falls in it.
- **Today's bookings** (预约) whose slot starts within the next hour and have not checked in yet: history counts
  walk-ins only, so a booked visitor is counted once, from today's book.
- **Seasonal plans** (季节计划) with a ``demand`` factor: on a day of the season, a past day that was outside it
  counts ``demand`` times (a past day inside the season already shows the peak).

Pure: tickets, bookings and ``now`` in; expected arrivals out. The tidal decision reads it to act before a line
builds up; the staffing plan reads the same numbers per hour.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from queue_server.core.business_day import business_day

if TYPE_CHECKING:
    from queue_server.core.hall import Hall, Seasonal

History = Mapping[date, Mapping[str, Mapping[int, int]]]  # past business day -> category -> local hour -> walk-ins
WEEKS = 4


def arrivals_by_hour(tickets: Iterable[Mapping[str, Any]], hall: Hall) -> dict[date, dict[str, dict[int, int]]]:
    """Walk-in tickets per business day, category and local hour of issue (booked check-ins left out)."""
    history: dict[date, dict[str, dict[int, int]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    for t in tickets:
        if t.get("booking"):
            continue
        issued = datetime.fromisoformat(t["issued_at"])
        day = business_day(issued, hall.timezone, hall.rollover)
        history[day][t["service"]][issued.astimezone(hall.timezone).hour] += 1
    return {d: {s: dict(h) for s, h in by.items()} for d, by in history.items()}


def past_days(history: History, day: date, weeks: int = WEEKS) -> list[date]:
    """The days of ``history`` on ``day``'s weekday within the ``weeks`` before it, newest first."""
    wanted = {day - timedelta(weeks=k) for k in range(1, weeks + 1)}
    return sorted((d for d in history if d in wanted), reverse=True)


def next_hour(
    now: datetime,
    hall: Hall,
    history: History,
    booked: Mapping[str, int] | None = None,
    day: date | None = None,
    weeks: int = WEEKS,
) -> dict[str, float]:
    """Expected arrivals per category from ``now`` to an hour later. Categories with no history and no booking
    are left out (nothing is known of them). ``day``: the hall's business day (default from ``now``)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    day = day or business_day(now, hall.timezone, hall.rollover)
    local = now.astimezone(hall.timezone)
    share_now = 1 - (local.minute * 60 + local.second) / 3600  # the rest of this clock hour; the next gets the rest
    hour, following = local.hour, (local.hour + 1) % 24
    days = past_days(history, day, weeks)
    expected: dict[str, float] = {}
    if days:
        codes = {s for d in days for s in history[d]}
        for code in codes:
            total = 0.0
            for d in days:
                hours = history[d].get(code, {})
                seen = share_now * hours.get(hour, 0) + (1 - share_now) * hours.get(following, 0)
                total += seen * _demand(hall.seasons, code, day, d)
            expected[code] = total / len(days)
    for code, count in (booked or {}).items():
        expected[code] = expected.get(code, 0.0) + count
    return expected


def _demand(seasons: Iterable[Seasonal], code: str, today: date, past: date) -> float:
    """The factor a seasonal plan puts on a past day's count: only a day outside the season that covers today."""
    for plan in seasons:
        if plan.service == code and plan.covers(today) and not plan.covers(past):
            return plan.demand
    return 1.0


def seasonal_demand(seasons: Iterable[Seasonal], code: str, today: date, past: date) -> float:
    """The factor a seasonal plan puts on a past day's count of ``code`` when forecasting ``today`` (the day's
    forecast, :mod:`queue_server.core.day_forecast`, weighs its basis days the same way as :func:`next_hour`)."""
    return _demand(seasons, code, today, past)
