"""The city overview (全市大厅概览): every hall in one line each, and who needs help first.

A hall's line is made from what its own screens already say (its snapshot: hours, lines, windows) and how long the
first in a line has waited. The "needs help" score puts the halls a city supervisor should look at first on top:

- ``longest wait ÷ the hall's own target`` (its ``[staffing] target_minutes``, 服务目标): 1.0 means the longest
  waiter has waited exactly the hall's target; 2.0 twice that. Halls keep different targets (a township's may be
  longer than the city centre's), so a hall is measured against its own promise, not against the others;
- plus 1.0 when visitors wait and no window is open: nobody is serving them, whatever the clock says so far.

Equal scores are broken by visitors waiting per open window (more first), then by the hall's id, so the order is
stable from one refresh to the next. A hall where nobody waits scores 0. Pure: no Redis, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, TypedDict

from queue_server.core.records import Moment, Snapshot

HallState = Literal["open", "extended", "closed"]
NO_WINDOW_PENALTY = 1.0  # visitors wait and no window is open: as urgent as a whole target's wait
MIN_TARGET_MINUTES = 1.0  # a target of 0 minutes ("call at once") still divides by something


class CityHall(TypedDict):
    """One hall on the city overview."""

    id: str
    name: str
    name_en: str
    state: HallState  # open; extended (延时服务: past the last session, those in line still served); closed
    sessions: list[str]  # the sessions running now
    sessions_en: list[str]
    next_opening: Moment | None  # when a closed hall opens again
    waiting: int  # visitors in line, every category, priority included
    longest_wait_minutes: float  # how long the first in the longest-waiting line has waited, 0 when nobody waits
    target_minutes: float  # the hall's own service target ([staffing] target_minutes)
    windows_open: int  # windows with a clerk signed in (or serving a visitor) and not paused
    windows: int  # every window of the hall, tidal and back-office ones included
    tidal_switched: int  # tidal windows switched to another category now (潮汐窗口)
    served_today: int  # visitors served to the end today, every window
    needs_help: float  # the score the overview is sorted by (this module's docstring)


class City(TypedDict):
    """The city overview: every hall, the one that needs help most first."""

    now: Moment
    halls: list[CityHall]


def hall_state(open_now: bool, extended: bool) -> HallState:
    """open while a session runs; extended (延时服务) when none runs but those in line are still being served."""
    if open_now:
        return "open"
    return "extended" if extended else "closed"


def windows_open(windows: Iterable[dict[str, object]]) -> int:
    """Windows that serve now: not paused, and with a clerk signed in or a visitor at the counter."""
    return sum(1 for w in windows if w.get("state") != "paused" and (w.get("clerk") or w.get("ticket")))


def needs_help(longest_wait_minutes: float, target_minutes: float, waiting: int, open_windows: int) -> float:
    """The overview's score: the longest wait as a share of the hall's target, plus 1 when visitors wait at no
    open window; 0 when nobody waits. Rounded to hundredths, as the page shows it."""
    if waiting <= 0:
        return 0.0
    score = max(0.0, longest_wait_minutes) / max(target_minutes, MIN_TARGET_MINUTES)
    if open_windows <= 0:
        score += NO_WINDOW_PENALTY
    return round(score, 2)


def city_hall(snapshot: Snapshot, longest_wait_minutes: float, target_minutes: float) -> CityHall:
    """A hall's line on the overview, from its snapshot and its longest wait now."""
    hall, hours, windows = snapshot["hall"], snapshot["hours"], snapshot["windows"]
    waiting = sum(c["waiting"] for c in snapshot["categories"])
    longest = round(longest_wait_minutes, 1) if waiting else 0.0
    open_windows = windows_open([dict(w) for w in windows])
    return {
        "id": hall["id"],
        "name": hall["name"],
        "name_en": hall["name_en"],
        "state": hall_state(hours["open"], hours["extended"]),
        "sessions": hours["sessions"],
        "sessions_en": hours["sessions_en"],
        "next_opening": hours["next_opening"],
        "waiting": waiting,
        "longest_wait_minutes": longest,
        "target_minutes": target_minutes,
        "windows_open": open_windows,
        "windows": len(windows),
        "tidal_switched": sum(1 for w in windows if w["switched_to"]),
        "served_today": sum(w["served_today"] for w in windows),
        "needs_help": needs_help(longest, target_minutes, waiting, open_windows),
    }


def help_order(halls: Iterable[CityHall]) -> list[CityHall]:
    """The halls, the one that needs help most first: by score, then waiting per open window, then id."""

    def key(h: CityHall) -> tuple[float, float, str]:
        per_window = h["waiting"] / max(h["windows_open"], 1)
        return (-h["needs_help"], -per_window, h["id"])

    return sorted(halls, key=key)
