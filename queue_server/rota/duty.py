"""Who is on duty each day of a month, by its published rota: what the rest of the system reads (which windows a
session staffs, who may sign in where, which back-office clerks may be called forward).

The rota keeps, for each day, the sessions it rostered and the posts that have a clerk (:func:`held_posts`). Each
server process turns a day's record into a :class:`DayDuty` against the hall file and the approved time off *as
they are now* (:func:`day_duty`), so a clerk since removed from the hall file, or given leave after the rota was
made, holds nothing:

- a session staffs the windows of its posts that are held: a post left open is a window nobody sits at, so the
  tidal controller does not count on it and the cut-off does not count it;
- a clerk may sign in at the windows of their posts that day;
- the back-office clerks on duty in a session are those holding its back-office post; a session whose back-office
  posts nobody holds, or a hall that no longer rosters its back office (``on_duty = 0``), keeps the hall file's
  reserve clerks, so that a gap in the rota never leaves the hall with no one to call forward.

Pure.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date
from typing import Any

from queue_server.core.hall import DayDuty, Hall
from queue_server.rota.needs import Month


def held_posts(month: Month, assignments: Mapping[str, str]) -> dict[date, dict[str, Any]]:
    """Each day's sessions and held posts, as the rota keeps them (JSON)."""
    days: dict[date, dict[str, Any]] = {}
    for post in month.posts:
        day = days.setdefault(post.day, {"sessions": [], "held": []})
        day["sessions"] += [name for name in post.sessions if name not in day["sessions"]]
        if (username := assignments.get(post.key)) is not None:
            held = {"window": post.window, "sessions": list(post.sessions), "clerk": username}
            day["held"].append({**held, "back_office": post.back_office})
    return days


def day_duty(record: Mapping[str, Any], hall: Hall, away: Collection[str] = ()) -> DayDuty:
    """The day's :class:`DayDuty` from its kept record, counting only holders the hall file still places there
    and who are not ``away`` (approved time off that day)."""
    sessions: dict[str, set[int]] = {str(name): set() for name in record["sessions"]}
    clerks: dict[str, set[int]] = {}
    back_office: dict[str, set[str]] = {}
    rostered = hall.reserve.clerks if hall.reserve is not None and hall.reserve.on_duty else ()
    for held in record["held"]:
        username, window = str(held["clerk"]), int(held["window"])
        clerk = hall.clerk(username)
        if clerk is None or username in away:
            continue
        if held["back_office"]:
            if username in rostered:
                for name in held["sessions"]:
                    back_office.setdefault(str(name), set()).add(username)
        elif clerk.role == "clerk":
            for name in held["sessions"]:
                sessions.setdefault(str(name), set()).add(window)
            clerks.setdefault(username, set()).add(window)
    return DayDuty(
        {name: tuple(sorted(found)) for name, found in sessions.items()},
        {name: tuple(sorted(found)) for name, found in clerks.items()},
        {name: tuple(sorted(found)) for name, found in back_office.items()} if rostered else None,
    )
