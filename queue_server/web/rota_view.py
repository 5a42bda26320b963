"""The rota as the API answers it and the page shows it: every post with its clerk, the rules check, what is
uncovered and why, each clerk's fair-duty counts and weekly hours. Pure: from the month's facts and the stored
record (:mod:`queue_server.store.rota_store`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any, TypedDict

from queue_server.core.holidays import day_kind
from queue_server.rota.needs import KIND_NAMES, Month, qualified, week_of, worked_minutes
from queue_server.rota.reasons import shortages
from queue_server.rota.rules import RULE_NAMES, check, fairness
from queue_server.rota.solver import assignments_of


class RotaAnswer(TypedDict):
    """A month's rota (排班): the posts and who holds each, the rules check, what is uncovered and why, fair-duty
    counts and weekly hours per clerk. ``generated_now``: no rota was kept for the month, so this one was made
    (and kept, as a draft) for this request. ``published``: who published it and when; None while it is a draft,
    which decides nothing (docs/rota.md). ``version`` goes up with every change kept."""

    hall: str
    month: str
    generated_now: bool
    published: dict[str, str] | None
    version: int
    source: str
    at: str
    by: str
    solver: dict[str, Any] | None
    ok: bool
    days: list[dict[str, Any]]
    clerks: list[dict[str, Any]]
    posts: list[dict[str, Any]]
    uncovered: list[dict[str, Any]]
    violations: list[dict[str, Any]]
    fairness: list[dict[str, Any]]
    hours: list[dict[str, Any]]
    rules: list[dict[str, str]]


class TimeOffList(TypedDict):
    """The hall's time-off requests (休假), approved or not; a clerk sees their own."""

    hall: str
    requests: list[dict[str, Any]]


def rota_answer(facts: Month, record: Mapping[str, Any], generated_now: bool) -> RotaAnswer:
    hall = facts.hall
    assignments = assignments_of(facts, record.get("assignments", {}))
    violations = check(facts, assignments)
    tables = fairness(facts, assignments)
    worked = worked_minutes(facts, assignments)
    weeks = sorted({week_of(d) for d in facts.days})
    return {
        "hall": hall.id,
        "month": f"{facts.days[0]:%Y-%m}",
        "generated_now": generated_now,
        "published": (
            {**record["published"], "at": _local(record["published"]["at"], facts)} if record.get("published") else None
        ),
        "version": int(record.get("version", 0)),
        "source": str(record.get("source", "generated")),
        "at": _local(str(record.get("at", "")), facts),
        "by": str(record.get("by", "")),
        "solver": record.get("solver"),
        "ok": not violations,
        "days": [
            {
                "date": d.isoformat(),
                "weekday": d.weekday(),
                "kind": day_kind(d, hall.calendar),
                "holiday": d in hall.calendar.holidays,
            }
            for d in facts.days
        ],
        "clerks": [
            {
                "username": c.username,
                "name": c.name,
                "display_name": c.display_name,
                "windows": list(c.windows),
                "skills": list(c.skills),
                "hours_per_week": c.hours_per_week,
                "leave": sorted(d.isoformat() for d in facts.leave.get(c.username, ())),
            }
            for c in facts.clerks
        ],
        "posts": [
            {
                "key": p.key,
                "date": p.day.isoformat(),
                "window": p.window,
                "back_office": p.back_office,  # 后台值班: on call, to come forward to the window when called
                "start": f"{p.start:%H:%M}",
                "end": f"{p.end:%H:%M}",
                "session": p.name,
                "session_en": p.name_en,
                "services": list(p.services),
                "kind": p.kind,
                "qualified": [c.username for c in facts.clerks if qualified(c, p)],
                "clerk": assignments.get(p.key),
            }
            for p in facts.posts
        ],
        "uncovered": [s.as_dict() for s in shortages(facts, assignments)],
        "violations": [v.as_dict() for v in violations],
        "fairness": [
            {
                "kind": kind,
                "name": KIND_NAMES[kind][0],
                "name_en": KIND_NAMES[kind][1],
                "mean": round(table.mean, 2),  # the window clerks'; each clerk's own pool's is theirs
                "clerks": {
                    name: {
                        "count": s.count,
                        "mean": round(s.mean, 2),
                        "days": s.days,
                        "low": round(max(s.low, 0), 2),
                        "high": round(s.high, 2),
                        "fair": s.fair,
                    }
                    for name, s in table.shares.items()
                },
            }
            for kind, table in tables.items()
        ],
        "hours": [
            {
                "username": c.username,
                "limit": c.hours_per_week,
                "weeks": [
                    {"week": monday.isoformat(), "hours": _hours(facts, c.username, worked.get(c.username, {}), monday)}
                    for monday in weeks
                ],
            }
            for c in facts.clerks
        ],
        "rules": [{"rule": rule, "name": zh, "name_en": en} for rule, (zh, en) in RULE_NAMES.items()],
    }


def _local(moment: str, facts: Month) -> str:
    """A stored moment in the hall's zone, as the page shows it."""
    try:
        return datetime.fromisoformat(moment).astimezone(facts.hall.timezone).isoformat()
    except ValueError:
        return moment


def _hours(facts: Month, username: str, mine: Mapping[date, int], monday: date) -> float:
    """The week's hours, the days of the month before included."""
    days = [monday + timedelta(days=i) for i in range(7)]
    before = facts.before.get(username, {})
    return round(sum(mine.get(d, 0) + before.get(d, 0) for d in days) / 60, 2)
