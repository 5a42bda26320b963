"""Opening hours (延时错时服务): when a hall issues tickets for a category, from its sessions and calendar.

A session (办理时段) runs on working days, rest days, every day or listed dates, between a start and an end in
the hall's time zone, for some categories at some staffed windows. Sessions of one day that touch or overlap
for a category form one stretch: lunch with fewer windows (午间不间断) or an evening extension does not close
the hall in between. Issuing stops at the stretch's end, or earlier when a new visitor could not be served
before the end plus the session's extension (当日事当日毕: those already in line are still served).

A hall without sessions is open at all times. Pure: every function takes ``now``; no Redis, no I/O.
Overnight sessions (end before start) are not supported; a session ends on the day it starts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from queue_server.core import records
from queue_server.core.hall import Session
from queue_server.core.holidays import day_kind

if TYPE_CHECKING:
    from queue_server.core.hall import Hall

SEARCH_DAYS = 366  # next_opening looks this far ahead, so a yearly listed date is still found


@dataclass(frozen=True)
class Stretch:
    """Sessions of one day that touch or overlap for a category: the hall is open from start to end."""

    start: datetime
    end: datetime
    sessions: tuple[Session, ...]

    @property
    def last(self) -> Session:
        """The session that closes the stretch: its windows and extension decide the cut-off."""
        return max(self.sessions, key=lambda s: (s.end, s.extension_minutes))


@dataclass(frozen=True)
class Opening:
    """Whether a category is open at a moment, for the API, the snapshot and the kiosk."""

    open: bool  # a session serving the category is running
    issuing: bool  # a new ticket would still be served today
    session: Session | None = None
    ends_at: datetime | None = None
    issuing_until: datetime | None = None
    next_opening: datetime | None = None

    def as_dict(self) -> records.Opening:
        def iso(moment: datetime | None) -> str | None:
            return moment.isoformat() if moment else None

        return {
            "open": self.open,
            "issuing": self.issuing,
            "session": self.session.name if self.session else None,
            "session_en": self.session.name_en if self.session else None,
            "ends_at": iso(self.ends_at),
            "issuing_until": iso(self.issuing_until),
            "next_opening": iso(self.next_opening),
        }


def staffed_windows(session: Session, hall: Hall, service: str, day: date | None = None) -> int:
    """How many of the session's staffed windows serve ``service``: by the hall file, or, given ``day``, by the
    rota kept for that day (:meth:`Hall.windows_of`)."""
    numbers = hall.windows_of(session, day)
    return sum(1 for n in numbers if (w := hall.window(n)) is not None and service in w.services)


def serving_now(session: Session, hall: Hall, service: str, now: datetime) -> int:
    """The windows serving ``service`` for the cut-off at ``now``: the day's rota where one is kept. Never fewer
    than one: the hall file promises the category open (its published hours), so somebody serves it, a tidal
    window or a back-office clerk, even where the rota left its posts uncovered."""
    return max(1, staffed_windows(session, hall, service, now.astimezone(hall.timezone).date()))


def serves(session: Session, hall: Hall, service: str) -> bool:
    listed = not session.services or service in session.services
    return listed and staffed_windows(session, hall, service) > 0


def sessions_on(day: date, hall: Hall, service: str) -> list[Session]:
    """The sessions that run on ``day`` and serve ``service``, by start time."""
    kind = day_kind(day, hall.calendar)
    found = [s for s in hall.sessions if s.runs_on(day, kind) and serves(s, hall, service)]
    return sorted(found, key=lambda s: s.start)


def stretches_on(day: date, hall: Hall, service: str) -> list[Stretch]:
    """The day's open stretches for ``service``: its sessions, merged where they touch or overlap."""
    stretches: list[Stretch] = []
    for s in sessions_on(day, hall, service):
        start = datetime.combine(day, s.start, tzinfo=hall.timezone)
        end = datetime.combine(day, s.end, tzinfo=hall.timezone)
        if stretches and start <= stretches[-1].end:
            last = stretches[-1]
            stretches[-1] = Stretch(last.start, max(last.end, end), (*last.sessions, s))
        else:
            stretches.append(Stretch(start, end, (s,)))
    return stretches


def current_stretch(now: datetime, hall: Hall, service: str) -> Stretch | None:
    _check_aware(now)
    local = now.astimezone(hall.timezone)
    return next((st for st in stretches_on(local.date(), hall, service) if st.start <= now < st.end), None)


def current_session(now: datetime, hall: Hall, service: str) -> Session | None:
    """The session serving ``service`` at ``now`` (the first listed, if several overlap); None when closed."""
    stretch = current_stretch(now, hall, service)
    if stretch is None:
        return None
    local = now.astimezone(hall.timezone).time()
    return next(s for s in hall.sessions if s in stretch.sessions and s.start <= local < s.end)


def session_end(now: datetime, hall: Hall, service: str) -> datetime | None:
    """When the open stretch around ``now`` ends for ``service``; None when closed now."""
    stretch = current_stretch(now, hall, service)
    return stretch.end if stretch else None


def next_opening(now: datetime, hall: Hall, service: str) -> datetime | None:
    """The next moment after ``now`` at which ``service`` opens, within a year; None if never."""
    _check_aware(now)
    today = now.astimezone(hall.timezone).date()
    for offset in range(SEARCH_DAYS):
        for stretch in stretches_on(today + timedelta(days=offset), hall, service):
            if stretch.start > now:
                return stretch.start
    return None


def next_change(now: datetime, hall: Hall) -> datetime | None:
    """The next moment after ``now`` at which a session of the hall starts or ends (the hall screen's session
    line and the kiosk's open categories change then, with no ticket event to tell them); None for a hall
    without sessions, or none within two days."""
    _check_aware(now)
    today = now.astimezone(hall.timezone).date()
    moments = []
    for day in (today, today + timedelta(days=1), today + timedelta(days=2)):
        kind = day_kind(day, hall.calendar)
        for s in hall.sessions:
            if s.runs_on(day, kind):
                moments += [datetime.combine(day, t, tzinfo=hall.timezone) for t in (s.start, s.end)]
    return min((m for m in moments if m > now), default=None)


def issuing_cutoff(
    end: datetime, extension_minutes: float, waiting: int, windows: int, minutes_per_visitor: float
) -> datetime:
    """The last moment a new ticket can be issued and still be served by ``end`` plus the extension.

    The newcomer waits for ``waiting`` visitors, shared among ``windows``, and is then served; the cut-off is
    never after ``end`` itself, since issuing stops when the session ends.
    """
    if windows < 1:
        raise ValueError("a session needs at least one staffed window")
    needed = (waiting + 1) * minutes_per_visitor / windows
    return min(end, end + timedelta(minutes=extension_minutes - needed))


def windows_staffed(now: datetime, hall: Hall) -> set[int]:
    """The windows some running session staffs at ``now`` (all of them for a hall without sessions). A window
    nobody staffs serves no one, however idle it looks: no tidal switch may count on it. Where a rota is kept for
    the day, a session staffs the windows of its posts that have a clerk (:meth:`Hall.windows_of`). A reserve
    window (后台力量) is staffed by no session: only a reserve clerk who answers an alert opens it."""
    _check_aware(now)
    if not hall.sessions:
        return {w.number for w in hall.windows}
    local = now.astimezone(hall.timezone)
    kind = day_kind(local.date(), hall.calendar)
    staffed: set[int] = set()
    for s in hall.sessions:
        if s.runs_on(local.date(), kind) and s.start <= local.time() < s.end:
            staffed.update(hall.windows_of(s, local.date()))
    return staffed


def reserve_on_duty(now: datetime, hall: Hall) -> tuple[str, ...]:
    """The back-office clerks (后台力量) who may be called forward at ``now``: those the day's published rota has on
    back-office duty in the sessions running now (between sessions and during the extension: in the last one to
    have started; before the day's first: in any of the day's); a session it does not roster, and a day without a
    rota, have the hall file's. In the hall file's order."""
    every = hall.reserve.clerks if hall.reserve is not None else ()
    local = now.astimezone(hall.timezone)
    duty = hall.duty.get(local.date())
    if duty is None or duty.reserve is None:
        return every
    kind = day_kind(local.date(), hall.calendar)
    today = [s for s in hall.sessions if s.runs_on(local.date(), kind)]
    running = [s for s in today if s.start <= local.time() < s.end]
    if not running:
        started = [s for s in today if s.start <= local.time()]
        running = [max(started, key=lambda s: (s.start, s.end))] if started else today
    found: set[str] = set()
    for session in running:
        found.update(duty.reserve.get(session.name, every))
    return tuple(name for name in every if name in found)


def max_waiting(now: datetime, hall: Hall, service: str) -> int | None:
    """How many visitors may already wait in ``service`` for a newcomer still to be served today.

    The same rule as :func:`issuing_cutoff`, turned around so that the issue script can compare it with the
    waiting count it reads atomically: a newcomer behind ``waiting`` others is served in time when
    ``(waiting + 1) * minutes / windows < end + extension - now``. None: no limit (a hall without sessions);
    negative: issuing is closed whatever the line (outside a session, or past the session's end).
    """
    _check_aware(now)
    category = hall.service(service)
    if category is None:
        raise ValueError(f"unknown category {service!r}")
    if not hall.sessions:
        return None
    stretch = current_stretch(now, hall, service)
    if stretch is None:
        return -1
    last = stretch.last
    remaining = (stretch.end + timedelta(minutes=last.extension_minutes) - now).total_seconds() / 60
    served_in_time = remaining * serving_now(last, hall, service, now) / category.minutes
    # waiting + 1 < served_in_time  <=>  waiting <= ceil(served_in_time) - 2
    return math.ceil(served_in_time) - 2


def opening(now: datetime, hall: Hall, service: str, waiting: int = 0) -> Opening:
    """Everything the hall says about ``service`` at ``now``, given ``waiting`` visitors already in line."""
    _check_aware(now)
    category = hall.service(service)
    if category is None:
        raise ValueError(f"unknown category {service!r}")
    if not hall.sessions:
        return Opening(open=True, issuing=True)
    stretch = current_stretch(now, hall, service)
    upcoming = next_opening(now, hall, service)
    if stretch is None:
        return Opening(open=False, issuing=False, next_opening=upcoming)
    last = stretch.last
    windows = serving_now(last, hall, service, now)
    until = issuing_cutoff(stretch.end, last.extension_minutes, waiting, windows, category.minutes)
    return Opening(
        open=True,
        issuing=now < until,
        session=current_session(now, hall, service),
        ends_at=stretch.end,
        issuing_until=until,
        next_opening=upcoming,
    )


def hall_hours(openings: dict[str, Opening]) -> records.HoursNow:
    """The hall as a whole, from its categories' openings: open while any is, with the sessions running now;
    else closed, with the earliest next opening."""
    running = [o for o in openings.values() if o.open]
    sessions = list(dict.fromkeys(o.session.name for o in running if o.session))
    sessions_en = list(dict.fromkeys(o.session.name_en for o in running if o.session))
    upcoming = [o.next_opening for o in openings.values() if o.next_opening]
    return {
        "open": bool(running),
        "sessions": sessions,
        "sessions_en": sessions_en,
        "next_opening": None if running or not upcoming else min(upcoming).isoformat(),
    }


def _check_aware(now: datetime) -> None:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
