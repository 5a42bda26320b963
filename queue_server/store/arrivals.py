"""What the arrivals forecast (:mod:`queue_server.core.forecast`) reads from Redis: the walk-ins of the same weekday
in past weeks, and today's bookings (预约) that should arrive within the next hour. The tidal controller passes the
forecast to its decision, so it can act before a line builds up."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, datetime, time, timedelta
from typing import cast

from queue_server.core.forecast import WEEKS, History, arrivals_by_hour
from queue_server.store import keys
from queue_server.store.hall_store import HallStore

HOUR = timedelta(hours=1)


async def history(store: HallStore, day: date, weeks: int = WEEKS) -> History:
    """Walk-ins per day, category and hour on ``day``'s weekday in the ``weeks`` before it (only those days are read:
    a few thousand tickets, once per business day)."""
    tickets = []
    for k in range(1, weeks + 1):
        past = day - timedelta(weeks=k)
        tickets += await store.tickets_of_days(past, past)
    return arrivals_by_hour(tickets, store.hall)


async def booked_next_hour(store: HallStore, now: datetime) -> dict[str, int]:
    """Bookings per category whose slot starts within the hour from ``now`` and that have not checked in yet.

    A booking waits in the check-in deadlines (slot start + grace) until it checks in or is missed, so only the
    bookings whose deadline falls before the hour's end plus the grace are read."""
    rules = store.hall.appointments
    if rules is None:
        return {}
    end = now + HOUR
    last = end + timedelta(minutes=rules.grace_minutes)
    codes = cast(
        list[str],
        await store.redis.zrangebyscore(keys.booking_deadlines(store.hall.id), _ms(now), _ms(last)),
    )
    if not codes:
        return {}
    raw = cast(list[str | None], await store.redis.hmget(keys.bookings(store.hall.id), codes))
    counts: Counter[str] = Counter()
    for text in raw:
        if text is None:
            continue
        booking = json.loads(text)
        if booking.get("state") != "booked":
            continue
        start = datetime.combine(date.fromisoformat(booking["date"]), time.fromisoformat(booking["slot"]))
        if now <= start.replace(tzinfo=store.hall.timezone) < end:
            counts[booking["service"]] += 1
    return dict(counts)


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)
