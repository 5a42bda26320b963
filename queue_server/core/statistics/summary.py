"""How the hall is doing (统计): a summary of a day, a session or a date range, from the stored tickets.

:func:`summarise` is pure: it takes the tickets of the period (``HallStore.tickets_of_days``), the windows'
paused time (the ``paused_ms`` hash: "YYYY-MM-DD|n" → ms) and the bookings, and returns a JSON-able dict.
Everything below is counted per business day (the day a ticket was issued in, rollover included); moments are
read from the tickets, so nothing depends on the event stream.

Definitions (minutes to two decimals, ratios to four):

- **Period**: business days ``first`` to ``last``, both included. ``session=<name>`` (a session's ``name`` or
  ``name_en``; several sessions may share one) narrows the categories, waits, arrivals, tidal share and
  appointments to tickets issued (bookings booked for a slot) between that session's start and end on days it
  ran, and the windows to that session's open time. ``now`` is the moment of the report: nothing after it counts
  (today is a day in progress).
- **Issued** counts a ticket under the category it was issued for (its number's letter); **served**,
  **skipped**, **expired**, **waiting_now** (still in line) and **at_window** (called, not finished) count it
  under the category it ended in, which differs after a transfer (转移).
- **Wait** of a called ticket (called, served or skipped) = its last call − its issue, in minutes.
  **wait_p50** / **wait_p90** are nearest-rank percentiles: the ⌈p/100 · n⌉-th smallest of the n waits
  (1-based); **wait_max** the largest; **wait_mean** the mean. None when nothing was called.
- **Handling** of a served ticket = finished − called. **mean_handling** is its mean over the served tickets
  whose finish is known: a ticket still at a window, or completed only on a later business day (a clerk went
  home without pressing 办结), has no known handling time.
- **Window open time**, per business day: the times the sessions that ran that day (per the calendar) staff the
  window (listed among the session's windows, or the session lists none, and the window serves one of its
  categories, or it lists none), joined where they touch; after a stretch of staffed time ends, the window stays
  open until the last visitor called during it (or after it, before the next stretch) has left (延时服务), and a
  visitor called before the day's first stretch opens it early. A window no session staffs that day (every
  window of a hall without sessions) is open from its first call to its last visitor leaving. Paused time
  (暂停) that day is subtracted, but open time never drops below serving time; with a session filter, the
  session gets the share of the day's paused time that its open time is of the window's. Nothing after ``now``.
- **Serving time** of a window = the union of (called → left) of the tickets called there, within its open
  time: left is the finish (served) or the skip (skipped: the window waited for a visitor who did not come).
  A ticket still at the window, or completed only on a later business day, counts until the window's close
  (the latest end plus extension of the sessions staffing it; without sessions, the business day's end) or now.
  A ticket keeps only its last call, so the time of an earlier call (before a transfer or a requeue) is not seen.
- **Busy ratio** (忙闲率) = serving time ÷ open time; None for a window that was not open. **busy_spread**:
  over the windows that were open, max − min of their busy ratios and the population standard deviation.
  Windows: **served** counts tickets served there (with a session filter: called within the session's open
  time), **tidal_served** those of them called while the window was switched (潮汐窗口).
- **tidal_share**: served tickets called at a tidal window while it was switched ÷ all served tickets; also
  the count, and the share served at tidal windows whether switched or not.
- **Appointments** (预约): bookings for a date in the period (with a session filter: a slot in the session):
  **booked** = all but the cancelled ones, **checked_in**, **missed** (no-show), **cancelled**, **pending**
  (booked, neither checked in nor missed yet).
- **arrivals_per_hour**: tickets issued in each local hour "00".."23", summed over the period.
- **waiting_per_hour**: the time-weighted mean number of visitors waiting in each local hour: visitor-minutes
  waited in that hour ÷ the minutes of that hour observed on the days that had tickets (none after ``now``;
  None for an hour never observed). A visitor waits from issue to the call; one never called until the ticket
  expired, the hall closed (its last session's end plus extension; without sessions, the business day's end)
  or now, whichever came first.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from queue_server.core.hall import Hall, Session
from queue_server.core.holidays import day_kind
from queue_server.core.statistics.by_hour import arrivals_per_hour, waiting_per_hour
from queue_server.core.statistics.visits import Visit, mean, minutes, nearest_rank, ratio, read_visit
from queue_server.core.statistics.windows import DayPlan, day_plan, visit_end, window_closes, window_table

BOOKING_STATES = ("booked", "checked_in", "no_show", "cancelled")


def sessions_named(hall: Hall, name: str) -> tuple[Session, ...]:
    """The hall's sessions called ``name`` (or ``name_en``); ValueError when none is."""
    found = tuple(s for s in hall.sessions if name in (s.name, s.name_en))
    if not found:
        known = ", ".join(dict.fromkeys(s.name for s in hall.sessions)) or "none"
        raise ValueError(f"no session {name!r} in hall {hall.id!r} (sessions: {known})")
    return found


def summarise(
    hall: Hall,
    tickets: Iterable[Mapping[str, Any]],
    first: date,
    last: date,
    *,
    paused_ms: Mapping[str, int] | None = None,
    bookings: Iterable[Mapping[str, Any]] = (),
    session: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The hall's statistics for business days ``first`` to ``last``; see the module's docstring."""
    if last < first:
        raise ValueError(f"the period ends ({last}) before it starts ({first})")
    selected = sessions_named(hall, session) if session is not None else ()
    names = {s.name for s in selected} if session is not None else None
    now_s = now.timestamp() if now is not None else math.inf
    codes = frozenset(hall.service_codes)
    everything: list[Visit] = []
    for ticket in tickets:
        visit = read_visit(ticket, codes, hall.timezone)
        if visit is not None and first <= visit.day <= last and visit.issued <= now_s:
            everything.append(visit)
    visits = [v for v in everything if _in_sessions(hall, v, selected)] if selected else everything
    plans = [day_plan(hall, first + timedelta(days=i)) for i in range((last - first).days + 1)]
    windows, spread = window_table(hall, everything, plans, paused_ms or {}, names, now_s)
    handling = _handling(hall, visits, plans, now_s)
    served = [v for v in visits if v.state == "served"]
    tidal = sum(1 for v in served if v.tidal)
    at_tidal = {w.number for w in hall.windows if w.tidal}
    return {
        "hall": {"id": hall.id, "name": hall.name, "name_en": hall.name_en},
        "period": {
            "first": first.isoformat(),
            "last": last.isoformat(),
            "session": session,
            "days": len(plans),
            "active_days": len({v.day for v in visits}),
            "now": now.isoformat() if now is not None else None,
        },
        "categories": [
            {"code": s.code, "name": s.name, "name_en": s.name_en, **_counts(visits, handling, s.code)}
            for s in hall.services
        ],
        "overall": _counts(visits, handling, None),
        "windows": windows,
        "busy_spread": spread,
        "tidal_share": {
            "served": len(served),
            "tidal_served": tidal,
            "share": ratio(tidal / len(served)) if served else None,
            "at_tidal_windows": (n := sum(1 for v in served if v.window in at_tidal)),
            "at_tidal_windows_share": ratio(n / len(served)) if served else None,
        },
        "appointments": appointments(hall, bookings, first, last, selected),
        "arrivals_per_hour": arrivals_per_hour(visits),
        "waiting_per_hour": waiting_per_hour(hall, visits, {p.day: p.close for p in plans}, now_s),
    }


def _in_sessions(hall: Hall, visit: Visit, sessions: Sequence[Session]) -> bool:
    return _in_session_time(hall, visit.day, visit.issued_local.time(), sessions)


def _in_session_time(hall: Hall, day: date, clock: time, sessions: Sequence[Session]) -> bool:
    kind = day_kind(day, hall.calendar)
    return any(s.runs_on(day, kind) and s.start <= clock < s.end for s in sessions)


def _handling(hall: Hall, visits: Sequence[Visit], plans: Sequence[DayPlan], now: float) -> dict[int, float]:
    """Handling seconds of the served visits whose finish is known, by the visit's position in ``visits``."""
    closes = window_closes(hall, plans)
    ends = {plan.day: plan.end for plan in plans}
    found: dict[int, float] = {}
    for i, v in enumerate(visits):
        close = closes.get((v.day, v.window or 0))
        if v.state != "served" or v.called is None or close is None:
            continue
        end, known = visit_end(v, close, ends[v.day], now)
        if known:
            found[i] = end - v.called
    return found


def _counts(visits: Sequence[Visit], handling: Mapping[int, float], code: str | None) -> dict[str, Any]:
    """Issued, outcomes, waits and handling of one category, or of all when ``code`` is None."""
    ended = [(i, v) for i, v in enumerate(visits) if code is None or v.service == code]
    states = [v.state for _, v in ended]
    waits = [v.called - v.issued for _, v in ended if v.called is not None]
    handled = [handling[i] for i, _ in ended if i in handling]
    counts: dict[str, Any] = {
        "issued": sum(1 for v in visits if code is None or v.issued_for == code),
        "served": states.count("served"),
        "skipped": states.count("skipped"),
        "expired": states.count("expired"),
        "at_window": states.count("called"),
        "waiting_now": states.count("waiting"),
        "wait_p50": minutes(nearest_rank(waits, 50)),
        "wait_p90": minutes(nearest_rank(waits, 90)),
        "wait_max": minutes(max(waits, default=None)),
        "wait_mean": minutes(mean(waits)),
        "mean_handling": minutes(mean(handled)),
    }
    if code is None:
        counts["still_waiting"] = counts.pop("waiting_now")
    return counts


def appointments(
    hall: Hall, bookings: Iterable[Mapping[str, Any]], first: date, last: date, sessions: Sequence[Session] = ()
) -> dict[str, int]:
    """Bookings (预约) for the period, by what became of them; anything unreadable is left out."""
    states = dict.fromkeys(BOOKING_STATES, 0)
    for booking in bookings:
        if not isinstance(booking, Mapping) or booking.get("state") not in states:
            continue
        try:
            day = date.fromisoformat(str(booking.get("date")))
            slot = time.fromisoformat(str(booking.get("slot"))) if sessions else None
        except ValueError:
            continue
        if not first <= day <= last or (slot is not None and not _in_session_time(hall, day, slot, sessions)):
            continue
        states[str(booking["state"])] += 1
    return {
        "booked": states["booked"] + states["checked_in"] + states["no_show"],
        "checked_in": states["checked_in"],
        "missed": states["no_show"],
        "cancelled": states["cancelled"],
        "pending": states["booked"],
    }
