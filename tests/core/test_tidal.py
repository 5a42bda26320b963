"""Tidal-window decisions (潮汐窗口): a supervisor sees the right window switched, at the right time, for a reason."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from queue_server.core.hall import Seasonal, TidalPolicy
from queue_server.core.tidal import (
    Action,
    Line,
    Memory,
    TidalWindow,
    decide,
    predicted_wait,
)

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=SH)
POLICY = TidalPolicy()
# Regular (non-tidal) windows open per category, as in the demo hall minus its tidal windows 13 and 14.
REGULAR = {"A": 3, "B": 3, "C": 2, "D": 2, "E": 2, "F": 2, "G": 1}


def ago(minutes: float) -> datetime:
    return NOW - timedelta(minutes=minutes)


def lines(**waiting: int) -> tuple[Line, ...]:
    """Lines with 10 minutes per visitor, so the predicted wait is easy to read off."""
    return tuple(Line(s, n, 10.0) for s, n in waiting.items())


W13 = TidalWindow(13, ("G",))
W14 = TidalWindow(14, ("F", "B"))
IDLE: tuple[TidalWindow, ...] = (W13, W14)


def kinds(actions: tuple[Action, ...]) -> list[tuple[str, int, str, str]]:
    return [(a.kind, a.window, a.service, a.cause) for a in actions]


# A has 3 regular windows: 9 waiting at 10 min each is a 30-minute wait (congested), 3..8 in between, <3 calm.
CASES = [
    ("quiet hall", lines(A=2), IDLE, Memory(), []),
    ("congestion just began", lines(A=12), IDLE, Memory(), []),
    ("congested 4 min: not yet", lines(A=12), IDLE, Memory(congested_since={"A": ago(4)}), []),
    (
        "congested 5 min: lowest calm window",
        lines(A=12),
        IDLE,
        Memory(congested_since={"A": ago(5)}),
        [
            ("open", 13, "A", "congested"),
        ],
    ),
    (
        "prefers the window whose home line is calm",
        lines(A=12, G=2),  # G: 2 waiting over 2 windows (regular + 13) = 10 min, not calm
        IDLE,
        Memory(congested_since={"A": ago(6)}),
        [("open", 14, "A", "congested")],
    ),
    (
        "never takes the only window of a home line with people waiting",
        lines(A=12, H=1),  # H: only window 13 serves it
        (TidalWindow(13, ("H",)), replace(W14, state="paused")),
        Memory(congested_since={"A": ago(6)}),
        [],
    ),
    (
        "never takes a window whose own home line is congested",
        lines(A=12, B=15),
        (replace(W13, state="paused"), W14),
        Memory(congested_since={"A": ago(6)}),
        [],
    ),
    (
        "a serving window is switched too (its visitor is finished first); a paused or manual one is not",
        lines(A=12),
        (replace(W13, state="serving"), replace(W14, state="paused"), TidalWindow(15, ("E",), manual=True)),
        Memory(congested_since={"A": ago(6)}),
        [("open", 13, "A", "congested")],
    ),
    (
        "nothing free: paused and manual windows stay",
        lines(A=12),
        (replace(W13, state="paused"), TidalWindow(15, ("E",), manual=True)),
        Memory(congested_since={"A": ago(6)}),
        [],
    ),
    (
        "a clerk not qualified for the category is not switched to it",
        lines(A=12),
        (replace(W13, qualified=frozenset({"B", "G"})), W14),
        Memory(congested_since={"A": ago(6)}),
        [("open", 14, "A", "congested")],
    ),
    (
        "hysteresis: between the thresholds a switched window stays",
        lines(A=6),  # 6 waiting over 3 + 1 windows at 10 min: 15 min
        (replace(W13, assigned="A", assigned_since=ago(60)), W14),
        Memory(calm_since={"A": ago(60)}, congested_since={"A": ago(60)}),
        [],
    ),
    (
        "calm 9 min: not yet",
        lines(A=2),
        (replace(W13, assigned="A", assigned_since=ago(60)), W14),
        Memory(calm_since={"A": ago(9)}),
        [],
    ),
    (
        "calm 10 min: the window goes back",
        lines(A=2),
        (replace(W13, assigned="A", assigned_since=ago(60)), W14),
        Memory(calm_since={"A": ago(10)}),
        [("close", 13, "A", "calm")],
    ),
    (
        "calm: one window a tick goes back, the idle one first",
        lines(A=0),
        (
            replace(W13, assigned="A", assigned_since=ago(90), state="serving"),
            replace(W14, assigned="A", assigned_since=ago(60)),
        ),
        Memory(calm_since={"A": ago(30)}),
        [("close", 14, "A", "calm")],
    ),
    (
        "a category missing from the lines has nobody waiting",
        (),
        (replace(W13, assigned="C", assigned_since=ago(60)), W14),
        Memory(calm_since={"C": ago(10)}),
        [("close", 13, "C", "calm")],
    ),
    (
        "a hand-made switch is never released by the controller",
        lines(A=0),
        (replace(W13, assigned="A", assigned_since=ago(60), manual=True), W14),
        Memory(calm_since={"A": ago(60)}),
        [],
    ),
    (
        "minimum time between switches of one window",
        lines(A=12),
        (W13, replace(W14, state="paused")),
        Memory(congested_since={"A": ago(20)}, last_switch={13: ago(14)}),
        [],
    ),
    (
        "minimum time passed",
        lines(A=12),
        (W13, replace(W14, state="paused")),
        Memory(congested_since={"A": ago(20)}, last_switch={13: ago(15)}),
        [("open", 13, "A", "congested")],
    ),
    (
        "a window switched by hand also waits the minimum time",
        lines(A=0),
        (replace(W13, assigned="A", assigned_since=ago(5)), W14),
        Memory(calm_since={"A": ago(30)}),
        [],
    ),
    (
        "at most 2 tidal windows per category, hand-made ones included",
        lines(A=40),
        (
            replace(W13, assigned="A", assigned_since=ago(60), manual=True),
            replace(W14, assigned="A", assigned_since=ago(60)),
            TidalWindow(15, ("E",)),
        ),
        Memory(congested_since={"A": ago(30)}),
        [],
    ),
    (
        "the longest predicted wait gets the only free window",
        lines(A=12, D=8),  # A: 12 x 10 / 3 = 40 min; D: 8 x 10 / 2 = 40 min, fewer people
        (W13, replace(W14, state="paused")),
        Memory(congested_since={"A": ago(6), "D": ago(6)}),
        [("open", 13, "A", "congested")],
    ),
    (
        "several congested categories each get a window, worst first",
        lines(A=10, C=10),  # A: 33 min; C: 50 min
        IDLE,
        Memory(congested_since={"A": ago(6), "C": ago(6)}),
        [("open", 13, "C", "congested"), ("open", 14, "A", "congested")],
    ),
    (
        "a category no window serves is congested as soon as anyone waits",
        lines(H=1),
        IDLE,
        Memory(congested_since={"H": ago(5)}),
        [("open", 13, "H", "congested")],
    ),
    ("a category no window serves, with nobody waiting, is calm", lines(H=0), IDLE, Memory(), []),
]


@pytest.mark.parametrize(
    ("lines_", "windows", "memory", "expected"),
    [pytest.param(ln, w, m, e, id=name) for name, ln, w, m, e in CASES],
)
def test_decide(
    lines_: tuple[Line, ...],
    windows: tuple[TidalWindow, ...],
    memory: Memory,
    expected: list[tuple[str, int, str, str]],
) -> None:
    decision = decide(lines_, windows, REGULAR, POLICY, memory, NOW)
    assert kinds(decision.actions) == expected
    for a in decision.actions:
        assert decision.memory.last_switch[a.window] == NOW


def test_reasons_say_why_in_chinese_and_english() -> None:
    opened = decide(lines(A=12), IDLE, REGULAR, POLICY, Memory(congested_since={"A": ago(6)}), NOW)
    assert (
        opened.actions[0].reason
        == "预计等候 40 分钟 ≥ 30 分钟, 已持续 6 分钟 / predicted wait 40 min ≥ 30 min for 6 min"
    )
    unserved = decide(lines(H=3), IDLE, REGULAR, POLICY, Memory(congested_since={"H": ago(7)}), NOW)
    assert (
        unserved.actions[0].reason == "无窗口办理, 3 人等候, 已持续 7 分钟 / no window serves it, 3 waiting, for 7 min"
    )
    switched = (replace(W13, assigned="A", assigned_since=ago(60), state="serving"), W14)
    closed = decide(lines(A=0), switched, REGULAR, POLICY, Memory(calm_since={"A": ago(12)}), NOW)
    assert closed.actions[0].reason == "无人等候, 已持续 12 分钟 / nobody waiting for 12 min"
    assert closed.actions[0].after_current  # the clerk finishes the visitor at the window first


def test_clocks_need_an_unbroken_stretch() -> None:
    # congested since 20 min, but now the line is in between: the clock stops, and restarts from zero
    memory = Memory(congested_since={"A": ago(20)}, calm_since={"B": ago(3)})
    decision = decide(lines(A=6, B=1), IDLE, REGULAR, POLICY, memory, NOW)
    assert decision.memory.congested_since == {}
    assert decision.memory.calm_since == {"B": ago(3)}
    again = decide(lines(A=12), IDLE, REGULAR, POLICY, decision.memory, NOW + timedelta(minutes=1))
    assert again.actions == ()
    assert again.memory.congested_since == {"A": NOW + timedelta(minutes=1)}


TAX = Seasonal("报税季", "D", date(2026, 11, 1), date(2026, 11, 23), (14,))


@pytest.mark.parametrize(
    ("day", "windows", "memory", "expected"),
    [
        pytest.param(date(2026, 10, 31), IDLE, Memory(), [], id="before the season"),
        pytest.param(date(2026, 11, 1), IDLE, Memory(), [("open", 14, "D", "seasonal")], id="first day"),
        pytest.param(
            date(2026, 11, 23),
            (W13, replace(W14, assigned="D", assigned_since=ago(60))),
            Memory(planned={14: "报税季"}),
            [],
            id="already held",
        ),
        pytest.param(
            date(2026, 11, 24),
            (W13, replace(W14, assigned="D", assigned_since=ago(60), state="serving")),
            Memory(planned={14: "报税季"}),
            [("close", 14, "D", "seasonal_ended")],
            id="season over",
        ),
        pytest.param(
            date(2026, 11, 10),
            (W13, replace(W14, assigned="A", assigned_since=ago(3))),
            Memory(),
            [("close", 14, "A", "seasonal"), ("open", 14, "D", "seasonal")],
            id="the plan takes a window from congestion",
        ),
        pytest.param(
            date(2026, 11, 10),
            (W13, replace(W14, assigned="A", assigned_since=ago(3), manual=True)),
            Memory(planned={14: "报税季"}),
            [],
            id="a supervisor's switch wins over the plan",
        ),
    ],
)
def test_seasonal_plan(
    day: date, windows: tuple[TidalWindow, ...], memory: Memory, expected: list[tuple[str, int, str, str]]
) -> None:
    decision = decide(lines(D=0), windows, REGULAR, POLICY, memory, NOW, seasonal=(TAX,), day=day)
    assert kinds(decision.actions) == expected
    if expected and expected[-1][0] == "open":
        assert decision.actions[-1].reason == "季节计划 报税季 / seasonal plan 报税季"
        assert decision.memory.planned == {14: "报税季"}
    if expected and expected[-1][3] == "seasonal_ended":
        assert decision.actions[-1].after_current
        assert decision.memory.planned == {}


def test_a_planned_window_is_not_sent_back_by_a_calm_line() -> None:
    windows = (W13, replace(W14, assigned="D", assigned_since=ago(600)))
    memory = Memory(calm_since={"D": ago(600)}, planned={14: "报税季"})
    decision = decide(lines(D=0), windows, REGULAR, POLICY, memory, NOW, seasonal=(TAX,), day=date(2026, 11, 20))
    assert decision.actions == ()


def apply(windows: tuple[TidalWindow, ...], actions: tuple[Action, ...], now: datetime) -> tuple[TidalWindow, ...]:
    """What the controller's atomic switch does to the windows."""
    result = {w.number: w for w in windows}
    for a in actions:
        w = result[a.window]
        result[a.window] = replace(w, assigned=a.service if a.kind == "open" else None, assigned_since=now)
    return tuple(result[n] for n in sorted(result))


def test_a_morning_peak_tick_by_tick() -> None:
    """A's line swells, a tidal window comes over, the line drains, and the window goes home, once each way."""
    # minute -> people waiting in A (3 regular windows, 10 min per visitor)
    waiting = [3] * 5 + [12] * 6 + [10] * 10 + [2] * 15
    windows, memory = IDLE, Memory()
    log = []
    for minute, n in enumerate(waiting):
        now = NOW + timedelta(minutes=minute)
        decision = decide(lines(A=n), windows, REGULAR, POLICY, memory, now)
        log += [(minute, a.kind, a.window) for a in decision.actions]
        windows, memory = apply(windows, decision.actions, now), decision.memory
    # congested from minute 5, held 5 min: opens at 10; then 10 x 10 / 4 = 25 min is in between, so nothing
    # happens; calm from minute 21, held 10 min: closes at 31
    assert log == [(10, "open", 13), (31, "close", 13)]


def test_a_peak_that_stays_brings_a_second_window_after_another_hold() -> None:
    windows, memory = IDLE, Memory()
    log = []
    for minute in range(30):
        now = NOW + timedelta(minutes=minute)
        decision = decide(lines(A=20), windows, REGULAR, POLICY, memory, now)
        log += [(minute, a.kind, a.window) for a in decision.actions]
        windows, memory = apply(windows, decision.actions, now), decision.memory
    # the first switch restarts the clock, so the second waits to see its effect; then the limit of 2 holds
    assert log == [(5, "open", 13), (10, "open", 14)]


@pytest.mark.parametrize(
    ("line", "serving", "expected"),
    [
        (Line("A", 12, 8.0), 3, 32.0),
        (Line("A", 0, 8.0), 3, 0.0),
        (Line("A", 5, 8.0), 0, None),
        (Line("A", 5, 8.0), -1, None),
    ],
)
def test_predicted_wait(line: Line, serving: int, expected: float | None) -> None:
    assert predicted_wait(line, serving) == expected


@pytest.mark.parametrize(
    "kwargs",
    [
        {"open_at_minutes": 10.0, "close_below_minutes": 10.0},
        {"close_below_minutes": -1.0},
        {"max_per_service": -1},
    ],
)
def test_policy_refuses_settings_that_would_flap(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="must"):
        TidalPolicy(**kwargs)  # type: ignore[arg-type]


def test_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        decide((), IDLE, REGULAR, POLICY, Memory(), datetime(2026, 11, 23, 10, 0))
