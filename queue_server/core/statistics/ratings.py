"""好差评 in the statistics (统计): the 满意率 per window, clerk, category and day, the 差评 and their cases.

Definitions, following the 好差评 practice (国办发〔2019〕51号 levels):

- **rated**: ratings of tickets of the period's business days (a rating counts on its ticket's day).
- **satisfaction** (满意率) = (非常满意 + 满意 + 基本满意) ÷ rated, i.e. levels 3 to 5 over all ratings; None
  when nothing was rated. **poor** (差评) counts levels 2 and 1.
- **cases**: the 差评 cases of the period: **opened**, **closed**, **closed_on_time** (closed by the close
  deadline, in working days), **overdue** (open, past the deadline of their next step, as of ``now``).

A session filter does not narrow the ratings: a rating is of a whole visit. Pure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from queue_server.core.ratings import LEVELS, is_bad, is_satisfied


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _figures(ratings: list[Mapping[str, Any]]) -> dict[str, Any]:
    levels = [int(r["level"]) for r in ratings]
    satisfied = sum(1 for level in levels if is_satisfied(level))
    return {
        "rated": len(levels),
        "satisfied": satisfied,
        "satisfaction": _ratio(satisfied, len(levels)),
        "poor": sum(1 for level in levels if is_bad(level)),
    }


def _grouped(
    ratings: Iterable[Mapping[str, Any]], name: str, key: Callable[[Mapping[str, Any]], Any]
) -> list[dict[str, Any]]:
    groups: dict[Any, list[Mapping[str, Any]]] = {}
    for rating in ratings:
        groups.setdefault(key(rating), []).append(rating)
    ordered = sorted(groups.items(), key=lambda item: (item[0] is None, str(item[0]).zfill(6)))
    return [{name: value, **_figures(group)} for value, group in ordered]


def rating_statistics(ratings: Iterable[Mapping[str, Any]], cases: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The figures of ``ratings`` (as the store keeps them) and ``cases`` (as ``Ratings.case_view`` shows them)."""
    kept = list(ratings)
    listed = list(cases)
    return {
        **_figures(kept),
        "by_level": {str(level.value): sum(1 for r in kept if r["level"] == level.value) for level in LEVELS},
        "cases": {
            "opened": len(listed),
            "closed": sum(1 for c in listed if c["state"] == "closed"),
            "closed_on_time": sum(1 for c in listed if c.get("closed_on_time")),
            "overdue": sum(1 for c in listed if c.get("overdue")),
        },
        "by_window": _grouped(kept, "window", lambda r: r.get("window")),
        "by_clerk": _grouped(kept, "clerk", lambda r: r.get("clerk")),
        "by_category": _grouped(kept, "code", lambda r: r.get("service")),
        "by_day": _grouped(kept, "day", lambda r: r.get("business_day")),
    }
