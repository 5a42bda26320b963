"""Stored tickets as the statistics read them, and the small arithmetic they share (percentiles, intervals).

A :class:`Visit` is one ticket reduced to moments in seconds since the epoch. Tickets come from Redis as the
scripts wrote them; anything malformed (a missing day or issue time) is left out rather than failing the whole
report. Pure: no Redis, no clock.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

Interval = tuple[float, float]
# The states in which a ticket has been called to a window and is still at it or has left it.
CALLED_STATES = frozenset({"called", "served", "skipped"})


@dataclass(slots=True)  # not frozen: a frozen dataclass is several times slower to make, per ticket
class Visit:
    """One ticket: when it was issued, called and left the window, and where. Read-only by convention."""

    number: str
    issued_for: str  # the category the ticket was issued for (its number's letter)
    service: str  # the category it ended in (differs after 转移 transfer)
    state: str  # waiting, called, served, skipped, expired
    day: date  # business day
    issued: float
    issued_local: datetime  # in the hall's zone: the hour of arrival, the session it arrived in
    called: float | None  # the last call, for tickets called to a window (CALLED_STATES)
    left: float | None  # when the window was free again: finished (served) or skipped; None while still there
    expired: float | None  # when the day rolled over and expired it
    window: int | None
    tidal: bool  # called at a tidal window while it was switched (潮汐窗口)


def moment(ms: Any, text: Any) -> float | None:
    """Seconds since the epoch from a milliseconds field, else from an ISO text with an offset; None if neither."""
    if type(ms) is int or type(ms) is float:  # not a bool; type() is also quicker than isinstance, per ticket
        return float(ms) / 1000
    if not isinstance(text, str):
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed.timestamp() if parsed.tzinfo is not None else None


def read_visit(ticket: Mapping[str, Any], codes: frozenset[str], zone: ZoneInfo) -> Visit | None:
    """The ticket as a visit; None for one the statistics cannot place (no business day or issue time)."""
    try:
        day = date.fromisoformat(str(ticket.get("business_day")))
    except ValueError:
        return None
    issued = moment(ticket.get("issued_ms"), ticket.get("issued_at"))
    if issued is None:
        return None
    state = str(ticket.get("state") or "")
    service = str(ticket.get("service") or "")
    number = str(ticket.get("number") or "")
    called = moment(ticket.get("called_ms"), ticket.get("called_at")) if state in CALLED_STATES else None
    left = None
    if state == "served":
        left = moment(None, ticket.get("finished_at"))
    elif state == "skipped":
        left = moment(None, ticket.get("skipped_at"))
    window = ticket.get("window")
    return Visit(
        number=number,
        issued_for=number[:1] if number[:1] in codes else service,
        service=service,
        state=state,
        day=day,
        issued=issued,
        issued_local=datetime.fromtimestamp(issued, zone),
        called=called,
        left=left,
        expired=moment(None, ticket.get("finished_at")) if state == "expired" else None,
        window=window if type(window) is int else None,
        tidal=ticket.get("tidal") is True,
    )


def nearest_rank(values: Sequence[float], percent: int) -> float | None:
    """The nearest-rank percentile: the ⌈percent/100 · n⌉-th smallest of the n values (1-based); None for none.

    Integer arithmetic on purpose: 0.9 * 70 is 63.00000000000001 in floating point, whose ceiling is one rank off."""
    if not values:
        return None
    ordered = sorted(values)
    rank = -(-percent * len(ordered) // 100)
    return ordered[max(rank, 1) - 1]


def mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def merged(intervals: Iterable[Interval]) -> list[Interval]:
    """The union of ``intervals`` as sorted, disjoint intervals; empty ones dropped, touching ones joined."""
    out: list[Interval] = []
    for start, end in sorted(i for i in intervals if i[1] > i[0]):
        if out and start <= out[-1][1]:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def length(intervals: Iterable[Interval]) -> float:
    return sum(end - start for start, end in intervals)


def overlap(a: Sequence[Interval], b: Sequence[Interval]) -> float:
    """How long two unions of sorted, disjoint intervals (as :func:`merged` makes them) overlap."""
    total, i, j = 0.0, 0, 0
    while i < len(a) and j < len(b):
        low, high = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if high > low:
            total += high - low
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return total


def clipped(intervals: Iterable[Interval], low: float, high: float) -> list[Interval]:
    return [(max(s, low), min(e, high)) for s, e in intervals if min(e, high) > max(s, low)]


def inside(moment_s: float, intervals: Iterable[Interval]) -> bool:
    return any(start <= moment_s < end for start, end in intervals)


def at(day: date, clock: time, zone: ZoneInfo) -> float:
    """``clock`` on ``day`` in ``zone``, in seconds since the epoch."""
    return datetime.combine(day, clock, tzinfo=zone).timestamp()


def business_day_end(day: date, rollover: time, zone: ZoneInfo) -> float:
    """When business day ``day`` ends: the next day's rollover."""
    return at(day + timedelta(days=1), rollover, zone)


def minutes(seconds: float | None) -> float | None:
    """Seconds as minutes, to two decimals (what the report shows)."""
    return None if seconds is None else round(seconds / 60, 2)


def ratio(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else round(value, 4)
