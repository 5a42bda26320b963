"""Several seeds of one day (``--seeds 1-5``): the mean of each policy's figures over the seeds, the seed on which
the tidal controller did worst against static, and a compact line per seed.

One seed is one day of chance; a hall comparing policies should read a few. Each seed's report is the one-seed
report's ``policies`` part (:func:`queue_server.simulator.report.policy_report`); the mean is taken over
:func:`queue_server.simulator.report.figures`, figure by figure, leaving out the seeds where a figure is None
(nobody called in that category that day): None when it is None on every seed. Pure.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from queue_server.core.hall import Hall
from queue_server.simulator.profile import Profile
from queue_server.simulator.report import (
    CELL_WIDTH,
    LABEL_WIDTH,
    count_text,
    figures,
    heading,
    left,
    minutes_text,
    ratio_text,
    share_text,
    table,
    title_line,
    trial_lines,
)

MAX_SEEDS = 100  # a hundred demo days take minutes; more is a typo
SEEDS_PART = re.compile(r"([0-9]+)(?:-([0-9]+))?")  # "3" or "1-5"


class SeedsError(ValueError):
    """A ``--seeds`` value that is not a list of seeds."""


def parse_seeds(text: str) -> tuple[int, ...]:
    """ "1-5" → (1, 2, 3, 4, 5); "1,2,5" → (1, 2, 5); "7" → (7,); parts may be mixed: "1-3,9"."""
    found: list[int] = []
    for part in text.split(","):
        match = SEEDS_PART.fullmatch(part.strip())
        if match is None:
            raise SeedsError(f"--seeds: expected seeds like 1-5 or 1,2,5, got {text!r}")
        start, end = int(match[1]), int(match[2] or match[1])
        if end < start:
            raise SeedsError(f"--seeds: {part.strip()} ends before it starts")
        if end - start + 1 + len(found) > MAX_SEEDS:
            raise SeedsError(f"--seeds: at most {MAX_SEEDS} seeds, got {text!r}")
        found += range(start, end + 1)
    if len(set(found)) != len(found):
        raise SeedsError(f"--seeds: a seed is listed twice in {text!r}")
    return tuple(found)


def seeds_label(seeds: Sequence[int]) -> str:
    """(1, 2, 3, 5) → "1-3, 5"."""
    runs: list[list[int]] = []
    for seed in seeds:
        if runs and seed == runs[-1][-1] + 1:
            runs[-1].append(seed)
        else:
            runs.append([seed])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs)


def build_seeds_report(
    hall: Hall,
    profile: Profile,
    day: date,
    per_seed: Sequence[Mapping[str, Any]],
    trial: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The whole report over the seeds of ``per_seed`` (each a :func:`~queue_server.simulator.report.seed_entry`,
    in the order run)."""
    policies = list(per_seed[0]["policies"]) if per_seed else []
    return {
        **heading(hall, profile, day, trial),
        "seeds": [entry["seed"] for entry in per_seed],
        "visitors": mean_of([entry["visitors"] for entry in per_seed]),
        "per_seed": [dict(entry) for entry in per_seed],
        "mean": {p: mean_of([figures(entry["policies"][p]) for entry in per_seed]) for p in policies},
        "worst": worst(per_seed),
    }


def mean_of(values: Sequence[Any]) -> Any:
    """The mean of like-shaped figures: dicts key by key, lists item by item, numbers leaving out None (rounded to
    four decimals); a string (a category's code or name) is the first one's."""
    if not values:
        return None
    first = values[0]
    if isinstance(first, Mapping):
        return {k: mean_of([v[k] for v in values]) for k in first}
    if isinstance(first, list):
        return [mean_of(list(items)) for items in zip(*values, strict=True)]
    if isinstance(first, str):
        return first
    numbers = [v for v in values if v is not None]
    return round(sum(numbers) / len(numbers), 4) if numbers else None


def worst(per_seed: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
    """Where tidal did worst against static: ``p90``, the seed with the largest tidal − static wait p90 of the
    hall, and ``category``, the largest tidal − static p90 of one category over all seeds (each None when no
    seed has both figures; the first seed wins a tie). None unless both policies ran."""
    if not per_seed or not {"static", "tidal"} <= set(per_seed[0]["policies"]):
        return None
    overall: list[dict[str, Any]] = []
    by_category: list[dict[str, Any]] = []
    for entry in per_seed:
        static, tidal = entry["policies"]["static"], entry["policies"]["tidal"]
        found = _difference(static["overall"], tidal["overall"])
        if found is not None:
            overall.append({"seed": entry["seed"], **found})
        for s, t in zip(static["categories"], tidal["categories"], strict=True):
            found = _difference(s, t)
            if found is not None:
                by_category.append({"seed": entry["seed"], "code": s["code"], "name": s["name"],
                                    "name_en": s["name_en"], **found})  # fmt: skip
    return {
        "p90": max(overall, key=lambda w: w["difference"], default=None),
        "category": max(by_category, key=lambda w: w["difference"], default=None),
    }


def _difference(static: Mapping[str, Any], tidal: Mapping[str, Any]) -> dict[str, float] | None:
    if static["wait_p90"] is None or tidal["wait_p90"] is None:
        return None
    difference = round(tidal["wait_p90"] - static["wait_p90"], 2)
    return {"static_p90": static["wait_p90"], "tidal_p90": tidal["wait_p90"], "difference": difference}


def render_seeds_text(report: Mapping[str, Any], hall: Hall) -> str:
    """The mean over the seeds as a table, one column per policy, then the worst seed and a line per seed."""
    seeds = report["seeds"]
    mean = report["mean"]
    lines = [
        title_line(report, f"seeds {label}" if len(label := seeds_label(seeds)) <= 24 else f"{len(seeds)} seeds"),
        f"{report['profile']['file']}: {count_text(report['visitors'])} visitors drawn a day on average",
        *trial_lines(report.get("trial")),
        "",
        *table(hall, f"mean of {len(seeds)} seed{'s' if len(seeds) != 1 else ''}", mean),
        *_worst_lines(report.get("worst")),
        "",
        *per_seed_lines(report["per_seed"]),
    ]
    return "\n".join(lines)


def _worst_lines(found: Mapping[str, Any] | None) -> list[str]:
    """The worst seed for tidal as rows under the table's columns: the hall's wait p90, then the category's."""
    if found is None:
        return []
    lines = ["", "worst seed for tidal (largest tidal − static wait p90, minutes)"]
    if found["p90"] is not None:
        lines.append(_worst_row("  the hall", found["p90"]))
    if found["category"] is not None:
        w = found["category"]
        lines.append(_worst_row(f"  {w['code']} {w['name_en']}", w))
    return lines


def _worst_row(what: str, w: Mapping[str, Any]) -> str:
    seed = f", seed {w['seed']}"
    difference = w["difference"]
    # Rounded to a tenth, as the waits are shown: a difference of -0.03 reads "±0.0", not "-0.0".
    shown = "±0.0" if abs(difference) < 0.05 else f"{difference:+.1f}"
    tidal = f"{minutes_text(w['tidal_p90'])} ({shown})"
    return (
        left(what[: LABEL_WIDTH - 2 - len(seed)] + seed, LABEL_WIDTH)
        + minutes_text(w["static_p90"]).rjust(CELL_WIDTH)
        + tidal.rjust(CELL_WIDTH)
    )


def per_seed_lines(per_seed: Sequence[Mapping[str, Any]]) -> list[str]:
    """seed · wait p90 and busy-ratio spread per policy · tidal share, a line per seed."""
    if not per_seed:
        return []
    policies = list(per_seed[0]["policies"])
    head = ["seed", *(f"p90 {p}" for p in policies), *(f"spread {p}" for p in policies)]
    tidal = "tidal" in policies
    if tidal:
        head.append("tidal share")
    widths = [6, *(max(len(h) + 3, 10) for h in head[1:])]
    lines = [left(head[0], widths[0]) + "".join(h.rjust(w) for h, w in zip(head[1:], widths[1:], strict=True))]
    for entry in per_seed:
        reports = entry["policies"]
        cells = [
            *(minutes_text(reports[p]["overall"]["wait_p90"]) for p in policies),
            *(ratio_text(reports[p]["busy_spread"]["max_minus_min"]) for p in policies),
        ]
        if tidal:
            cells.append(share_text(reports["tidal"]["tidal_share"]["share"]))
        lines.append(
            str(entry["seed"]).rjust(4).ljust(widths[0])
            + "".join(c.rjust(w) for c, w in zip(cells, widths[1:], strict=True))
        )
    return lines
