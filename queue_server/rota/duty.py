"""Who is on duty each day of a month, by its rota: what the rest of the system reads (which windows a session
staffs, who may sign in where, which back-office clerks may be called forward).

A session staffs the windows of its posts that have a clerk: a post left open is a window nobody sits at, so
the tidal controller does not count on it and the cut-off does not count it. A clerk may sign in at the windows
of their posts that day. Where the hall rosters its back office, the back-office clerks on duty on a day are
those holding a back-office post that day (others are off, and may not answer an alert). Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from queue_server.core.hall import DayDuty
from queue_server.rota.needs import Month


def day_duties(month: Month, assignments: Mapping[str, str]) -> dict[date, DayDuty]:
    """The :class:`DayDuty` of each day of the month that has posts."""
    sessions: dict[date, dict[str, set[int]]] = {}
    clerks: dict[date, dict[str, set[int]]] = {}
    rostered = any(post.back_office for post in month.posts)
    back_office: dict[date, set[str]] = {}
    for post in month.posts:
        if post.back_office:
            if (username := assignments.get(post.key)) is not None:
                back_office.setdefault(post.day, set()).add(username)
            continue
        day_sessions = sessions.setdefault(post.day, {})
        for name in post.sessions:
            day_sessions.setdefault(name, set())
        username = assignments.get(post.key)
        if username is None:
            continue
        for name in post.sessions:
            day_sessions[name].add(post.window)
        clerks.setdefault(post.day, {}).setdefault(username, set()).add(post.window)
    return {
        day: DayDuty(
            {name: tuple(sorted(found)) for name, found in named.items()},
            {name: tuple(sorted(found)) for name, found in clerks.get(day, {}).items()},
            tuple(sorted(back_office.get(day, ()))) if rostered else None,
        )
        for day, named in sessions.items()
    }


def as_json(duty: DayDuty) -> dict[str, Any]:
    return {
        "sessions": {name: list(windows) for name, windows in duty.sessions.items()},
        "clerks": {name: list(windows) for name, windows in duty.clerks.items()},
        "reserve": list(duty.reserve) if duty.reserve is not None else None,
    }


def from_json(raw: Mapping[str, Any]) -> DayDuty:
    reserve = raw.get("reserve")
    return DayDuty(
        {str(name): tuple(int(n) for n in windows) for name, windows in raw["sessions"].items()},
        {str(name): tuple(int(n) for n in windows) for name, windows in raw["clerks"].items()},
        tuple(str(name) for name in reserve) if reserve is not None else None,
    )
