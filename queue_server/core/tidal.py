"""Tidal-window decisions (潮汐窗口): which tidal window to switch to which category, and when to send it back.

Pure: waiting counts, windows, handling times, policy, memory and ``now`` in; actions and the updated memory
out. No Redis, no I/O. The controller around it stores :class:`Memory` between ticks, applies each
:class:`Action` as one atomic switch with its ``tidal_opened`` / ``tidal_closed`` event, and calls
:func:`decide` again on its next tick.

Rules, in the order :func:`decide` applies them:

- Hand-made switches (``manual``) are never touched, and count towards the category's limit.
- Seasonal plans (开学季, 报税季, 取暖季 …) hold their windows on their category for every day of their range
  and release them when it ends; they ignore congestion, the minimum gap between switches and the limit.
- A category is *congested* when people wait and its predicted wait (waiting ÷ windows serving it × minutes
  per visitor) is at least ``open_at_minutes``, or no window serves it; *calm* when nobody waits or the
  predicted wait is below ``close_below_minutes``. In between nothing changes (hysteresis). Each state must
  last without a break (``open_after`` / ``close_after``) before it counts.
- Per tick, each calm category sends back one of its tidal windows and each congested category (longest
  predicted wait first) gets one idle tidal window; acting restarts the category's clock, so the effect of
  one switch is watched before the next. A window switches at most once per ``min_between_switches``.
- Closing a window that is serving a visitor is allowed: a switch only changes what its *next* call draws
  from, so the clerk finishes the current visitor (``after_current``) and then serves the home categories.
- A switched window serves only the category it was switched to.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Literal

from queue_server.core.hall import Seasonal, TidalPolicy

WindowState = Literal["idle", "serving", "paused"]
Cause = Literal["congested", "calm", "seasonal", "seasonal_ended", "unstaffed"]


@dataclass(frozen=True)
class Line:
    """One category's line: how many wait and the recent handling time (the configured typical minutes
    when there is no recent history)."""

    service: str
    waiting: int
    minutes_per_visitor: float


@dataclass(frozen=True)
class TidalWindow:
    """A window marked tidal and what it is doing now. ``assigned`` is the category it is switched to
    (None: it serves its home categories); ``qualified`` the categories its clerk may take (None: any)."""

    number: int
    home_services: tuple[str, ...]
    state: WindowState = "idle"
    assigned: str | None = None
    assigned_since: datetime | None = None
    manual: bool = False
    qualified: frozenset[str] | None = None

    def may_serve(self, service: str) -> bool:
        return self.qualified is None or service in self.qualified


@dataclass(frozen=True)
class Memory:
    """What the controller keeps between ticks. Never mutated: :func:`decide` returns a new one."""

    congested_since: Mapping[str, datetime] = field(default_factory=dict)
    calm_since: Mapping[str, datetime] = field(default_factory=dict)
    last_switch: Mapping[int, datetime] = field(default_factory=dict)
    planned: Mapping[int, str] = field(default_factory=dict)  # window -> plan name that switched it


@dataclass(frozen=True)
class Action:
    """One switch. ``reason`` is shown to supervisors (Chinese / English); ``cause`` is stable for code."""

    kind: Literal["open", "close"]
    window: int
    service: str
    cause: Cause
    reason: str
    after_current: bool = False  # close only: the window finishes the visitor it is serving first


@dataclass(frozen=True)
class Decision:
    actions: tuple[Action, ...]
    memory: Memory


def predicted_wait(line: Line, serving_windows: int) -> float | None:
    """Minutes the last visitor in the line would wait, or None when no window serves the category."""
    if serving_windows <= 0:
        return None
    return line.waiting * line.minutes_per_visitor / serving_windows


def serving_counts(windows: Iterable[TidalWindow], regular_serving: Mapping[str, int]) -> dict[str, int]:
    """Windows serving each category: the regular ones given plus tidal windows that are not paused."""
    counts = dict(regular_serving)
    for w in windows:
        if w.state == "paused":
            continue
        for service in (w.assigned,) if w.assigned is not None else w.home_services:
            counts[service] = counts.get(service, 0) + 1
    return counts


def decide(
    lines: Iterable[Line],
    windows: Iterable[TidalWindow],
    regular_serving: Mapping[str, int],
    policy: TidalPolicy,
    memory: Memory,
    now: datetime,
    seasonal: Iterable[Seasonal] = (),
    day: date | None = None,
) -> Decision:
    """The switches to make at ``now``. ``regular_serving`` counts the non-tidal windows open (not paused) for
    each category; ``day`` picks the seasonal plans (default ``now.date()``; pass the hall's business day)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    tidal = sorted(windows, key=lambda w: w.number)
    by_line = {line.service: line for line in lines}
    for w in tidal:  # a category nobody has taken a ticket for is simply an empty line
        if w.assigned is not None and w.assigned not in by_line:
            by_line[w.assigned] = Line(w.assigned, 0, 0.0)
    counts = serving_counts(tidal, regular_serving)
    waits = {s: predicted_wait(line, counts.get(s, 0)) for s, line in by_line.items()}
    mind = _Mind(memory, now)
    actions: list[Action] = []

    for s, line in by_line.items():
        mind.observe(s, _congested(line, waits[s], policy), _calm(line, waits[s], policy))

    plan_of = _plans(seasonal, now.date() if day is None else day)
    for w in tidal:
        actions += mind.follow_plan(w, plan_of.get(w.number))

    busy = {a.window for a in actions} | set(mind.planned)
    auto = [w for w in tidal if w.assigned is not None and not w.manual and w.number not in busy]
    for s in sorted({w.assigned for w in auto if w.assigned is not None}):
        since = mind.calm_since.get(s)
        if since is None or now - since < policy.close_after:
            continue
        ready = [w for w in auto if w.assigned == s and mind.may_switch(w, policy)]
        if not ready:
            continue
        w = min(ready, key=lambda w: (w.state != "idle", w.assigned_since or now, w.number))
        reason = _close_reason(by_line[s], waits[s], policy.close_below_minutes, now - since)
        actions.append(Action("close", w.number, s, "calm", reason, after_current=w.state == "serving"))
        mind.switched(w.number, s, calm=True)
        busy.add(w.number)

    congested = [s for s, since in mind.congested_since.items() if now - since >= policy.open_after]
    congested.sort(key=lambda s: (-_or_inf(waits[s]), -by_line[s].waiting, s))
    for s in congested:
        if sum(1 for a in _after(tidal, actions).values() if a == s) >= policy.max_per_service:
            continue
        free = [w for w in tidal if w.number not in busy and _free_for(w, s, policy, mind, by_line, waits, counts)]
        if not free:
            continue
        w = min(free, key=lambda w: (not all(mind.is_calm(h) for h in w.home_services), _home_wait(w, waits), w.number))
        reason = _open_reason(by_line[s], waits[s], policy.open_at_minutes, now - mind.congested_since[s])
        actions.append(Action("open", w.number, s, "congested", reason))
        mind.switched(w.number, s, calm=False)
        busy.add(w.number)

    return Decision(tuple(actions), mind.memory())


def _congested(line: Line, wait: float | None, policy: TidalPolicy) -> bool:
    return line.waiting > 0 and (wait is None or wait >= policy.open_at_minutes)


def _calm(line: Line, wait: float | None, policy: TidalPolicy) -> bool:
    return line.waiting == 0 or (wait is not None and wait < policy.close_below_minutes)


def _plans(seasonal: Iterable[Seasonal], day: date) -> dict[int, Seasonal]:
    plan_of: dict[int, Seasonal] = {}
    for plan in seasonal:
        if plan.covers(day):
            for n in plan.windows:
                plan_of.setdefault(n, plan)
    return plan_of


def _after(windows: Iterable[TidalWindow], actions: Iterable[Action]) -> dict[int, str | None]:
    """Each window's category once ``actions`` are applied."""
    assigned = {w.number: w.assigned for w in windows}
    for a in actions:
        assigned[a.window] = a.service if a.kind == "open" else None
    return assigned


def _free_for(
    w: TidalWindow,
    service: str,
    policy: TidalPolicy,
    mind: _Mind,
    lines: Mapping[str, Line],
    waits: Mapping[str, float | None],
    counts: Mapping[str, int],
) -> bool:
    """An idle, unswitched window that may take ``service`` without leaving its own line in trouble."""
    if w.state != "idle" or w.manual or w.assigned is not None or w.number in mind.planned:
        return False
    if service in w.home_services or not w.may_serve(service) or not mind.may_switch(w, policy):
        return False
    for home in w.home_services:
        line = lines.get(home)
        if line is None:
            continue
        if _congested(line, waits.get(home), policy) or (line.waiting > 0 and counts.get(home, 0) <= 1):
            return False  # taking it would make its home line the next congested one
    return True


def _or_inf(wait: float | None) -> float:
    return math.inf if wait is None else wait


def _home_wait(w: TidalWindow, waits: Mapping[str, float | None]) -> float:
    return max((_or_inf(waits[h]) for h in w.home_services if h in waits), default=0.0)


def _open_reason(line: Line, wait: float | None, threshold: float, held: timedelta) -> str:
    m = int(held.total_seconds() // 60)
    if wait is None:
        n = line.waiting
        return f"无窗口办理, {n} 人等候, 已持续 {m} 分钟 / no window serves it, {n} waiting, for {m} min"
    w, t = f"{wait:.0f}", f"{threshold:g}"
    return f"预计等候 {w} 分钟 ≥ {t} 分钟, 已持续 {m} 分钟 / predicted wait {w} min ≥ {t} min for {m} min"


def _close_reason(line: Line, wait: float | None, threshold: float, held: timedelta) -> str:
    m = int(held.total_seconds() // 60)
    if line.waiting == 0 or wait is None:
        return f"无人等候, 已持续 {m} 分钟 / nobody waiting for {m} min"
    w, t = f"{wait:.0f}", f"{threshold:g}"
    return f"预计等候 {w} 分钟 < {t} 分钟, 已持续 {m} 分钟 / predicted wait {w} min < {t} min for {m} min"


class _Mind:
    """The memory being rewritten during one decision (local to :func:`decide`, never shared)."""

    def __init__(self, memory: Memory, now: datetime) -> None:
        self.now = now
        self.congested_since: dict[str, datetime] = {}
        self.calm_since: dict[str, datetime] = {}
        self.previous = memory
        self.last_switch = dict(memory.last_switch)
        self.planned = dict(memory.planned)

    def observe(self, service: str, congested: bool, calm: bool) -> None:
        # a break in the state restarts its clock: only an unbroken stretch counts
        if congested:
            self.congested_since[service] = self.previous.congested_since.get(service, self.now)
        if calm:
            self.calm_since[service] = self.previous.calm_since.get(service, self.now)

    def is_calm(self, service: str) -> bool:
        return service in self.calm_since

    def may_switch(self, w: TidalWindow, policy: TidalPolicy) -> bool:
        times = [t for t in (self.last_switch.get(w.number), w.assigned_since) if t is not None]
        return not times or self.now - max(times) >= policy.min_between_switches

    def switched(self, window: int, service: str, *, calm: bool) -> None:
        self.last_switch[window] = self.now
        # the next switch for this category waits for a fresh stretch, so one switch's effect is seen first
        (self.calm_since if calm else self.congested_since)[service] = self.now

    def follow_plan(self, w: TidalWindow, plan: Seasonal | None) -> list[Action]:
        if w.manual:
            self.planned.pop(w.number, None)  # a supervisor took it; the plan takes it back after release
            return []
        if plan is not None:
            self.planned[w.number] = plan.name
            if w.assigned == plan.service:
                return []
            actions = []
            if w.assigned is not None:
                reason = f"季节计划 {plan.name} 接管 / seasonal plan {plan.name} takes the window"
                actions.append(Action("close", w.number, w.assigned, "seasonal", reason, w.state == "serving"))
            reason = f"季节计划 {plan.name} / seasonal plan {plan.name}"
            actions.append(Action("open", w.number, plan.service, "seasonal", reason))
            self.last_switch[w.number] = self.now
            return actions
        name = self.planned.pop(w.number, None)
        if name is None or w.assigned is None:
            return []
        self.last_switch[w.number] = self.now
        reason = f"季节计划 {name} 结束 / seasonal plan {name} ended"
        return [Action("close", w.number, w.assigned, "seasonal_ended", reason, w.state == "serving")]

    def memory(self) -> Memory:
        return replace(
            self.previous,
            congested_since=self.congested_since,
            calm_since=self.calm_since,
            last_switch=self.last_switch,
            planned=self.planned,
        )
