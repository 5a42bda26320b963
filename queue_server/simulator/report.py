"""The simulator's report: each policy's day as the hall's own statistics and overtime report see it, side by side.

Waits, busy ratios (忙闲率) and the tidal share come from :func:`queue_server.core.statistics.summary.summarise`
over the day's stored tickets, overtime from :func:`queue_server.core.overtime.overtime`: the simulator counts
nothing of its own except what only it can see (visitors turned away, the line when a category closed, the
switches it watched).
The JSON form holds nothing that changes from one run of the same seed to the next.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from queue_server.core.hall import Hall
from queue_server.core.holidays import day_kind
from queue_server.core.overtime import overtime
from queue_server.core.statistics.summary import summarise
from queue_server.simulator.engine import Policy
from queue_server.simulator.profile import Profile
from queue_server.simulator.runner import Outcome

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
CATEGORY_FIELDS = ("issued", "served", "skipped", "wait_p50", "wait_p90", "wait_max", "wait_mean")
OVERALL_FIELDS = (*CATEGORY_FIELDS, "still_waiting")


def build_report(
    hall: Hall,
    profile: Profile,
    day: date,
    seed: int,
    outcomes: Mapping[Policy, Outcome],
    trial: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The whole report; ``trial`` says what was changed in the hall for the run (None: nothing)."""
    return {
        "hall": {"id": hall.id, "name": hall.name, "name_en": hall.name_en},
        "profile": {"name": profile.name, "file": profile.source},
        "trial": dict(trial) if trial else None,
        "date": day.isoformat(),
        "day_kind": day_kind(day, hall.calendar),
        "seed": seed,
        "visitors": next(iter(outcomes.values())).log.visitors if outcomes else 0,
        "policies": {policy: policy_report(hall, day, outcome) for policy, outcome in outcomes.items()},
    }


def policy_report(hall: Hall, day: date, outcome: Outcome) -> dict[str, Any]:
    log = outcome.log
    # No paused time is given: the simulated clerks pause only while no session staffs their window, which the
    # statistics leave out of the open time already.
    stats = summarise(hall, outcome.tickets, day, day, bookings=outcome.bookings, now=log.ended_at)
    clerks = overtime(hall, outcome.tickets)
    finished = [t["finished_at"] for t in outcome.tickets if t.get("finished_at")]
    last_left = max((datetime.fromisoformat(f) for f in finished), default=None)
    categories = []
    for row in stats["categories"]:
        code = row["code"]
        categories.append(
            {
                "code": code,
                "name": row["name"],
                "name_en": row["name_en"],
                **{k: row[k] for k in CATEGORY_FIELDS},
                "turned_away": log.turned_away.get(code, 0),
                "waiting_at_closing": log.waiting_at_closing.get(code, 0),
            }
        )
    return {
        "overall": {
            **{k: stats["overall"][k] for k in OVERALL_FIELDS},
            "turned_away": sum(log.turned_away.values()),
            "waiting_at_closing": sum(log.waiting_at_closing.values()),
        },
        "categories": categories,
        "busy_spread": stats["busy_spread"],
        "windows": [
            {k: w[k] for k in ("number", "tidal", "open_minutes", "serving_minutes", "busy_ratio", "served")}
            | {"tidal_served": w["tidal_served"]}
            for w in stats["windows"]
        ],
        "tidal_share": stats["tidal_share"],
        "tidal_switches": log.switches,
        "overtime_minutes": round(sum(c.after_hours for c in clerks.values()), 1),
        "time_off_minutes": round(sum(c.time_off for c in clerks.values()), 1),
        "last_visitor_left": last_left.astimezone(hall.timezone).strftime("%H:%M") if last_left else None,
        "appointments": {**stats["appointments"], "refused_full": log.bookings_refused},
    }


def _minutes(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def _pair(a: float | None, b: float | None) -> str:
    return f"{_minutes(a)} / {_minutes(b)}"


def _category_waits(i: int, p: dict[str, Any]) -> str:
    return _pair(p["categories"][i]["wait_p50"], p["categories"][i]["wait_p90"])


def _share(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def _ratio(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


Row = tuple[str, Callable[[dict[str, Any]], str]]


def _rows(hall: Hall) -> list[Row]:
    rows: list[Row] = [
        ("tickets issued", lambda p: str(p["overall"]["issued"])),
        ("turned away (issuing stopped)", lambda p: str(p["overall"]["turned_away"])),
        ("served / no-shows skipped", lambda p: f"{p['overall']['served']} / {p['overall']['skipped']}"),
        ("wait p50 / p90, minutes", lambda p: _pair(p["overall"]["wait_p50"], p["overall"]["wait_p90"])),
    ]
    for i, s in enumerate(hall.services):
        label = f"  {s.code} {s.name_en}"[:34]
        rows.append((label, functools.partial(_category_waits, i)))
    rows += [
        ("longest wait, minutes", lambda p: _minutes(p["overall"]["wait_max"])),
        ("busy-ratio spread (max − min)", lambda p: _ratio(p["busy_spread"]["max_minus_min"])),
        ("busy-ratio stdev", lambda p: _ratio(p["busy_spread"]["stdev"])),
        ("tidal share (served when switched)", lambda p: _share(p["tidal_share"]["share"])),
        ("served at tidal windows", lambda p: _share(p["tidal_share"]["at_tidal_windows_share"])),
        ("tidal switches (opened)", lambda p: str(sum(1 for s in p["tidal_switches"] if s["kind"] == "open"))),
        ("waiting at closing (served after)", lambda p: str(p["overall"]["waiting_at_closing"])),
        ("overtime minutes (延时)", lambda p: f"{p['overtime_minutes']:.0f}"),
        ("time off earned (调休), minutes", lambda p: f"{p['time_off_minutes']:.0f}"),
        ("last visitor left", lambda p: p["last_visitor_left"] or "–"),
    ]
    return rows


def render_text(report: Mapping[str, Any], hall: Hall) -> str:
    """The report as a table, one column per policy."""
    policies: Sequence[str] = list(report["policies"])
    day = date.fromisoformat(report["date"])
    lines = [
        f"{report['hall']['name']} ({report['hall']['id']}) · {report['profile']['name']} · "
        f"{WEEKDAYS[day.weekday()]} {day} ({report['day_kind']}) · seed {report['seed']}",
        f"{report['profile']['file']}: {report['visitors']} visitors drawn",
        *_trial_lines(report.get("trial")),
        "",
        " " * 36 + "".join(p.rjust(16) for p in policies),
    ]
    for label, cell in _rows(hall):
        lines.append(_left(label, 36) + "".join(cell(report["policies"][p]).rjust(16) for p in policies))
    booked = [report["policies"][p]["appointments"] for p in policies]
    if any(a["booked"] or a["refused_full"] for a in booked):
        lines.append(
            _left("appointments booked / in / missed", 36)
            + "".join(f"{a['booked']} / {a['checked_in']} / {a['missed']}".rjust(16) for a in booked)
        )
    return "\n".join(lines)


def _trial_lines(trial: Mapping[str, Any] | None) -> list[str]:
    if not trial:
        return []
    lines = []
    if trial.get("tidal_windows") is not None:
        lines.append("trial: tidal windows " + (",".join(map(str, trial["tidal_windows"])) or "none"))
    for name, windows in trial.get("staff", {}).items():
        lines.append(f"trial: {name} staffed at windows {','.join(map(str, windows))}")
    return lines


def _left(text: str, width: int) -> str:
    """``text`` padded to ``width`` terminal columns: a Chinese character takes two."""
    shown = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(1, width - shown)
