"""Performance recognition (服务明星评选参考): each clerk's figures for a quarter, for the supervisors' selection and
reviews. Not a public ranking: the figures are listed by clerk, and nothing here orders clerks by merit.

Where each figure comes from:

- **served** (办结), **no-shows** (过号: a visitor they called who did not come, still skipped at the day's end),
  **handling time** (办理时长: from the call to 办结, mean and median) and the served count per category: the
  tickets each clerk called (``clerk`` on the ticket; a supervisor's token names nobody);
- **holiday and rest-day minutes** actually worked: :func:`queue_server.core.overtime.overtime` on the day's
  served tickets;
- **satisfaction** (好差评): the ratings of the tickets they served, counted on the ticket's business day: how many,
  the mean level (1 to 5), the share of 非常满意 (5), the 满意率 (levels 3 to 5, :func:`is_satisfied`) and the 差评;
- **holiday, weekend and evening duty days**: days with a post of that kind in the month's kept rota (排班), read
  by the store (the post kinds are :mod:`queue_server.rota.needs`'s, a layer above this one).

Tickets are kept 62 business days, less than a quarter, so the ticket figures go through a per clerk and day tally
(:class:`ClerkDay`, :func:`day_tallies`) that the store keeps before it prunes a day's tickets. Pure: no Redis, no
clock.
"""

from __future__ import annotations

import calendar
import re
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from queue_server.core.errors import InvalidRequest
from queue_server.core.overtime import overtime
from queue_server.core.ratings import LEVELS, is_bad, is_satisfied
from queue_server.core.recognition_records import (
    ClerkRecognition,
    DutyDates,
    RatingFigures,
    RecognitionTotals,
    ServiceFigures,
)

if TYPE_CHECKING:
    from queue_server.core.hall import Hall

QUARTER = re.compile(r"^([0-9]{4})-[Qq]([1-4])$")
DUTY_KINDS = ("holiday", "weekend", "evening")  # the kinds of duty counted (a regular post is not)
SERVING_ROLES = ("clerk", "reserve")  # the accounts listed: window clerks and back-office staff, who serve visitors
TOP_LEVEL = max(level.value for level in LEVELS)  # 非常满意


@dataclass(frozen=True)
class Quarter:
    """A calendar quarter, written ``2026-Q4``."""

    year: int
    number: int  # 1 to 4

    @property
    def name(self) -> str:
        return f"{self.year}-Q{self.number}"

    @property
    def first(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def last(self) -> date:
        month = 3 * self.number
        return date(self.year, month, calendar.monthrange(self.year, month)[1])

    @property
    def months(self) -> tuple[str, str, str]:
        first = 3 * self.number - 2
        return (f"{self.year}-{first:02d}", f"{self.year}-{first + 1:02d}", f"{self.year}-{first + 2:02d}")

    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1)]


def quarter_of(text: str | None) -> Quarter:
    """The quarter ``YYYY-Qn``, or :class:`InvalidRequest` (``invalid_quarter``) saying how to write it."""
    match = QUARTER.match(text or "")
    if not match or not 2000 <= int(match[1]) <= 9998:
        raise InvalidRequest(
            f"季度应写作 ?quarter=YYYY-Qn（如 2026-Q4），收到 {(text or '')[:20]!r}。",
            f"Give the quarter as ?quarter=YYYY-Qn (e.g. 2026-Q4), not {(text or '')[:20]!r}.",
            "invalid_quarter",
        )
    return Quarter(int(match[1]), int(match[2]))


def quarter_containing(day: date) -> Quarter:
    return Quarter(day.year, (day.month - 1) // 3 + 1)


@dataclass
class ClerkDay:
    """What one clerk did on one business day, from the day's tickets: what the quarter's figures add up."""

    served: int = 0
    no_shows: int = 0
    handling_seconds: list[int] = field(default_factory=list)  # call to 办结, one a served visit
    services: dict[str, int] = field(default_factory=dict)  # category → served
    holiday_minutes: float = 0.0
    rest_day_minutes: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "served": self.served,
            "no_shows": self.no_shows,
            "handling_seconds": self.handling_seconds,
            "services": self.services,
            "holiday_minutes": self.holiday_minutes,
            "rest_day_minutes": self.rest_day_minutes,
        }

    @classmethod
    def of(cls, raw: Mapping[str, Any]) -> ClerkDay:
        return cls(
            served=int(raw.get("served", 0)),
            no_shows=int(raw.get("no_shows", 0)),
            handling_seconds=[int(s) for s in raw.get("handling_seconds", [])],
            services={str(k): int(v) for k, v in dict(raw.get("services", {})).items()},
            holiday_minutes=float(raw.get("holiday_minutes", 0.0)),
            rest_day_minutes=float(raw.get("rest_day_minutes", 0.0)),
        )


# business day (YYYY-MM-DD) → clerk's username → the tally
DayTallies = dict[str, dict[str, ClerkDay]]


def _handling_seconds(ticket: Mapping[str, Any]) -> int | None:
    called, finished = ticket.get("called_at"), ticket.get("finished_at")
    if not isinstance(called, str) or not isinstance(finished, str):
        return None
    try:
        seconds = (datetime.fromisoformat(finished) - datetime.fromisoformat(called)).total_seconds()
    except (ValueError, TypeError):
        return None
    return max(0, round(seconds))


def day_tallies(hall: Hall, tickets: Iterable[Mapping[str, Any]]) -> DayTallies:
    """Each clerk's tally on each business day of ``tickets`` (as stored). A day whose tickets name no clerk has
    none."""
    by_day: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for ticket in tickets:
        if ticket.get("business_day"):
            by_day[str(ticket["business_day"])].append(ticket)
    found: DayTallies = {}
    for day, listed in by_day.items():
        clerks: dict[str, ClerkDay] = {}
        served = [t for t in listed if t.get("state") == "served" and t.get("clerk")]
        for ticket in served:
            tally = clerks.setdefault(str(ticket["clerk"]), ClerkDay())
            tally.served += 1
            service = str(ticket.get("service") or "")
            tally.services[service] = tally.services.get(service, 0) + 1
            if (seconds := _handling_seconds(ticket)) is not None:
                tally.handling_seconds.append(seconds)
        for ticket in listed:
            if ticket.get("state") == "skipped" and ticket.get("clerk"):
                clerks.setdefault(str(ticket["clerk"]), ClerkDay()).no_shows += 1
        # Served visits only: a skipped visitor requeued and expired at the rollover was not served until then.
        for clerk, worked in overtime(hall, served).items():
            tally = clerks.setdefault(clerk, ClerkDay())
            tally.holiday_minutes = round(worked.holidays, 1)
            tally.rest_day_minutes = round(worked.rest_days, 1)
        if clerks:
            found[day] = clerks
    return found


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _rating_figures(levels: list[int]) -> RatingFigures:
    return {
        "rated": len(levels),
        "mean_level": round(statistics.fmean(levels), 2) if levels else None,
        "very_satisfied_share": _share(sum(1 for v in levels if v == TOP_LEVEL), len(levels)),
        "satisfaction": _share(sum(1 for v in levels if is_satisfied(v)), len(levels)),
        "poor": sum(1 for v in levels if is_bad(v)),
    }


def _service_figures(tallies: list[ClerkDay], levels: list[int]) -> ServiceFigures:
    handling = [s for t in tallies for s in t.handling_seconds]
    return {
        "served": sum(t.served for t in tallies),
        "no_shows": sum(t.no_shows for t in tallies),
        "handling_mean_minutes": round(statistics.fmean(handling) / 60, 1) if handling else None,
        "handling_median_minutes": round(statistics.median(handling) / 60, 1) if handling else None,
        **_rating_figures(levels),
    }


def clerks_of(hall: Hall, *found: Iterable[str]) -> list[tuple[str, str]]:
    """(username, name) of the hall's serving accounts in the hall file's order, then anyone else the figures
    name (a clerk since removed from the hall file), by username."""
    names = {c.username: c.display_name or c.name for c in hall.clerks if c.role in SERVING_ROLES}
    others = sorted({u for names_found in found for u in names_found} - set(names))
    known = {c.username: c.display_name or c.name for c in hall.clerks}
    return [*names.items(), *((u, known.get(u, u)) for u in others)]


def recognition(
    hall: Hall,
    days: Mapping[str, Mapping[str, ClerkDay]],
    ratings: Iterable[Mapping[str, Any]],
    duties: Mapping[str, Mapping[str, Iterable[str]]],
) -> tuple[list[ClerkRecognition], RecognitionTotals]:
    """Each clerk's figures over ``days`` (the quarter's tallies), ``ratings`` (as the store keeps them) and
    ``duties`` (username → duty kind → the dates with a post of that kind), and the hall's totals. Every serving
    account of the hall is listed, with zeros where it did nothing."""
    tallies: dict[str, list[ClerkDay]] = defaultdict(list)
    for clerks in days.values():
        for username, tally in clerks.items():
            tallies[username].append(tally)
    levels: dict[str, list[int]] = defaultdict(list)
    for rating in ratings:
        if rating.get("clerk") and isinstance(rating.get("level"), int):
            levels[str(rating["clerk"])].append(int(rating["level"]))
    rows: list[ClerkRecognition] = []
    for username, name in clerks_of(hall, tallies, levels, duties):
        mine = tallies.get(username, [])
        services: dict[str, int] = {}
        for tally in mine:
            for code, count in tally.services.items():
                services[code] = services.get(code, 0) + count
        duty = duties.get(username, {})
        dates: DutyDates = {
            "holiday": sorted(set(duty.get("holiday", ()))),
            "weekend": sorted(set(duty.get("weekend", ()))),
            "evening": sorted(set(duty.get("evening", ()))),
        }
        rows.append(
            {
                "username": username,
                "name": name,
                **_service_figures(mine, levels.get(username, [])),
                # the hall's categories in its order, then any it no longer has
                "services": {code: services[code] for code in sorted(services, key=lambda c: (_order(hall, c), c))},
                "holiday_duty_days": len(dates["holiday"]),
                "weekend_duty_days": len(dates["weekend"]),
                "evening_duty_days": len(dates["evening"]),
                "duty_dates": dates,
                "holiday_minutes": round(sum(t.holiday_minutes for t in mine), 1),
                "rest_day_minutes": round(sum(t.rest_day_minutes for t in mine), 1),
            }
        )
    # every clerk the figures name is listed, so the hall's totals are over all of them
    everyone = [t for found in tallies.values() for t in found]
    totals: RecognitionTotals = {**_service_figures(everyone, [v for found in levels.values() for v in found])}
    return rows, totals


def _order(hall: Hall, code: str) -> int:
    codes = [s.code for s in hall.services]
    return codes.index(code) if code in codes else len(codes)
