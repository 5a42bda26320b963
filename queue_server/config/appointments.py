"""The ``[appointments]`` table of a hall file (预约): slot length, capacities, cut-off and check-in times.

A hall takes appointments when one of its sessions says ``appointments = true``; the table then tunes them (every
key has a default, so the table may be left out). A table without such a session is a mistake and is refused.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import time
from typing import Any

from queue_server.config.table import Table
from queue_server.core.hall import AppointmentPolicy, Session

# key: (lowest, highest) for the whole-number keys
LIMITS = {
    "slot_minutes": (5, 240),
    "capacity": (0, 1000),
    "grace_minutes": (0, 240),
    "early_minutes": (0, 240),
    "days_ahead": (1, 366),
}


def parse_appointments(root: Table, sessions: Sequence[Session], codes: set[str]) -> AppointmentPolicy | None:
    """``root`` is config's table reader for the whole file; errors name the file and the key. None: the hall
    takes no appointments."""
    booked = any(s.appointments for s in sessions)
    if "appointments" not in root.data:
        return AppointmentPolicy() if booked else None
    if not booked:
        raise root.fail(
            "appointments", "no [[sessions]] entry has appointments = true; mark the sessions that take bookings"
        )
    table = root.table("appointments")
    table.check_known(*LIMITS, "capacities", "close_time")
    values: dict[str, Any] = {}
    for key, (low, high) in LIMITS.items():
        if key in table.data:
            value = table.get(key, int, what="a whole number")
            if not low <= value <= high:
                raise table.fail(key, f"expected {low} to {high}, got {value}")
            values[key] = value
    if "capacities" in table.data:
        values["capacities"] = _capacities(table, codes)
    if "close_time" in table.data:
        text = table.get("close_time", str, what='a time like "16:00"')
        match = re.fullmatch(r"([01]\d|2[0-3]):([0-5]\d)", text)
        if not match:
            raise table.fail("close_time", f'expected a time like "16:00", got {text!r}')
        values["close_time"] = time(int(match[1]), int(match[2]))
    return AppointmentPolicy(**values)


def _capacities(table: Table, codes: set[str]) -> dict[str, int]:
    raw = table.get("capacities", dict, what="a table of category code = bookings per slot, like {C = 4}")
    low, high = LIMITS["capacity"]
    found: dict[str, int] = {}
    for code, value in raw.items():
        if code not in codes:
            raise table.fail("capacities", f"unknown category {code!r} (known: {', '.join(sorted(codes))})")
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise table.fail(f"capacities.{code}", f"expected a whole number from {low} to {high}, got {value!r}")
        found[code] = value
    return found
