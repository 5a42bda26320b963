"""Waiting-time estimates shown to visitors (pure: counts, hours and ``now`` in, minutes out)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from queue_server.core.hours import current_stretch, stretches_on, windows_staffed

if TYPE_CHECKING:
    from queue_server.core.hall import Hall


def estimated_wait_minutes(ahead: int, minutes_per_visitor: float, windows_serving: int) -> int | None:
    """Minutes until a visitor with ``ahead`` people before them is called, or None when no window serves
    the category right now (so no honest estimate exists)."""
    if windows_serving <= 0:
        return None
    return math.ceil(max(ahead, 0) * minutes_per_visitor / windows_serving)


def waiting_time(
    now: datetime, hall: Hall, service: str, ahead: int, paused: set[int], switched: Mapping[int, str] | None = None
) -> int | None:
    """Minutes until a waiting visitor of ``service`` with ``ahead`` people before them is called.

    The windows counted are those that serve the category, are not paused and, while a session runs, are staffed
    by one (lunch on fewer windows counts fewer). Before the category's first session of the day (a booked
    visitor checking in early, a ticket taken before opening) the wait starts when it opens, with the windows that
    session staffs. After the day's sessions (延时服务) the windows still finishing the line count as they are.
    A tidal window switched to the category (``switched``: window -> category) counts too, a reserve window (后台力量)
    included; one switched away still serves its own line whenever the other is empty, so it keeps counting.
    """
    category = hall.service(service)
    if category is None:
        return None
    starts = now
    staffed = {w.number for w in hall.windows if not w.reserve}  # a reserve window is closed unless called
    if hall.sessions:
        local = now.astimezone(hall.timezone)
        today = stretches_on(local.date(), hall, service)
        if today and all(s.start > now for s in today):
            starts, paused = today[0].start, set()  # nobody is paused before opening: they have not started yet
            staffed = windows_staffed(starts, hall)
        elif current_stretch(now, hall, service) is not None:
            staffed = windows_staffed(now, hall)
    switched = switched or {}
    serving = sum(
        1
        for w in hall.windows
        if w.number not in paused
        and ((service in w.services and w.number in staffed) or (switched.get(w.number) == service and now == starts))
    )
    wait = estimated_wait_minutes(ahead, category.minutes, serving)
    if wait is None:
        return None
    return wait + math.ceil((starts - now).total_seconds() / 60)
