"""The supervisor console's figures (值班长控制台, ``/supervise/{hall}``): what each window is doing, and how each
category's line is going. Pure: the hall snapshot, today's tickets, the busy-time rows of the statistics summary
and ``now`` in; JSON-able records out.

- A window's **state**: ``serving`` (a visitor at it), ``closed`` (no running session staffs it, or a reserve
  window (后台力量) no reserve clerk has sat down at, and nobody at it), ``paused`` (暂停), else ``idle``. The tidal
  controller counts a window as serving nobody in the same cases (``tidal_controller``: unstaffed counts as paused).
- A category's **windows serving** it: the windows not closed or paused whose current categories include it (a
  switched tidal window serves its tidal category only), as :func:`queue_server.core.tidal.serving_counts` counts.
- **Predicted wait** = waiting × recent minutes per visitor ÷ windows serving
  (:func:`queue_server.core.tidal.predicted_wait`, the figure the controller compares with ``open_at_minutes``);
  recent minutes are the mean of the category's last handling times, the configured typical minutes without any.
- **Trend** over the last :data:`TREND_MINUTES`: arrivals (tickets issued for the category) against calls (tickets
  of the category called to a window). The line grows by about their difference, so more than
  :data:`TREND_MARGIN` more arrivals than calls is ``rising``, as many fewer ``falling``, anything between
  ``steady``. This is the line's own recent history, read from the stored tickets without keeping any counter; a
  transfer (转移) moves a visitor between lines without being an arrival or a call, so it is not seen.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Literal, TypedDict

from queue_server.core.hall import Hall
from queue_server.core.records import Category, Code, Moment, WindowView
from queue_server.core.statistics.visits import read_visit
from queue_server.core.tidal import Line, predicted_wait
from queue_server.core.tidal_records import Alert, ReserveClerk, Suggestion

TREND_MINUTES = 15
TREND_MARGIN = 2  # visitors: a line that grew or shrank by this many or fewer in TREND_MINUTES is steady

ConsoleState = Literal["idle", "serving", "paused", "closed"]
Trend = Literal["rising", "steady", "falling"]


class ConsoleTicket(TypedDict):
    number: str
    service: Code
    priority: bool
    called_at: Moment | None


class ConsoleSwitch(TypedDict):
    """Where a tidal window is switched to: by a supervisor (``manual``) or the controller, since when, and why."""

    service: Code
    since: Moment
    manual: bool
    cause: str | None
    reason: str


class ConsoleWindow(TypedDict):
    number: int
    state: ConsoleState
    tidal: bool
    reserve: bool  # 后台力量's window: opened only by a reserve clerk answering an alert
    services: list[Code]  # what it calls now
    home_services: list[Code]
    switched_to: ConsoleSwitch | None
    clerk: str | None  # display name
    ticket: ConsoleTicket | None
    served_today: int
    open_minutes: float | None  # today so far, from the statistics summary
    serving_minutes: float | None
    busy_ratio: float | None  # 忙闲率: serving ÷ open; None while the window has not been open today


class ConsoleCategory(TypedDict):
    code: Code
    name: str
    name_en: str
    waiting: int
    priority_waiting: int
    windows_serving: int
    minutes_per_visitor: float
    predicted_wait: float | None  # minutes; None when no window serves the category
    trend: Trend
    arrived_recently: int  # in the last TREND_MINUTES
    called_recently: int


class HallName(TypedDict):
    id: str
    name: str
    name_en: str


class BusySpread(TypedDict):
    """忙闲率差异 over the windows open today (docs/statistics.md): None while none has been."""

    windows: int
    max: float | None
    min: float | None
    max_minus_min: float | None
    stdev: float | None


class TidalShare(TypedDict):
    served: int
    tidal_served: int  # called at a tidal window while it was switched
    share: float | None
    at_tidal_windows: int
    at_tidal_windows_share: float | None


class Console(TypedDict):
    """The supervisor console (值班长控制台): the hall now, and today's busy spread and tidal share so far."""

    hall: HallName
    business_day: str
    now: Moment
    mode: Literal["auto", "suggest"]  # the tidal controller switches by itself, or suggests for approval
    windows: list[ConsoleWindow]
    categories: list[ConsoleCategory]
    alerts: list[Alert]  # reserve wanted (后台力量): open and accepted alerts, oldest first
    suggestions: list[Suggestion]  # switches waiting for a supervisor's approval (suggest mode), oldest first
    reserve_staff: list[ReserveClerk]
    busy_spread: BusySpread
    tidal_share: TidalShare


def recent_minutes(raw: Mapping[str, str]) -> dict[str, float]:
    """The mean of each category's last handling times, from the store's handling hash (code → JSON list of minutes),
    as the tidal controller reads it; a category with none, or an unreadable entry, is left out."""
    found: dict[str, float] = {}
    for code, text in raw.items():
        try:
            values = json.loads(text)
        except ValueError:
            continue
        if isinstance(values, list) and values and all(isinstance(v, int | float) for v in values):
            found[code] = sum(values) / len(values)
    return found


def window_state(view: WindowView, staffed: bool) -> ConsoleState:
    """See the module's docstring; ``staffed``: a running session staffs it (for a reserve window: a clerk sits
    there)."""
    if view["ticket"]:
        return "serving"
    if not staffed:
        return "closed"
    return "paused" if view["state"] == "paused" else "idle"


def console_windows(
    hall: Hall, views: Sequence[WindowView], staffed: set[int], busy: Iterable[Mapping[str, Any]]
) -> list[ConsoleWindow]:
    """Each window as the console shows it: ``views`` from the snapshot, ``staffed`` the windows a running session
    staffs now, ``busy`` the summary's window rows of today."""
    rows = {row["number"]: row for row in busy}
    reserve = {w.number for w in hall.windows if w.reserve}
    found: list[ConsoleWindow] = []
    for view in views:
        n = view["number"]
        # nobody staffs a reserve window but the reserve clerk who signed in there
        at_work = bool(view["clerk"]) if n in reserve else n in staffed
        ticket = view["ticket"]
        switched = view["switched_to"]
        row = rows.get(n, {})
        found.append(
            {
                "number": n,
                "state": window_state(view, at_work),
                "tidal": view["tidal"],
                "reserve": n in reserve,
                "services": list(view["services"]),
                "home_services": list(view["home_services"]),
                "switched_to": None
                if switched is None
                else {
                    "service": switched["service"],
                    "since": switched["since"],
                    "manual": switched["manual"],
                    "cause": switched.get("cause"),
                    "reason": switched["reason"],
                },
                "clerk": view["clerk"],
                "ticket": None
                if not ticket
                else {
                    "number": ticket["number"],
                    "service": ticket["service"],
                    "priority": ticket["priority"],
                    "called_at": ticket.get("last_called_at") or ticket.get("called_at"),
                },
                "served_today": view["served_today"],
                "open_minutes": row.get("open_minutes"),
                "serving_minutes": row.get("serving_minutes"),
                "busy_ratio": row.get("busy_ratio"),
            }
        )
    return found


def serving(windows: Iterable[ConsoleWindow]) -> dict[str, int]:
    """How many windows serve each category now (closed and paused ones serve nobody)."""
    counts: dict[str, int] = {}
    for w in windows:
        if w["state"] in ("idle", "serving"):
            for code in w["services"]:
                counts[code] = counts.get(code, 0) + 1
    return counts


def trend(arrived: int, called: int) -> Trend:
    if arrived - called > TREND_MARGIN:
        return "rising"
    if called - arrived > TREND_MARGIN:
        return "falling"
    return "steady"


def console_categories(
    hall: Hall,
    lines: Sequence[Category],
    windows: Iterable[ConsoleWindow],
    handling: Mapping[str, float],
    tickets: Iterable[Mapping[str, Any]],
    now: datetime,
) -> list[ConsoleCategory]:
    """Each category's line: ``lines`` from the snapshot, ``handling`` from :func:`recent_minutes`, ``tickets``
    today's stored tickets (for the trend)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    since = (now - timedelta(minutes=TREND_MINUTES)).timestamp()
    until = now.timestamp()
    codes = frozenset(hall.service_codes)
    arrived: dict[str, int] = {}
    called: dict[str, int] = {}
    for ticket in tickets:
        visit = read_visit(ticket, codes, hall.timezone)
        if visit is None:
            continue
        if since < visit.issued <= until:
            arrived[visit.issued_for] = arrived.get(visit.issued_for, 0) + 1
        if visit.called is not None and since < visit.called <= until:
            called[visit.service] = called.get(visit.service, 0) + 1
    counts = serving(windows)
    found: list[ConsoleCategory] = []
    for c in lines:
        code = c["code"]
        minutes = handling.get(code) or c["minutes"]
        wait = predicted_wait(Line(code, c["waiting"], minutes), counts.get(code, 0))
        found.append(
            {
                "code": code,
                "name": c["name"],
                "name_en": c["name_en"],
                "waiting": c["waiting"],
                "priority_waiting": c["priority_waiting"],
                "windows_serving": counts.get(code, 0),
                "minutes_per_visitor": round(minutes, 2),
                "predicted_wait": None if wait is None else round(wait, 1),
                "trend": trend(arrived.get(code, 0), called.get(code, 0)),
                "arrived_recently": arrived.get(code, 0),
                "called_recently": called.get(code, 0),
            }
        )
    return found
