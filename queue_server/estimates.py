"""Waiting-time estimates shown to visitors (pure: counts in, minutes out)."""

from __future__ import annotations

import math


def estimated_wait_minutes(ahead: int, minutes_per_visitor: float, windows_serving: int) -> int | None:
    """Minutes until a visitor with ``ahead`` people before them is called, or None when no window serves
    the category right now (so no honest estimate exists)."""
    if windows_serving <= 0:
        return None
    return math.ceil(max(ahead, 0) * minutes_per_visitor / windows_serving)
