"""Windows in the statistics: when each was open, how long it served, and its busy ratio (忙闲率).

A window is open while the day's sessions staff it, and after a session's end for as long as it is still serving
(延时服务); a window no session staffs that day (every window of a hall without sessions) is open from its first
call to its last visitor leaving. The definitions are written out in :mod:`queue_server.core.statistics.summary`.
Pure: no Redis, no clock; moments are seconds since the epoch.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from queue_server.core.holidays import day_kind
from queue_server.core.statistics.visits import (
    Interval,
    Visit,
    at,
    business_day_end,
    clipped,
    inside,
    length,
    mean,
    merged,
    minutes,
    overlap,
    ratio,
)

if TYPE_CHECKING:
    from queue_server.core.hall import Hall, Session, Window

Staffed = tuple[float, float, str]  # a session's start and end on a day, and its name


@dataclass(frozen=True)
class DayPlan:
    """What the calendar says about one business day."""

    day: date
    sessions: tuple[Session, ...]  # the sessions that ran (Session.runs_on the day's kind)
    close: float  # the hall's latest session end plus its extension; the business day's end without sessions
    end: float  # the business day's end: the next rollover


def day_plan(hall: Hall, day: date) -> DayPlan:
    end = business_day_end(day, hall.rollover, hall.timezone)
    kind = day_kind(day, hall.calendar)
    sessions = tuple(s for s in hall.sessions if s.runs_on(day, kind))
    close = max((_session_close(hall, day, s) for s in sessions), default=end)
    return DayPlan(day, sessions, min(close, end), end)


def _session_close(hall: Hall, day: date, session: Session) -> float:
    return at(day, session.end, hall.timezone) + session.extension_minutes * 60


def staffs(session: Session, window: Window) -> bool:
    """The session staffs the window: it is among the session's windows (none listed: all) and serves one of the
    session's categories (none listed: any). No session staffs a reserve window (后台力量's)."""
    listed = window.number in session.windows if session.windows else not window.reserve
    return listed and (not session.services or any(code in window.services for code in session.services))


def staffed(hall: Hall, plan: DayPlan, window: Window) -> list[Staffed]:
    return [
        (at(plan.day, s.start, hall.timezone), at(plan.day, s.end, hall.timezone), s.name)
        for s in plan.sessions
        if staffs(s, window)
    ]


def window_close(hall: Hall, plan: DayPlan, window: Window) -> float:
    """The latest end plus extension of the sessions staffing the window that day; else the hall's close."""
    closes = [_session_close(hall, plan.day, s) for s in plan.sessions if staffs(s, window)]
    return min(max(closes, default=plan.close), plan.end)


def window_closes(hall: Hall, plans: Iterable[DayPlan]) -> dict[tuple[date, int], float]:
    """:func:`window_close` of every window on every day, by (day, window number)."""
    return {(plan.day, w.number): window_close(hall, plan, w) for plan in plans for w in hall.windows}


def visit_end(visit: Visit, close: float, day_end: float, now: float) -> tuple[float, bool]:
    """When a called visitor left the window, and whether the handling time is known.

    A visitor who left within the business day left when the ticket says. One still at the window, or completed
    only on a later day (a clerk who went home without pressing 办结, and the next morning's 呼叫下一位 completed
    the ticket), is counted at the window until the window's close (or now), and the handling time is unknown.
    """
    called = visit.called if visit.called is not None else 0.0
    if visit.left is not None and visit.left <= day_end:
        return min(visit.left, now), visit.left <= now
    return max(called, min(close, now)), False


def open_intervals(
    staffed_times: Sequence[Staffed], spans: Sequence[Interval], selected: Collection[str] | None = None
) -> list[Interval]:
    """When a window was open on one day: its staffed times, joined where they touch into stretches, each
    stretch kept open after its end until the last visitor called during it (or after it, before the next
    stretch) has left, and the first opened early for a visitor called before it. Without staffed times:
    from the first call to the last visitor leaving.

    ``spans`` are the (called, left) times of the window's visitors. ``selected``: only the staffed times of
    the sessions of those names, with the early opening when one of them starts its stretch and the time
    after the end when one of them ends it.
    """
    if not staffed_times:
        if selected is not None or not spans:
            return []
        return merged([(min(c for c, _ in spans), max(e for _, e in spans))])
    stretches: list[tuple[float, float, list[Staffed]]] = []
    for start, end, name in sorted(staffed_times):
        if stretches and start <= stretches[-1][1]:
            first, last, members = stretches[-1]
            stretches[-1] = (first, max(last, end), [*members, (start, end, name)])
        else:
            stretches.append((start, end, [(start, end, name)]))
    found: list[Interval] = []
    for i, (start, end, members) in enumerate(stretches):
        following = stretches[i + 1][0] if i + 1 < len(stretches) else math.inf
        late = max([end, *(e for c, e in spans if start <= c < following)])
        early = min([start, *(c for c, _ in spans if c < start)]) if i == 0 else start
        if selected is None:
            found.append((early, late))
            continue
        chosen = [(s, e) for s, e, name in members if name in selected]
        found += chosen
        if any(s == start for s, _ in chosen):
            found.append((early, start))
        if any(e == end for _, e in chosen):
            found.append((end, late))
    return merged(found)


@dataclass
class _Totals:
    open: float = 0.0
    serving: float = 0.0
    paused: float = 0.0
    served: int = 0
    tidal_served: int = 0
    handling: list[float] = field(default_factory=list)


def window_table(
    hall: Hall,
    visits: Iterable[Visit],
    plans: Sequence[DayPlan],
    paused_ms: Mapping[str, int],
    selected: Collection[str] | None,
    now: float,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """One row per window of the hall, and the spread of the busy ratio across the windows that were open."""
    at_window: dict[tuple[date, int], list[Visit]] = defaultdict(list)
    for v in visits:
        if v.called is not None and v.window is not None:
            at_window[(v.day, v.window)].append(v)
    rows: list[dict[str, Any]] = []
    ratios: list[float] = []
    for window in hall.windows:
        totals = _Totals()
        for plan in plans:
            _add_day(totals, hall, plan, window, at_window.get((plan.day, window.number), []), paused_ms, selected, now)
        busy = totals.serving / totals.open if totals.open > 0 else None
        if busy is not None:
            ratios.append(busy)
        rows.append(
            {
                "number": window.number,
                "tidal": window.tidal,
                "services": list(window.services),
                "open_minutes": minutes(totals.open),
                "serving_minutes": minutes(totals.serving),
                "paused_minutes": minutes(totals.paused),
                "busy_ratio": ratio(busy),
                "served": totals.served,
                "tidal_served": totals.tidal_served,
                "mean_handling": minutes(mean(totals.handling)),
            }
        )
    return rows, busy_spread(ratios)


def _add_day(
    totals: _Totals,
    hall: Hall,
    plan: DayPlan,
    window: Window,
    visits: list[Visit],
    paused_ms: Mapping[str, int],
    selected: Collection[str] | None,
    now: float,
) -> None:
    close = window_close(hall, plan, window)
    ends = [visit_end(v, close, plan.end, now) for v in visits]
    spans = [(v.called or 0.0, end) for v, (end, _) in zip(visits, ends, strict=True)]
    times = staffed(hall, plan, window)
    everything = clipped(open_intervals(times, spans), -math.inf, now)
    chosen = everything if selected is None else clipped(open_intervals(times, spans, selected), -math.inf, now)
    if not chosen:
        return
    serving = overlap(merged(spans), chosen)
    # Paused time is kept per day, not per session: a session gets its share of it.
    paused = paused_ms.get(f"{plan.day.isoformat()}|{window.number}", 0) / 1000 * length(chosen) / length(everything)
    opened = max(length(chosen) - paused, serving)
    totals.open += opened
    totals.paused += length(chosen) - opened
    totals.serving += serving
    for v, (end, known) in zip(visits, ends, strict=True):
        if v.state != "served" or v.called is None or (selected is not None and not inside(v.called, chosen)):
            continue
        totals.served += 1
        totals.tidal_served += v.tidal
        if known:
            totals.handling.append(end - v.called)


def busy_spread(ratios: Sequence[float]) -> dict[str, Any]:
    """Max − min and the population standard deviation of the windows' busy ratios (忙闲率差异)."""
    if not ratios:
        return {"windows": 0, "max": None, "min": None, "max_minus_min": None, "stdev": None}
    average = sum(ratios) / len(ratios)
    stdev = math.sqrt(sum((r - average) ** 2 for r in ratios) / len(ratios))
    return {
        "windows": len(ratios),
        "max": ratio(max(ratios)),
        "min": ratio(min(ratios)),
        "max_minus_min": ratio(max(ratios) - min(ratios)),
        "stdev": ratio(stdev),
    }
