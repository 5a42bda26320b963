"""The ``[tidal]`` table of a hall file: the tidal controller's thresholds and the seasonal plans (季节计划)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from queue_server.config.schema import SeasonEntry, TidalTable
from queue_server.core.hall import Seasonal, TidalPolicy

Fault = Callable[[str, str], Exception]

SPANS = {  # key in the file: the field of TidalPolicy it sets, as minutes turned into a timedelta
    "open_after_minutes": "open_after",
    "close_after_minutes": "close_after",
    "min_between_switches_minutes": "min_between_switches",
}


def parse_tidal(
    fault: Fault, table: TidalTable, codes: set[str], tidal_windows: set[int]
) -> tuple[TidalPolicy, tuple[Seasonal, ...]]:
    """The policy and seasonal plans of a checked ``[tidal]`` table; ``fault`` names the file and the key."""
    values: dict[str, Any] = {}
    for key in ("open_at_minutes", "close_below_minutes"):
        if (minutes := getattr(table, key)) is not None:
            values[key] = float(minutes)
    for key, name in SPANS.items():
        if (minutes := getattr(table, key)) is not None:
            values[name] = timedelta(minutes=minutes)
    if table.max_per_service is not None:
        values["max_per_service"] = table.max_per_service
    try:
        policy = TidalPolicy(**values)
    except ValueError as e:  # the thresholds need a gap between them
        raise fault("tidal.close_below_minutes", str(e)) from None
    seasons = tuple(_season(fault, i, s, codes, tidal_windows) for i, s in enumerate(table.seasons))
    return policy, seasons


def _season(fault: Fault, i: int, entry: SeasonEntry, codes: set[str], tidal_windows: set[int]) -> Seasonal:
    at = f"tidal.seasons[{i}]"
    if entry.service not in codes:
        raise fault(f"{at}.service", f"unknown category {entry.service!r} (known: {', '.join(sorted(codes))})")
    start, end = _date(fault, f"{at}.start", entry.start), _date(fault, f"{at}.end", entry.end)
    if end < start:
        raise fault(f"{at}.end", f"the season ends ({end}) before it starts ({start})")
    for n in entry.windows:
        if isinstance(n, bool) or n not in tidal_windows:
            raise fault(f"{at}.windows", f"window {n!r} is not a tidal window of this hall")
    return Seasonal(entry.name, entry.service, start, end, tuple(entry.windows))


def _date(fault: Fault, key: str, value: Any) -> date:
    if isinstance(value, datetime):
        raise fault(key, "expected a date without a time")
    if not isinstance(value, date):
        raise fault(key, f"expected a date like 2026-03-01, got {type(value).__name__} {value!r}")
    return value
