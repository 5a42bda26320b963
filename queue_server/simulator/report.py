"""The simulator's report: each policy's day as the hall's own statistics and overtime report see it, side by side.

Waits, busy ratios (忙闲率), open time and the tidal share come from
:func:`queue_server.core.statistics.summary.summarise` over the day's stored tickets, overtime from
:func:`queue_server.core.overtime.overtime`: the simulator counts nothing of its own except what only it can see
(visitors turned away, the line when a category closed, the switches it watched, the reserve clerks' minutes).
The JSON form holds nothing that changes from one run of the same seed to the next.

:func:`figures` picks the numbers a hall compares policies on out of one policy's report; the text table is drawn
from them, for one seed here and for the mean over seeds in :mod:`queue_server.simulator.seeds`.
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
# What figures() keeps of a policy's report, by part (the keys are the report's own).
SIMULATOR_COUNTS = ("turned_away", "waiting_at_closing")
FIGURES_OVERALL = (*OVERALL_FIELDS, *SIMULATOR_COUNTS)
FIGURES_CATEGORY = (*CATEGORY_FIELDS, *SIMULATOR_COUNTS)
FIGURES_SPREAD = ("max_minus_min", "stdev")
FIGURES_SHARE = ("share", "at_tidal_windows_share")
FIGURES_APPOINTMENTS = ("booked", "checked_in", "missed", "refused_full")
LABEL_WIDTH = 36
CELL_WIDTH = 28  # a category's "123.4 / 123.4 / 123.4 · 123"; two policies fit in 100 columns


def heading(hall: Hall, profile: Profile, day: date, trial: Mapping[str, Any] | None) -> dict[str, Any]:
    """What the run was: the hall, the profile, the trial (what was changed in the hall; None: nothing), the day."""
    return {
        "hall": {"id": hall.id, "name": hall.name, "name_en": hall.name_en},
        "profile": {"name": profile.name, "file": profile.source},
        "trial": dict(trial) if trial else None,
        "date": day.isoformat(),
        "day_kind": day_kind(day, hall.calendar),
    }


def seed_entry(hall: Hall, day: date, seed: int, outcomes: Mapping[Policy, Outcome]) -> dict[str, Any]:
    """What one seed gave: the visitors drawn and each policy's report (the tickets are not kept)."""
    return {
        "seed": seed,
        "visitors": next(iter(outcomes.values())).log.visitors if outcomes else 0,
        "policies": {policy: policy_report(hall, day, outcome) for policy, outcome in outcomes.items()},
    }


def build_report(
    hall: Hall, profile: Profile, day: date, entry: Mapping[str, Any], trial: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The whole report of one seed (``entry``: :func:`seed_entry`); ``trial`` says what was changed in the hall
    for the run (None: nothing)."""
    return {**heading(hall, profile, day, trial), **entry}


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
        "staff_minutes": staff_minutes(hall, stats["windows"], getattr(log, "reserve_minutes", 0.0)),
        "overtime_minutes": round(sum(c.after_hours for c in clerks.values()), 1),
        "time_off_minutes": round(sum(c.time_off for c in clerks.values()), 1),
        "last_visitor_left": last_left.astimezone(hall.timezone).strftime("%H:%M") if last_left else None,
        "appointments": {**stats["appointments"], "refused_full": log.bookings_refused},
    }


def staff_minutes(hall: Hall, windows: Sequence[Mapping[str, Any]], reserve: float) -> dict[str, float]:
    """Clerk minutes at the windows: ``regular`` the open time of the windows the sessions staff (the statistics'
    open minutes, extension included), ``reserve`` what the reserve clerks (后台力量) spent, walking there included."""
    is_reserve = {w.number: bool(getattr(w, "reserve", False)) for w in hall.windows}
    regular = sum(w["open_minutes"] or 0.0 for w in windows if not is_reserve.get(w["number"], False))
    return {"regular": round(regular, 2), "reserve": round(reserve, 2), "total": round(regular + reserve, 2)}


def figures(policy: Mapping[str, Any]) -> dict[str, Any]:
    """The numbers of one policy's report that a hall compares on, under the report's own keys (the switches as a
    count, ``tidal_switches_opened``); every leaf is a number or None, besides the categories' code and names."""
    return {
        "overall": {k: policy["overall"][k] for k in FIGURES_OVERALL},
        "categories": [
            {"code": c["code"], "name": c["name"], "name_en": c["name_en"], **{k: c[k] for k in FIGURES_CATEGORY}}
            for c in policy["categories"]
        ],
        "busy_spread": {k: policy["busy_spread"][k] for k in FIGURES_SPREAD},
        "tidal_share": {k: policy["tidal_share"][k] for k in FIGURES_SHARE},
        "tidal_switches_opened": sum(1 for s in policy["tidal_switches"] if s["kind"] == "open"),
        "staff_minutes": dict(policy["staff_minutes"]),
        "overtime_minutes": policy["overtime_minutes"],
        "time_off_minutes": policy["time_off_minutes"],
        "appointments": {k: policy["appointments"][k] for k in FIGURES_APPOINTMENTS},
    }


def minutes_text(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def count_text(value: float | None) -> str:
    """A count of one day as it is; a mean over days with one decimal."""
    if value is None:
        return "–"
    return str(value) if isinstance(value, int) else f"{value:.1f}"


def share_text(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def ratio_text(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def _waits(part: Mapping[str, Any]) -> str:
    return " / ".join(minutes_text(part[k]) for k in ("wait_p50", "wait_p90", "wait_max"))


def _category(i: int, f: Mapping[str, Any]) -> str:
    row = f["categories"][i]
    return f"{_waits(row)} · {count_text(row['turned_away'])}"


def _whole(value: float) -> str:
    return f"{value:.0f}"


Row = tuple[str, Callable[[Mapping[str, Any]], str] | None]  # a label, and its cell from figures() (None: a heading)


def rows(hall: Hall) -> list[Row]:
    """The table's rows, each read from :func:`figures` (of one seed, or the mean over seeds)."""
    table: list[Row] = [
        ("tickets issued", lambda f: count_text(f["overall"]["issued"])),
        ("turned away (issuing stopped)", lambda f: count_text(f["overall"]["turned_away"])),
        (
            "served / no-shows skipped",
            lambda f: f"{count_text(f['overall']['served'])} / {count_text(f['overall']['skipped'])}",
        ),
        ("wait p50 / p90 / max, minutes", lambda f: _waits(f["overall"])),
        ("by category: p50 / p90 / max · turned away", None),
    ]
    for i, s in enumerate(hall.services):
        table.append((f"  {s.code} {s.name_en}"[:34], functools.partial(_category, i)))
    table += [
        ("busy-ratio spread (max − min)", lambda f: ratio_text(f["busy_spread"]["max_minus_min"])),
        ("busy-ratio stdev", lambda f: ratio_text(f["busy_spread"]["stdev"])),
        ("tidal share (served when switched)", lambda f: share_text(f["tidal_share"]["share"])),
        ("served at tidal windows", lambda f: share_text(f["tidal_share"]["at_tidal_windows_share"])),
        ("tidal switches (opened)", lambda f: count_text(f["tidal_switches_opened"])),
        ("waiting at closing (served after)", lambda f: count_text(f["overall"]["waiting_at_closing"])),
        ("staff minutes, regular windows", lambda f: _whole(f["staff_minutes"]["regular"])),
        ("staff minutes, reserve (后台力量)", lambda f: _whole(f["staff_minutes"]["reserve"])),
        ("staff minutes, total", lambda f: _whole(f["staff_minutes"]["total"])),
        ("overtime minutes (延时)", lambda f: _whole(f["overtime_minutes"])),
        ("time off earned (调休), minutes", lambda f: _whole(f["time_off_minutes"])),
    ]
    return table


def table(hall: Hall, title: str, columns: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """The rows side by side, one column per policy (``columns``: policy → its :func:`figures`)."""
    lines = [left(title, LABEL_WIDTH) + "".join(p.rjust(CELL_WIDTH) for p in columns)]
    for label, cell in rows(hall):
        if cell is None:
            lines.append(label)
        else:
            lines.append(left(label, LABEL_WIDTH) + "".join(cell(f).rjust(CELL_WIDTH) for f in columns.values()))
    booked = [f["appointments"] for f in columns.values()]
    if any(a["booked"] or a["refused_full"] for a in booked):
        cells = (" / ".join(count_text(a[k]) for k in ("booked", "checked_in", "missed")) for a in booked)
        lines.append(
            left("appointments booked / in / missed", LABEL_WIDTH) + "".join(c.rjust(CELL_WIDTH) for c in cells)
        )
    return lines


def title_line(report: Mapping[str, Any], runs: str) -> str:
    day = date.fromisoformat(report["date"])
    return (
        f"{report['hall']['name']} ({report['hall']['id']}) · {report['profile']['name']} · "
        f"{WEEKDAYS[day.weekday()]} {day} ({report['day_kind']}) · {runs}"
    )


def render_text(report: Mapping[str, Any], hall: Hall) -> str:
    """The report of one seed as a table, one column per policy."""
    policies: Sequence[str] = list(report["policies"])
    lines = [
        title_line(report, f"seed {report['seed']}"),
        f"{report['profile']['file']}: {report['visitors']} visitors drawn",
        *trial_lines(report.get("trial")),
        "",
        *table(hall, "", {p: figures(report["policies"][p]) for p in policies}),
        left("last visitor left", LABEL_WIDTH)
        + "".join((report["policies"][p]["last_visitor_left"] or "–").rjust(CELL_WIDTH) for p in policies),
    ]
    return "\n".join(lines)


def trial_lines(trial: Mapping[str, Any] | None) -> list[str]:
    if not trial:
        return []
    lines = []
    if trial.get("tidal_windows") is not None:
        lines.append("trial: tidal windows " + (",".join(map(str, trial["tidal_windows"])) or "none"))
    for name, windows in trial.get("staff", {}).items():
        lines.append(f"trial: {name} staffed at windows {','.join(map(str, windows))}")
    if trial.get("reserve"):
        lines.append("reserve staff (后台力量) answer alerts in the tidal run; their minutes are counted apart")
    return lines


def left(text: str, width: int) -> str:
    """``text`` padded to ``width`` terminal columns: a Chinese character takes two."""
    shown = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(1, width - shown)
