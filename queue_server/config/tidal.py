"""The ``[tidal]`` table of a hall file: the tidal controller's thresholds and the seasonal plans (季节计划)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from queue_server.config.table import Table
from queue_server.core.hall import Seasonal, TidalPolicy

POLICY_KEYS = {
    # key in the file: (field of TidalPolicy, minutes turned into a timedelta?)
    "open_at_minutes": ("open_at_minutes", False),
    "open_after_minutes": ("open_after", True),
    "close_below_minutes": ("close_below_minutes", False),
    "close_after_minutes": ("close_after", True),
    "min_between_switches_minutes": ("min_between_switches", True),
}


def parse_tidal(table: Table, codes: set[str], tidal_windows: set[int]) -> tuple[TidalPolicy, tuple[Seasonal, ...]]:
    """``table`` is config's table reader for ``[tidal]``; errors name the file and the key."""
    table.check_known(*POLICY_KEYS, "max_per_service", "seasons")
    values: dict[str, Any] = {}
    for key, (name, is_span) in POLICY_KEYS.items():
        if key in table.data:
            minutes = table.get(key, (int, float), what="a number of minutes")
            if not 0 <= minutes <= 24 * 60:
                raise table.fail(key, f"expected 0 to 1440 minutes, got {minutes}")
            values[name] = timedelta(minutes=minutes) if is_span else float(minutes)
    if "max_per_service" in table.data:
        limit = table.get("max_per_service", int, what="a whole number")
        if limit < 0:
            raise table.fail("max_per_service", f"expected 0 or more tidal windows per category, got {limit}")
        values["max_per_service"] = limit
    try:
        policy = TidalPolicy(**values)
    except ValueError as e:
        raise table.fail("close_below_minutes", str(e)) from None
    seasons = tuple(_parse_season(t, codes, tidal_windows) for t in table.tables("seasons"))
    return policy, seasons


def _parse_season(table: Any, codes: set[str], tidal_windows: set[int]) -> Seasonal:
    table.check_known("name", "service", "start", "end", "windows")
    service = table.get("service", str, what="a category code")
    if service not in codes:
        raise table.fail("service", f"unknown category {service!r} (known: {', '.join(sorted(codes))})")
    start, end = _date(table, "start"), _date(table, "end")
    if end < start:
        raise table.fail("end", f"the season ends ({end}) before it starts ({start})")
    windows = table.get("windows", list, what="a list of tidal window numbers")
    for n in windows:
        if isinstance(n, bool) or n not in tidal_windows:
            raise table.fail("windows", f"window {n!r} is not a tidal window of this hall")
    return Seasonal(table.text("name"), service, start, end, tuple(windows))


def _date(table: Any, key: str) -> date:
    value = table.get(key, date, what="a date like 2026-03-01")
    if isinstance(value, datetime):
        raise table.fail(key, "expected a date without a time")
    return value  # type: ignore[no-any-return]
