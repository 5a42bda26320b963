"""A line's outlook for the tidal decision (潮汐窗口): how long its last visitor waits now, and in a while.

The predicted wait now is the line over the windows serving it: ``waiting × minutes per visitor ÷ windows``. With
the arrivals forecast (:mod:`queue_server.core.forecast`) the line a quarter of an hour ahead is the line now plus
the expected arrivals minus what its windows serve meanwhile; the decision acts on the longer of the two, so a
rush that the forecast sees is met before the line builds up (a long line now is helped even if it will drain:
its visitors wait now).
Pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from queue_server.core.hall import TidalPolicy

HORIZON_MINUTES = 15.0  # about the time a switched clerk takes to make a difference: shorter sees too little
# A switched window still serves its own lines whenever nobody waits in the one it helps: count it as part of a
# window there, so that helping elsewhere never looks like leaving its own line with nobody.
OWN_SHARE = 0.5
INF = float("inf")


@dataclass(frozen=True)
class Line:
    """One category's line: how many wait and the recent handling time (the configured typical minutes
    when there is no recent history)."""

    service: str
    waiting: int
    minutes_per_visitor: float


class _Window(Protocol):
    @property
    def home_services(self) -> tuple[str, ...]: ...
    @property
    def state(self) -> str: ...
    @property
    def assigned(self) -> str | None: ...
    @property
    def reserve(self) -> bool: ...


def predicted_wait(line: Line, serving_windows: float) -> float | None:
    """Minutes the last visitor in the line would wait, or None when no window serves the category."""
    if serving_windows <= 0:
        return None
    return line.waiting * line.minutes_per_visitor / serving_windows


def serving_counts(windows: Iterable[_Window], regular_serving: Mapping[str, int]) -> dict[str, float]:
    """Windows serving each category: the regular ones given plus tidal windows that are not paused; a switched
    window counts whole for the category it helps and :data:`OWN_SHARE` for its own. A reserve window counts once
    a clerk has been called to it (for the category it is called for), never while closed."""
    counts: dict[str, float] = {s: float(n) for s, n in regular_serving.items()}
    for w in windows:
        if w.state in ("paused", "closed"):
            continue
        for service in w.home_services if w.assigned is None else ():
            counts[service] = counts.get(service, 0) + 1
        if w.assigned is not None:
            counts[w.assigned] = counts.get(w.assigned, 0) + 1
            for service in w.home_services:
                if service != w.assigned and not w.reserve:
                    counts[service] = counts.get(service, 0) + OWN_SHARE
    return counts


@dataclass(frozen=True)
class Outlook:
    """A line, the windows serving it and its expected arrivals per hour (None: unknown)."""

    line: Line
    windows: float
    per_hour: float | None = None

    @property
    def wait(self) -> float | None:
        """The predicted wait now (None: no window serves it)."""
        return predicted_wait(self.line, self.windows)

    def backlog_later(self, windows: float) -> float:
        """Visitors left waiting after :data:`HORIZON_MINUTES` with ``windows`` serving (the line now without a
        forecast)."""
        if self.per_hour is None:
            return float(self.line.waiting)
        served = windows * HORIZON_MINUTES / self.line.minutes_per_visitor if self.line.minutes_per_visitor else INF
        return max(0.0, self.line.waiting + self.per_hour * HORIZON_MINUTES / 60 - served)

    def with_windows(self, windows: float) -> float:
        """The longer of the predicted waits now and later, were ``windows`` serving the line (inf: visitors and
        no window)."""
        if windows <= 0:
            return INF if self.line.waiting > 0 or (self.per_hour or 0) > 0 else 0.0
        later = self.backlog_later(windows) * self.line.minutes_per_visitor / windows
        return max(self.line.waiting * self.line.minutes_per_visitor / windows, later)

    @property
    def worst(self) -> float:
        if self.windows <= 0:
            return INF if self.line.waiting > 0 else 0.0
        return self.with_windows(self.windows)

    def congested(self, line: Line, policy: TidalPolicy) -> bool:
        if self.windows <= 0:
            return line.waiting > 0
        return (line.waiting > 0 or self.backlog_later(self.windows) > 0) and self.worst >= policy.open_at_minutes

    def calm(self, line: Line, policy: TidalPolicy) -> bool:
        if line.waiting == 0 and (self.windows <= 0 or self.backlog_later(self.windows) == 0):
            return True
        return self.windows > 0 and self.worst < policy.close_below_minutes


def outlooks(lines: Iterable[Line], counts: Mapping[str, float], forecast: Mapping[str, float]) -> dict[str, Outlook]:
    return {line.service: Outlook(line, counts.get(line.service, 0), forecast.get(line.service)) for line in lines}
