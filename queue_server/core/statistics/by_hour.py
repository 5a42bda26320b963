"""The hall hour by hour: arrivals (取号) and how many were waiting, in the hall's local time.

Definitions are written out in :mod:`queue_server.core.statistics.summary`. Pure: no Redis, no clock.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date, time, timedelta
from typing import TYPE_CHECKING

from queue_server.core.statistics.visits import Visit, at

if TYPE_CHECKING:
    from queue_server.core.hall import Hall

HOURS = tuple(f"{h:02d}" for h in range(24))


def arrivals_per_hour(visits: Sequence[Visit]) -> dict[str, int]:
    """Tickets issued in each hour of the day ("00".."23"), summed over the period's days."""
    counts = [0] * 24
    for v in visits:
        counts[v.issued_local.hour] += 1
    return dict(zip(HOURS, counts, strict=True))


def waiting_end(visit: Visit, close: float, now: float) -> float:
    """When a visitor stopped waiting: at the call; a visitor never called waited until the day's ticket expired,
    the hall closed (its last session's end plus extension) or now, whichever came first."""
    if visit.called is not None:
        return min(visit.called, now)
    expired = visit.expired if visit.expired is not None else math.inf
    return min(expired, close, now)


def waiting_per_hour(
    hall: Hall, visits: Sequence[Visit], closes: Mapping[date, float], now: float
) -> dict[str, float | None]:
    """The time-weighted mean number of visitors waiting in each hour of the day, over the days that had any
    ticket: visitor-minutes waited in that hour ÷ the minutes of that hour observed (none after ``now``).
    None for an hour not observed on any such day."""
    waited = [0.0] * 24
    for v in visits:
        _spread(v, waiting_end(v, closes[v.day], now), waited)
    observed = [0.0] * 24
    for day in {v.day for v in visits}:
        for hour in range(24):
            # A business day's hours before the rollover fall on the next calendar day.
            local_day = day if hour >= hall.rollover.hour else day + timedelta(days=1)
            start = at(local_day, time(hour), hall.timezone)
            observed[hour] += max(0.0, min(start + 3600, now) - start)
    return {label: round(waited[h] / observed[h], 4) if observed[h] > 0 else None for h, label in enumerate(HOURS)}


def _spread(visit: Visit, end: float, waited: list[float]) -> None:
    """Add the visitor's waiting seconds to the local hours they cover.

    Local hours by arithmetic on the zone's offset at the visitor's arrival: a day has thousands of waits, and
    a wait that spans a daylight-saving change (none in China) is off by that hour only."""
    offset = visit.issued_local.utcoffset()
    shift = offset.total_seconds() if offset is not None else 0.0
    moment = visit.issued
    while moment < end:
        local = moment + shift
        upto = min(end, moment - local % 3600 + 3600)
        waited[int(local // 3600) % 24] += upto - moment
        moment = upto
