"""The ``[tidal]`` table of a hall file: the tidal controller's thresholds and the seasonal plans (季节计划); and the
``[reserve]`` table: the back-office staff (后台力量) it may call forward, and the closed windows they open."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from queue_server.config.schema import ReserveTable, SeasonEntry, TidalTable
from queue_server.core.hall import Clerk, Reserve, Seasonal, TidalPolicy, Window

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
    if table.balance_gap is not None:
        values["balance_gap"] = float(table.balance_gap)
    if table.mode is not None:
        values["mode"] = table.mode
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
    return Seasonal(entry.name, entry.service, start, end, tuple(entry.windows), entry.demand)


def _date(fault: Fault, key: str, value: Any) -> date:
    if isinstance(value, datetime):
        raise fault(key, "expected a date without a time")
    if not isinstance(value, date):
        raise fault(key, f"expected a date like 2026-03-01, got {type(value).__name__} {value!r}")
    return value


def parse_reserve(fault: Fault, table: ReserveTable, windows: list[Window], clerks: list[Clerk]) -> Reserve:
    """The checked ``[reserve]`` table: its windows exist and are not tidal already, its clerks are reserve accounts."""
    by_number = {w.number: w for w in windows}
    for n in table.windows:
        if isinstance(n, bool) or n not in by_number:
            raise fault("reserve.windows", f"unknown window {n!r} (declare it in [[windows]])")
        if by_number[n].tidal:
            raise fault("reserve.windows", f"window {n} is tidal already; a reserve window stays closed until called")
    if len(set(table.windows)) != len(table.windows):
        raise fault("reserve.windows", "a window is listed twice")
    roles = {c.username: c.role for c in clerks}
    for name in table.clerks:
        if name not in roles:
            raise fault("reserve.clerks", f'unknown clerk {name!r} (declare it in [[clerks]] with role = "reserve")')
        if roles[name] != "reserve":
            raise fault("reserve.clerks", f'clerk {name!r} needs role = "reserve" to be called forward')
    if table.on_duty > len(table.windows):
        raise fault("reserve.on_duty", f"{table.on_duty} on duty, but only {len(table.windows)} reserve windows")
    return Reserve(tuple(table.windows), tuple(table.clerks), float(table.arrive_minutes), table.on_duty)
