"""The business day (营业日): the calendar day a ticket belongs to, in the hall's time zone.

It rolls over at a configured time (03:00 by default) rather than at midnight, so an evening or night
session never splits one day's numbers and line in two.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def business_day(now: datetime, tz: ZoneInfo, rollover: time) -> date:
    """The business day that ``now`` (an aware datetime) falls in."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    local = now.astimezone(tz)
    day = local.date()
    return day - timedelta(days=1) if local.time() < rollover else day


def next_rollover(now: datetime, tz: ZoneInfo, rollover: time) -> datetime:
    """The first moment after ``now`` at which a new business day starts (aware, in ``tz``)."""
    day = business_day(now, tz, rollover) + timedelta(days=1)
    return datetime.combine(day, rollover, tzinfo=tz)
