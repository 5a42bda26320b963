"""Erlang C (M/M/c): how long visitors wait for one of ``c`` windows, and how many windows a service target needs.

Visitors of a category arrive at random (a Poisson stream of ``λ`` an hour) and take ``h`` minutes on average at a
window; the offered load is ``a = λ·h/60`` erlangs (how many windows the work alone keeps busy). With ``c``
windows serving one line in order of arrival:

- Erlang B, ``B(c, a)``, by the recursion ``B(0) = 1``, ``B(k) = a·B(k−1) / (k + a·B(k−1))``: every step stays
  between 0 and 1, so it neither overflows nor loses precision for hundreds of erlangs, where the textbook sum of
  ``aᵏ/k!`` terms overflows a float;
- Erlang C, the probability that a visitor has to wait at all, ``C(c, a) = c·B / (c − a·(1 − B))`` for ``c > a``
  (with ``c ≤ a`` the line grows without end: everyone waits);
- the share called within ``t`` minutes, ``P(W ≤ t) = 1 − C(c, a)·exp(−(c − a)·t/h)``;
- the mean wait, ``C(c, a)·h / (c − a)``.

The model takes handling times as exponential; a hall's are less spread out than that (most visits are routine),
so the windows it asks for are, if anything, a few too many. Pure arithmetic, no I/O.
"""

from __future__ import annotations

import math

MAX_EXTRA_WINDOWS = 10_000  # beyond the load; no real target needs that many, so a caller's mistake stops here


def offered_load(arrivals_per_hour: float, handling_minutes: float) -> float:
    """Erlangs: the windows the work alone keeps busy."""
    if arrivals_per_hour < 0 or handling_minutes < 0:
        raise ValueError("arrivals and handling minutes must not be negative")
    return arrivals_per_hour * handling_minutes / 60


def erlang_b(servers: int, load: float) -> float:
    """The probability that all ``servers`` are busy if arrivals finding them so were turned away (Erlang B)."""
    _check(servers, load)
    blocked = 1.0
    for k in range(1, servers + 1):
        blocked = load * blocked / (k + load * blocked)
    return blocked


def erlang_c(servers: int, load: float) -> float:
    """The probability that a visitor waits at all (Erlang C); 1.0 when ``servers`` cannot keep up with ``load``."""
    _check(servers, load)
    if load == 0:
        return 0.0
    if servers <= load:
        return 1.0
    return _from_b(servers, load, erlang_b(servers, load))


def wait_within(servers: int, load: float, handling_minutes: float, minutes: float) -> float:
    """The share of visitors called within ``minutes`` of taking a ticket, ``P(W ≤ t)``; 0.0 when the line grows
    without end (``servers ≤ load``) and 1.0 when nobody comes."""
    _check(servers, load)
    if handling_minutes <= 0 or minutes < 0:
        raise ValueError("handling minutes must be positive and the target minutes not negative")
    if load == 0:
        return 1.0
    if servers <= load:
        return 0.0
    return _within(servers, load, erlang_c(servers, load), handling_minutes, minutes)


def mean_wait(servers: int, load: float, handling_minutes: float) -> float:
    """The mean minutes from ticket to call; infinite when ``servers ≤ load``."""
    _check(servers, load)
    if load == 0:
        return 0.0
    if servers <= load:
        return math.inf
    return erlang_c(servers, load) * handling_minutes / (servers - load)


def servers_needed(load: float, handling_minutes: float, share: float, minutes: float) -> int:
    """The fewest windows that call at least ``share`` of the visitors within ``minutes``; 0 when nobody comes.

    Walks ``c`` up from the first stable count, carrying Erlang B along (one step per window), so a load of
    thousands of erlangs costs a few thousand multiplications."""
    _check(0, load)
    if not 0 < share < 1:
        raise ValueError("the target share must be between 0 and 1 (no finite staffing calls everyone at once)")
    if handling_minutes <= 0 or minutes < 0:
        raise ValueError("handling minutes must be positive and the target minutes not negative")
    if load == 0:
        return 0
    servers = math.floor(load) + 1
    blocked = erlang_b(servers, load)
    for _ in range(MAX_EXTRA_WINDOWS):
        if _within(servers, load, _from_b(servers, load, blocked), handling_minutes, minutes) >= share:
            return servers
        servers += 1
        blocked = load * blocked / (servers + load * blocked)
    raise ValueError(f"no staffing up to {servers} windows meets the target")  # pragma: no cover


def _from_b(servers: int, load: float, blocked: float) -> float:
    return servers * blocked / (servers - load * (1 - blocked))


def _within(servers: int, load: float, waits: float, handling_minutes: float, minutes: float) -> float:
    return 1 - waits * math.exp(-(servers - load) * minutes / handling_minutes)


def _check(servers: int, load: float) -> None:
    if servers < 0 or load < 0 or not math.isfinite(load):
        raise ValueError("servers and load must be finite and not negative")
