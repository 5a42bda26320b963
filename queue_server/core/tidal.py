"""Tidal-window decisions (潮汐窗口): which window to switch to which category, when to send it back, and when to
call back-office staff (后台力量) forward.

Pure: lines, windows, the forecast, policy, memory and ``now`` in; actions and the new memory out. The controller
around it keeps :class:`Memory` between ticks and takes each :class:`Action` (a switch with its event, or an
``alert`` to the back office), or in ``suggest`` mode proposes it to the supervisor.

Rules, in the order :func:`decide` applies them:

- Hand-made switches (``manual``) are never touched, and count towards the category's limit.
- Seasonal plans (开学季, 报税季, 取暖季 …) hold their windows on their category for every day of their range
  and release them when it ends; they ignore congestion, the minimum gap between switches and the limit.
- Each line is judged by its *outlook* (:mod:`queue_server.core.tidal_outlook`): the predicted wait now, or in
  a quarter of an hour from the arrivals forecast, whichever is longer, so a rush is met before it builds up.
  A category is *congested* when its outlook is at least ``open_at_minutes`` (or people wait and no window
  serves it), *calm* when it is below ``close_below_minutes``; in between nothing changes (hysteresis). Each
  state must last without a break (``open_after`` / ``close_after``) before it counts.
- Per tick, each calm category sends back one of its switched windows (a reserve window first: its clerk
  returns to the back office); a switched window whose own line has become congested, and now needs it more than
  the line it helps, goes home too.
- Then each congested category (longest outlook first) gets one window: an idle or serving tidal window (the
  clerk finishes the visitor at the window first) whose clerk may serve it, preferring the window whose own
  lines are idlest. **Never worse**: a window is switched only if its own lines' outlook without it stays below
  ``open_at_minutes`` and below the congested line's outlook with it. When no window may go, an empty reserve
  window is asked for (``reserve``), one at a time per category.
- Acting restarts the category's clock, so the effect of one switch is watched before the next. A window
  switches at most once per ``min_between_switches``; at most ``max_per_service`` tidal windows (reserve windows
  not counted) serve one category.
- 均衡忙闲 (``balance_gap`` > 0): short of congestion, an idle window whose own lines are empty and that has worked
  ``balance_gap`` less today (its busy ratio, sampled at every tick) than the busiest window of a line where people
  wait takes that line, one window a tick, so the day's work is shared between the clerks.
- A switched window serves the category it was switched to first and its own when nobody waits there; a reserve
  window serves only the category it was opened for.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Literal

from queue_server.core.hall import Seasonal, TidalPolicy
from queue_server.core.tidal_outlook import INF, OWN_SHARE, Line, Outlook, outlooks, predicted_wait, serving_counts
from queue_server.core.tidal_reasons import balance_reason, close_reason, home_reason, open_reason, reserve_reason

__all__ = ["Action", "Decision", "Line", "Memory", "TidalWindow", "decide", "predicted_wait", "serving_counts"]


# closed and called: a reserve window nobody sits at, before and after the back office is asked to open it
WindowState = Literal["idle", "serving", "paused", "closed", "called"]
Cause = Literal["congested", "balance", "calm", "home_busy", "seasonal", "seasonal_ended", "unstaffed"]


@dataclass(frozen=True)
class TidalWindow:
    """A window marked tidal (or a reserve window) and what it is doing now. ``assigned`` is the category it is
    switched to (None: it serves its home categories); ``qualified`` the categories it may take (its tidal
    categories and its clerk's skills; None: any)."""

    number: int
    home_services: tuple[str, ...]
    state: WindowState = "idle"
    assigned: str | None = None
    assigned_since: datetime | None = None
    manual: bool = False
    qualified: frozenset[str] | None = None
    reserve: bool = False

    def may_serve(self, service: str) -> bool:
        return self.qualified is None or service in self.qualified


@dataclass(frozen=True)
class Memory:
    """What the controller keeps between ticks. Never mutated: :func:`decide` returns a new one."""

    congested_since: Mapping[str, datetime] = field(default_factory=dict)
    calm_since: Mapping[str, datetime] = field(default_factory=dict)
    last_switch: Mapping[int, datetime] = field(default_factory=dict)
    planned: Mapping[int, str] = field(default_factory=dict)  # window -> plan name that switched it
    # Each window's ticks spent serving and ticks open on ``day``, sampled at every decision: today's busy ratio
    # (忙闲率) as the controller sees it, so work goes to the windows that have had least of it.
    busy: Mapping[int, tuple[int, int]] = field(default_factory=dict)
    day: date | None = None


@dataclass(frozen=True)
class Action:
    """One switch, or (``reserve``) a call for back-office staff to open reserve window ``window`` for
    ``service``. ``reason`` is shown to supervisors (Chinese / English); ``cause`` is stable for code."""

    kind: Literal["open", "close", "reserve"]
    window: int
    service: str
    cause: Cause
    reason: str
    after_current: bool = False  # close only: the window finishes the visitor it is serving first


@dataclass(frozen=True)
class Decision:
    actions: tuple[Action, ...]
    memory: Memory


def decide(
    lines: Iterable[Line],
    windows: Iterable[TidalWindow],
    regular_serving: Mapping[str, int],
    policy: TidalPolicy,
    memory: Memory,
    now: datetime,
    seasonal: Iterable[Seasonal] = (),
    day: date | None = None,
    forecast: Mapping[str, float] | None = None,
) -> Decision:
    """The actions to take at ``now``. ``regular_serving`` counts the non-tidal windows open (not paused) for each
    category; ``day`` picks the seasonal plans (default ``now.date()``; pass the hall's business day);
    ``forecast`` the expected arrivals per category over the next hour (None or a missing category: unknown)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    tidal = sorted(windows, key=lambda w: w.number)
    by_line = {line.service: line for line in lines}
    for w in tidal:  # a category nobody has taken a ticket for is simply an empty line
        if w.assigned is not None and w.assigned not in by_line:
            by_line[w.assigned] = Line(w.assigned, 0, 0.0)
    counts = serving_counts(tidal, regular_serving)
    look = outlooks(by_line.values(), counts, forecast or {})
    mind = _Mind(memory, now, now.date() if day is None else day)
    mind.sample(tidal)
    actions: list[Action] = []

    for s, line in by_line.items():
        mind.observe(s, look[s].congested(line, policy), look[s].calm(line, policy))

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
        w = min(ready, key=lambda w: (not w.reserve, w.state != "idle", w.assigned_since or now, w.number))
        reason = close_reason(by_line[s], look[s].wait, policy.close_below_minutes, now - since)
        actions.append(Action("close", w.number, s, "calm", reason, after_current=w.state == "serving"))
        mind.switched(w.number, s, calm=True)
        busy.add(w.number)

    for w in auto:  # a window whose own line now needs it more than the line it helps goes home
        if w.number in busy or w.assigned is None or w.reserve or not mind.may_switch(w, policy):
            continue
        home = _needs_back(w, w.assigned, mind, policy, by_line, look, counts)
        if home is not None:
            reason = home_reason(home, look[home].wait, w.assigned)
            actions.append(Action("close", w.number, w.assigned, "home_busy", reason, w.state == "serving"))
            mind.switched(w.number, home, calm=False)
            busy.add(w.number)

    congested = [s for s, since in mind.congested_since.items() if now - since >= policy.open_after]
    congested.sort(key=lambda s: (-look[s].worst, -by_line[s].waiting, s))
    assigned = _after(tidal, actions)
    for s in congested:
        if s in mind.switched_now:
            continue  # one step per category per tick: its effect is watched first
        held = now - mind.congested_since[s]
        switched = sum(1 for n, a in assigned.items() if a == s and not _reserve(tidal, n))
        free = [] if switched >= policy.max_per_service else _candidates(tidal, s, busy, mind, policy, look, counts)
        if free:
            w = min(free, key=lambda w: _preference(w, look, counts, mind, policy))
            reason = open_reason(by_line[s], look[s].wait, policy, held)
            actions.append(Action("open", w.number, s, "congested", reason))
        else:
            called = [w for w in tidal if w.reserve and w.state == "called" and w.assigned == s]
            empty = [w for w in tidal if w.reserve and w.state == "closed" and w.number not in busy and w.may_serve(s)]
            if called or not empty or look[s].windows <= 0:
                continue  # one call at a time; and never for a category no session serves now (after hours)
            w = empty[0]
            actions.append(Action("reserve", w.number, s, "congested", reserve_reason(by_line[s], look[s].wait, held)))
        mind.switched(w.number, s, calm=False)
        busy.add(w.number)
        assigned[w.number] = s

    if policy.balance_gap > 0:
        actions += _balance(tidal, by_line, busy, assigned, mind, policy, look, counts)
    return Decision(tuple(actions), mind.memory())


def _balance(
    windows: list[TidalWindow],
    lines: Mapping[str, Line],
    busy: set[int],
    assigned: dict[int, str | None],
    mind: _Mind,
    policy: TidalPolicy,
    look: Mapping[str, Outlook],
    counts: Mapping[str, float],
) -> list[Action]:
    """均衡忙闲: an idle window whose own lines are empty, and that has been ``balance_gap`` less busy today than
    the busiest window of a line where people wait, takes that line, so the day's work is shared; one window a tick.
    The least busy idle window goes first, to the line whose windows have worked most."""
    worked: dict[str, float] = {}
    for w in windows:
        if w.reserve or w.state not in ("idle", "serving"):
            continue  # a window that is not working now (or the back office's) says nothing of a line's load
        for s in (w.assigned,) if w.assigned is not None else w.home_services:
            worked[s] = max(worked.get(s, 0.0), mind.busy_ratio(w))
    recent = {w.assigned for w in windows if w.assigned_since and mind.now - w.assigned_since < policy.open_after}
    waiting = [
        s
        for s, line in lines.items()
        # people wait, the line is not calm, and its last switch has had time to show (no window a tick)
        if line.waiting > 0 and s not in mind.switched_now and s not in mind.calm_since and s not in recent
    ]
    idle = [w for w in windows if w.state == "idle" and _home_outlook(w, look, counts) < policy.close_below_minutes]
    for w in sorted(idle, key=lambda w: (mind.busy_ratio(w), w.number)):
        mine = mind.busy_ratio(w)
        options = [
            s
            for s in waiting
            if worked.get(s, 0.0) - mine >= policy.balance_gap
            and sum(1 for n, a in assigned.items() if a == s and not _reserve(windows, n)) < policy.max_per_service
            and w in _candidates(windows, s, busy, mind, policy, look, counts)
        ]
        if options:
            s = max(options, key=lambda s: (worked[s], look[s].worst, s))
            reason = balance_reason(s, lines[s].waiting, mine, worked[s])
            mind.switched(w.number, s, calm=False)
            assigned[w.number] = s
            return [Action("open", w.number, s, "balance", reason)]
    return []


def _reserve(windows: Iterable[TidalWindow], number: int) -> bool:
    return any(w.reserve for w in windows if w.number == number)


def _plans(seasonal: Iterable[Seasonal], day: date) -> dict[int, Seasonal]:
    # the first plan given wins a window that two plans name: the later ones are written first and overwritten
    return {n: plan for plan in reversed(list(seasonal)) if plan.covers(day) for n in plan.windows}


def _after(windows: Iterable[TidalWindow], actions: Iterable[Action]) -> dict[int, str | None]:
    """Each window's category once ``actions`` are applied."""
    assigned = {w.number: w.assigned for w in windows}
    for a in actions:
        assigned[a.window] = a.service if a.kind in ("open", "reserve") else None
    return assigned


def _candidates(
    windows: Iterable[TidalWindow],
    service: str,
    busy: set[int],
    mind: _Mind,
    policy: TidalPolicy,
    look: Mapping[str, Outlook],
    counts: Mapping[str, float],
) -> list[TidalWindow]:
    """The tidal windows that may be switched to ``service`` now without making anything worse."""
    free = []
    for w in windows:
        if w.reserve or w.state not in ("idle", "serving") or w.manual or w.assigned == service:
            continue
        if w.assigned is not None and w.assigned not in mind.calm_since:
            continue  # still needed where it is; a window helping a calm line may move on to a congested one
        if w.number in busy or w.number in mind.planned or service in w.home_services or not w.may_serve(service):
            continue
        if not mind.may_switch(w, policy):
            continue
        helped = look[service].with_windows(counts.get(service, 0) + 1)
        if _home_outlook(w, look, counts) < min(policy.open_at_minutes, helped):
            free.append(w)
    return free


def _preference(
    w: TidalWindow, look: Mapping[str, Outlook], counts: Mapping[str, float], mind: _Mind, policy: TidalPolicy
) -> tuple[bool, float, float, bool, int]:
    """Which free window goes first: one whose own lines are idle (their outlook without it below
    ``close_below_minutes``), then the one least busy today, then the idlest own lines, an idle clerk first."""
    home = _home_outlook(w, look, counts)
    return (home >= policy.close_below_minutes, mind.busy_ratio(w), home, w.state != "idle", w.number)


def _home_outlook(w: TidalWindow, look: Mapping[str, Outlook], counts: Mapping[str, float]) -> float:
    """The worst outlook of the window's own lines once it has left them (inf: a line left with no window)."""
    worst = 0.0
    for h in w.home_services:
        if h not in look:
            continue
        # a window already switched gives its own lines only its spare share, which it keeps wherever it helps
        left = counts.get(h, 0) - (1 if w.assigned is None else OWN_SHARE)
        if left < 1 and look[h].line.waiting > 0:
            return INF  # its only window: the visitors already waiting there would wait behind the other line
        worst = max(worst, look[h].with_windows(left + OWN_SHARE))
    return worst


def _needs_back(
    w: TidalWindow,
    service: str,
    mind: _Mind,
    policy: TidalPolicy,
    lines: Mapping[str, Line],
    look: Mapping[str, Outlook],
    counts: Mapping[str, float],
) -> str | None:
    """The window's own category that is congested (held ``open_after``) and either has no other window, or would
    wait longer without this one than the line it helps would; None when none is."""
    left = look[service].with_windows(counts.get(service, 0) - 1)
    for h in w.home_services:
        since = mind.congested_since.get(h)
        if h not in look or since is None or mind.now - since < policy.open_after:
            continue
        if counts.get(h, 0) - OWN_SHARE < 1 or look[h].worst > left:
            return h  # a line with no other window is never left behind a busier one
    return None


class _Mind:
    """The memory being rewritten during one decision (local to :func:`decide`, never shared)."""

    def __init__(self, memory: Memory, now: datetime, day: date) -> None:
        self.now, self.day = now, day
        self.congested_since: dict[str, datetime] = {}
        self.calm_since: dict[str, datetime] = {}
        self.previous = memory
        self.last_switch = dict(memory.last_switch)
        self.planned = dict(memory.planned)
        self.switched_now: set[str] = set()
        self.busy = dict(memory.busy) if memory.day == day else {}  # a new business day starts from nothing

    def sample(self, windows: Iterable[TidalWindow]) -> None:
        for w in windows:
            if w.state in ("idle", "serving"):
                serving, open_ = self.busy.get(w.number, (0, 0))
                self.busy[w.number] = (serving + (w.state == "serving"), open_ + 1)

    def busy_ratio(self, w: TidalWindow) -> float:
        serving, open_ = self.busy.get(w.number, (0, 0))
        return serving / open_ if open_ else 0.0

    def observe(self, service: str, congested: bool, calm: bool) -> None:
        # a break in the state restarts its clock: only an unbroken stretch counts
        if congested:
            self.congested_since[service] = self.previous.congested_since.get(service, self.now)
        if calm:
            self.calm_since[service] = self.previous.calm_since.get(service, self.now)

    def may_switch(self, w: TidalWindow, policy: TidalPolicy) -> bool:
        times = [t for t in (self.last_switch.get(w.number), w.assigned_since) if t is not None]
        return not times or self.now - max(times) >= policy.min_between_switches

    def switched(self, window: int, service: str, *, calm: bool) -> None:
        self.last_switch[window] = self.now
        self.switched_now.add(service)
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
            busy=self.busy,
            day=self.day,
        )
