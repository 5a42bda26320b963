"""Who sits at which window when: the hall's sessions turned into each window's duty at a moment.

A window is on duty while a session that staffs it runs (a session's ``windows``; none listed: every window),
for the categories of that session it serves, in the window's own order. When its duty ends, the clerk finishes
the visitor at the window; visitors still waiting in a category that has closed are served anyway (延时服务),
while a category that stays open (lunch with fewer windows) is left to the windows still on duty.
Pure: from the hall's configuration and a moment.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import TYPE_CHECKING

from queue_server.core.hall import Session
from queue_server.core.holidays import day_kind
from queue_server.core.hours import current_stretch, stretches_on

if TYPE_CHECKING:
    from queue_server.core.hall import Hall, Window


def sessions_of_day(hall: Hall, day: date) -> list[Session]:
    kind = day_kind(day, hall.calendar)
    return [s for s in hall.sessions if s.runs_on(day, kind)]


def boundaries(hall: Hall, day: date) -> list[datetime]:
    """Every moment of ``day`` at which a session starts or ends, in order."""
    moments = set()
    for s in sessions_of_day(hall, day):
        moments.add(datetime.combine(day, s.start, tzinfo=hall.timezone))
        moments.add(datetime.combine(day, s.end, tzinfo=hall.timezone))
    return sorted(moments)


def on_duty(hall: Hall, now: datetime) -> dict[int, tuple[str, ...]]:
    """The windows staffed at ``now`` and the categories each serves, in the window's priority order.
    A hall without sessions is staffed at all times, every window on its own categories."""
    if not hall.sessions:
        return {w.number: w.services for w in hall.windows}
    local = now.astimezone(hall.timezone)
    running = [s for s in sessions_of_day(hall, local.date()) if s.start <= local.time() < s.end]
    duty: dict[int, tuple[str, ...]] = {}
    for w in hall.windows:
        if w.reserve:
            continue  # opened only by a reserve clerk answering an alert
        wanted: set[str] = set()
        for s in running:
            if not s.windows or w.number in s.windows:
                wanted.update(c for c in w.services if not s.services or c in s.services)
        if wanted:
            duty[w.number] = tuple(c for c in w.services if c in wanted)
    return duty


def closed_categories(hall: Hall, now: datetime, services: tuple[str, ...]) -> tuple[str, ...]:
    """Those of ``services`` that no session serves at ``now``: their remaining line is served after hours."""
    if not hall.sessions:
        return ()
    return tuple(c for c in services if current_stretch(now, hall, c) is None)


def closing_moments(hall: Hall, day: date) -> dict[datetime, tuple[str, ...]]:
    """The moments on ``day`` at which categories stop issuing for good or for a while (the end of each open
    stretch), with the categories that close then: who still waits then is served after hours."""
    moments: dict[datetime, list[str]] = {}
    for code in hall.service_codes:
        for stretch in stretches_on(day, hall, code):
            moments.setdefault(stretch.end, []).append(code)
    return {m: tuple(codes) for m, codes in sorted(moments.items())}


def window_for(window: Window, services: tuple[str, ...]) -> Window:
    """The window as call_next sees it: serving ``services`` (a subset of its own, in its order)."""
    return replace(window, services=services)
