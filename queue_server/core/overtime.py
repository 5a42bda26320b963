"""Clerks' time outside regular hours (弹性排班 + 调休), from the visitors each clerk called.

Extended hours are sustained by time off in lieu: minutes worked past closing and on weekends are matched by
rest days. This module turns the day's tickets into those minutes, per clerk:

- **after hours** (延时服务, on working days): for each of the day's open stretches (sessions of any category
  that touch or overlap), the minutes from the stretch's end to the end of the clerk's last visit called in it;
  a scheduled evening or night session (错时) is regular time, only what runs past its end counts;
- **rest days** (weekend sessions, 周末专场) and **holidays** (法定节假日, reported apart since halls reward them
  differently): for each stretch the clerk served in, the whole stretch, or longer if the last visit ran
  past its end;
- **time off** (调休) earned: all of it, minute for minute.

A visit belongs to the stretch it was called in, or, when called after a stretch ended (the line served after
closing), to the stretch before. A hall without sessions is always open and has no overtime. Only served visits
count. Pure: the tickets come in as stored (``clerk``, ``called_at``, ``finished_at``, ``business_day``, ``state``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from queue_server.core.holidays import day_kind

if TYPE_CHECKING:
    from queue_server.core.hall import Hall


@dataclass
class ClerkTime:
    """One clerk's minutes outside regular hours in a period, with the days they come from."""

    after_hours: float = 0.0
    rest_days: float = 0.0
    holidays: float = 0.0
    days: dict[str, float] = field(default_factory=dict)  # business day → minutes

    @property
    def time_off(self) -> float:
        return self.after_hours + self.rest_days + self.holidays

    def as_dict(self) -> dict[str, Any]:
        return {
            "after_hours_minutes": round(self.after_hours, 1),
            "rest_day_minutes": round(self.rest_days, 1),
            "holiday_minutes": round(self.holidays, 1),
            "time_off_minutes": round(self.time_off, 1),
            "days": [{"date": d, "minutes": round(m, 1)} for d, m in sorted(self.days.items())],
        }


def hall_stretches(day: date, hall: Hall) -> list[tuple[datetime, datetime]]:
    """The hall's open stretches on ``day``: every session that runs, of any category, merged where they touch."""
    kind = day_kind(day, hall.calendar)
    spans = sorted(
        (datetime.combine(day, s.start, tzinfo=hall.timezone), datetime.combine(day, s.end, tzinfo=hall.timezone))
        for s in hall.sessions
        if s.runs_on(day, kind)
    )
    merged: list[tuple[datetime, datetime]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def overtime(hall: Hall, tickets: Iterable[Mapping[str, Any]]) -> dict[str, ClerkTime]:
    """Each clerk's minutes outside regular hours over ``tickets`` (any number of business days)."""
    visits: dict[tuple[str, str], list[tuple[datetime, datetime]]] = defaultdict(list)
    for t in tickets:
        clerk, called, finished = t.get("clerk"), t.get("called_at"), t.get("finished_at")
        # Served visits only: a skipped visitor who never came back is closed at the rollover (its finished_at is
        # the day's end, not work done), and so is a visit still open then.
        if clerk and called and finished and t.get("business_day") and t.get("state", "served") == "served":
            visits[(str(clerk), str(t["business_day"]))].append(
                (datetime.fromisoformat(called), datetime.fromisoformat(finished))
            )
    result: dict[str, ClerkTime] = defaultdict(ClerkTime)
    if not hall.sessions:
        return dict(result)
    for (clerk, day_text), spans in visits.items():
        day = date.fromisoformat(day_text)
        stretches = hall_stretches(day, hall)
        if not stretches:
            continue
        last_finish: dict[int, datetime] = {}
        for called, finished in spans:
            # the stretch it was called in, or the last one that had started (served after closing)
            started = [i for i, (start, _) in enumerate(stretches) if start <= called]
            i = started[-1] if started else 0
            last_finish[i] = max(last_finish.get(i, finished), finished)
        rest = day_kind(day, hall.calendar) == "restday"
        minutes = 0.0
        for i, finish in last_finish.items():
            start, end = stretches[i]
            if rest:
                minutes += (max(end, finish) - start).total_seconds() / 60
            else:
                minutes += max(0.0, (finish - end).total_seconds() / 60)
        if minutes <= 0:
            continue
        clerk_time = result[clerk]
        if not rest:
            clerk_time.after_hours += minutes
        elif day in hall.calendar.holidays:
            clerk_time.holidays += minutes
        else:
            clerk_time.rest_days += minutes
        clerk_time.days[day_text] = clerk_time.days.get(day_text, 0.0) + minutes
    return dict(result)
