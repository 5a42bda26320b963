"""The ``[appointments]`` table of a hall file (预约): slot length, capacities, cut-off and check-in times, and the
limits per phone and per client address.

A hall takes appointments when one of its sessions says ``appointments = true``; the table then tunes them (every
key has a default, so the table may be left out). A table without such a session is a mistake and is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import time
from typing import Any

from queue_server.config.schema import AppointmentsTable
from queue_server.core.hall import AppointmentPolicy, Session

Fault = Callable[[str, str], Exception]
CAPACITY = (0, 1000)  # bookings per slot per category, as the schema's capacity
# The whole-number keys, taken as they are (the schema checked their ranges)
NUMBERS = (
    "slot_minutes", "capacity", "grace_minutes", "early_minutes", "days_ahead",
    "per_phone_per_day", "per_phone_ahead", "per_address_per_day",
)  # fmt: skip


def parse_appointments(
    fault: Fault, table: AppointmentsTable | None, sessions: Sequence[Session], codes: set[str]
) -> AppointmentPolicy | None:
    """The policy of a checked ``[appointments]`` table; None: the hall takes no appointments."""
    booked = any(s.appointments for s in sessions)
    if table is None:
        return AppointmentPolicy() if booked else None
    if not booked:
        raise fault(
            "appointments", "no [[sessions]] entry has appointments = true; mark the sessions that take bookings"
        )
    values: dict[str, Any] = {key: value for key in NUMBERS if (value := getattr(table, key)) is not None}
    if table.capacities is not None:
        values["capacities"] = _capacities(fault, table.capacities, codes)
    if table.close_time is not None:
        hours, minutes = table.close_time.split(":")
        values["close_time"] = time(int(hours), int(minutes))
    policy = AppointmentPolicy(**values)
    if policy.per_phone_ahead < policy.per_phone_per_day:
        raise fault(
            "appointments.per_phone_ahead",
            f"must be at least per_phone_per_day ({policy.per_phone_per_day}): a phone's bookings of one day count "
            "among those it holds ahead",
        )
    return policy


def _capacities(fault: Fault, raw: dict[str, Any], codes: set[str]) -> dict[str, int]:
    low, high = CAPACITY
    found: dict[str, int] = {}
    for code, value in raw.items():
        if code not in codes:
            raise fault("appointments.capacities", f"unknown category {code!r} (known: {', '.join(sorted(codes))})")
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise fault(
                f"appointments.capacities.{code}", f"expected a whole number from {low} to {high}, got {value!r}"
            )
        found[code] = value
    return found
