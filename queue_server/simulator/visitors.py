"""The day's visitors, drawn from a profile and a seed: when each comes, for what, and how long it takes.

Both policies of one run see the very same visitors (same arrivals, same handling times, same no-shows), so
what differs between them is the policy alone. A visitor drawn as booked (预约) whose arrival falls in a bookable
slot of the category books that slot ahead and comes a little before it to check in; a booked no-show never
comes (the booking is missed). Where nothing can be booked, a booked visitor simply walks in.
Pure: a seeded :class:`random.Random`, no clock, no I/O.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from queue_server.core.appointments import check_in_window, slots
from queue_server.core.forecast import WEEKS, History

if TYPE_CHECKING:
    from queue_server.core.appointments import Slot
    from queue_server.core.hall import Hall
    from queue_server.simulator.profile import Profile

SHORTEST_MINUTES = 0.5  # nobody is done at a window in less


@dataclass(frozen=True)
class Visitor:
    arrival: datetime
    service: str
    minutes: float  # time at the window once called (when they come)
    priority: bool = False  # 绿色通道
    no_show: bool = False  # took a ticket, gone when called (过号)
    slot: str | None = None  # booked (预约) for this slot ("09:30"): checks in with the code instead of queueing


def handling_minutes(rng: random.Random, mean: float, sigma: float) -> float:
    """A lognormal handling time whose mean is ``mean`` minutes (most visitors quick, a few very slow)."""
    if sigma <= 0:
        return mean
    mu = math.log(mean) - sigma * sigma / 2
    return max(SHORTEST_MINUTES, rng.lognormvariate(mu, sigma))


def arrival_times(rng: random.Random, start: datetime, per_hour: float) -> list[datetime]:
    """A Poisson process over the hour from ``start``: exponential gaps at ``per_hour`` arrivals an hour."""
    times: list[datetime] = []
    if per_hour <= 0:
        return times
    seconds = rng.expovariate(per_hour / 3600)
    while seconds < 3600:
        times.append(start + timedelta(seconds=round(seconds, 3)))
        seconds += rng.expovariate(per_hour / 3600)
    return times


def draw_visitors(profile: Profile, hall: Hall, day: date, seed: int) -> list[Visitor]:
    """Every visitor of ``day`` in arrival order. Each category draws from its own stream, so adding a category to
    a profile does not reshuffle the others."""
    visitors: list[Visitor] = []
    for code, hours in profile.arrivals.items():
        rng = random.Random(f"{seed}:{code}")
        mean = profile.mean_minutes(hall, code)
        bookable = slots(hall, code, day)
        for hour, per_hour in sorted(hours.items()):
            start = datetime.combine(day, time(hour), tzinfo=hall.timezone)
            for arrival in arrival_times(rng, start, per_hour):
                visitor = Visitor(
                    arrival=arrival,
                    service=code,
                    minutes=handling_minutes(rng, mean, profile.handling_sigma),
                    priority=rng.random() < profile.priority_share,
                    no_show=rng.random() < profile.no_show_share,
                )
                if rng.random() < profile.appointment_share:
                    visitor = booked(rng, hall, visitor, bookable)
                visitors.append(visitor)
    visitors.sort(key=lambda v: (v.arrival, v.service))
    return visitors


def booked(rng: random.Random, hall: Hall, visitor: Visitor, bookable: Sequence[Slot]) -> Visitor:
    """The visitor with a booking for the slot their arrival falls in, arriving in the first half of the slot's
    check-in window (before the slot starts); unchanged when no slot holds the arrival."""
    slot = next((s for s in bookable if s.start <= visitor.arrival < s.end), None)
    if slot is None:
        return visitor
    opens, _ = check_in_window(hall, slot)
    early = rng.uniform(0, (slot.start - opens).total_seconds() / 2)
    return replace(visitor, arrival=slot.start - timedelta(seconds=round(early, 3)), slot=slot.label)


def past_weeks(profile: Profile, hall: Hall, day: date, seed: int, weeks: int = WEEKS) -> History:
    """The walk-ins of the ``weeks`` same weekdays before ``day``, drawn from the same profile with seeds of their
    own: the history a hall running this kind of day would have, for the tidal controller's forecast. The day
    itself is never among them, so the forecast knows the shape of the day, not its visitors."""
    history: dict[date, dict[str, dict[int, int]]] = {}
    for k in range(1, weeks + 1):
        past = day - timedelta(weeks=k)
        counts: dict[str, dict[int, int]] = {}
        for v in draw_visitors(profile, hall, past, seed=_past_seed(seed, k)):
            if v.slot is None:  # history counts walk-ins; a booked visitor is in that day's bookings
                hours = counts.setdefault(v.service, {})
                hour = v.arrival.astimezone(hall.timezone).hour
                hours[hour] = hours.get(hour, 0) + 1
        history[past] = counts
    return history


def _past_seed(seed: int, weeks_back: int) -> int:
    return seed * 1000 + 500 + weeks_back  # apart from any seed a user gives for the day itself
