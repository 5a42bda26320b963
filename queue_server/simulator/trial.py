"""Trying a change to the hall before making it: other tidal windows (潮汐窗口), other staffing of a session.

The change applies to the simulated hall only; the hall file is never written. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from queue_server.core.hours import serves

if TYPE_CHECKING:
    from queue_server.core.hall import Hall


class TrialError(ValueError):
    """The change names a window or session the hall does not have, or leaves a session unable to serve."""


def window_list(text: str, what: str) -> tuple[int, ...]:
    """ "11,12,13" → (11, 12, 13)."""
    try:
        numbers = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise TrialError(f"{what}: expected window numbers like 11,12,13, got {text!r}") from None
    if len(set(numbers)) != len(numbers):
        raise TrialError(f"{what}: a window is listed twice in {text!r}")
    return numbers


def staffing_option(text: str) -> tuple[str, tuple[int, ...]]:
    """ "周末及节假日专场=1,3,4,6,10,13" → (session name, windows)."""
    name, sep, numbers = text.partition("=")
    if not sep or not name.strip():
        raise TrialError(f"--staff: expected SESSION=WINDOWS like 周末及节假日专场=1,3,4,6,10,13, got {text!r}")
    windows = window_list(numbers, f"--staff {name.strip()}")
    if not windows:
        raise TrialError(f"--staff {name.strip()}: list at least one window")
    return name.strip(), windows


def apply_trial(
    hall: Hall, tidal_windows: Sequence[int] | None = None, staffing: Mapping[str, Sequence[int]] | None = None
) -> Hall:
    """``hall`` with exactly ``tidal_windows`` marked tidal (None: as configured) and each named session (its
    ``name`` or ``name_en``) staffed at the windows given."""
    known = {w.number for w in hall.windows}
    if tidal_windows is not None:
        unknown = sorted(set(tidal_windows) - known)
        if unknown:
            raise TrialError(f"--tidal-windows: hall {hall.id!r} has no window {unknown[0]}")
        marked = set(tidal_windows)
        hall = replace(hall, windows=tuple(replace(w, tidal=w.number in marked or w.reserve) for w in hall.windows))
    if staffing:
        sessions = list(hall.sessions)
        for name, windows in staffing.items():
            found = [i for i, s in enumerate(sessions) if name in (s.name, s.name_en)]
            if not found:
                names = ", ".join(dict.fromkeys(s.name for s in hall.sessions)) or "none"
                raise TrialError(f"--staff: hall {hall.id!r} has no session {name!r} (sessions: {names})")
            unknown = sorted(set(windows) - known)
            if unknown:
                raise TrialError(f"--staff {name}: hall {hall.id!r} has no window {unknown[0]}")
            for i in found:
                sessions[i] = replace(sessions[i], windows=tuple(windows))
        hall = replace(hall, sessions=tuple(sessions))
        for s in hall.sessions:
            lost = [code for code in s.services if not serves(s, hall, code)]
            if lost:
                raise TrialError(f"--staff {s.name}: no staffed window serves category {lost[0]!r} of the session")
    return hall


def without_reserve(hall: Hall) -> Hall:
    """``hall`` with no back-office staff (后台力量) and no reserve windows: the same staff for both policies."""
    if hall.reserve is None:
        return hall
    return replace(hall, reserve=None, windows=tuple(w for w in hall.windows if not w.reserve))
