"""The tidal decision's newer rules (潮汐窗口): acting on the arrivals forecast, never making a line worse, which
window goes first, today's busy samples, and calling back-office staff (后台力量). Each case is what a supervisor
would see on the console: which window goes where, or that nothing happens. Windows going home and moving on are in
test_tidal_outlook.py."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date, datetime, timedelta
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from queue_server.core.hall import TidalPolicy
from queue_server.core.tidal import Action, Line, Memory, TidalWindow, decide

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=SH)  # a Monday morning
TODAY = NOW.date()
POLICY = TidalPolicy()  # open at 30 min held 5 min, calm below 10 min held 10 min, 15 min between switches, 2 max
# Regular (non-tidal) windows open per category, as in the demo hall minus its tidal windows 13 and 14.
REGULAR = {"A": 3, "B": 3, "C": 2, "D": 2, "E": 2, "F": 2, "G": 1}
AFTER_HOURS = dict.fromkeys(REGULAR, 0)

Kind = tuple[str, int, str, str]


def ago(minutes: float) -> datetime:
    return NOW - timedelta(minutes=minutes)


def lines(**waiting: int) -> tuple[Line, ...]:
    """Lines with 10 minutes per visitor, so the predicted wait is easy to read off."""
    return tuple(Line(s, n, 10.0) for s, n in waiting.items())


def kinds(actions: tuple[Action, ...]) -> list[Kind]:
    return [(a.kind, a.window, a.service, a.cause) for a in actions]


W13 = TidalWindow(13, ("G",))
W14 = TidalWindow(14, ("F", "B"))
OFF14 = replace(W14, state="paused")  # window 14's clerk is away, so only 13 may go
R15 = TidalWindow(15, ("A", "B", "C", "D", "E", "F", "G"), state="closed", reserve=True)
R16 = replace(R15, number=16)


def on(w: TidalWindow, service: str, minutes_ago: float = 60, **changes: Any) -> TidalWindow:
    """``w`` switched to ``service`` some time ago."""
    return replace(w, assigned=service, assigned_since=ago(minutes_ago), **changes)


def congested(*services: str, minutes: float = 6) -> Memory:
    return Memory(congested_since=dict.fromkeys(services, ago(minutes)))


# --- the arrivals forecast: act before the line builds up -----------------------------------------------------

# A has 3 regular windows and 10 min per visitor. 6 waiting is a 20-minute wait now; 60 arrivals an hour bring 15
# in the next quarter while 3 windows serve 4.5: 16.5 left, a 55-minute wait, so A is congested already.
FORECAST_CASES = [
    ("a rush forecast makes a short line congested", lines(A=6), {"A": 60.0}, [("open", 13, "A", "congested")]),
    ("the same short line without a forecast waits", lines(A=6), None, []),
    ("a forecast of a few arrivals leaves it alone", lines(A=6), {"A": 12.0}, []),  # 6 + 3 - 4.5: 15 min
    ("a rush forecast for an empty line already counts", lines(A=0), {"A": 200.0}, [("open", 13, "A", "congested")]),
    # 12 waiting is a 40-minute wait now; with nobody expected the line is 7.5 in 15 minutes (25 min), but the
    # decision acts on the longer of the two, so a forecast never makes a long line look shorter
    ("a long line that will drain is still helped", lines(A=12), {"A": 0.0}, [("open", 13, "A", "congested")]),
    ("a forecast for another category does not count", lines(A=6), {"B": 500.0}, []),
    ("the forecast of a window's own line keeps it home", lines(A=12, G=2), {"G": 60.0}, []),
]


@pytest.mark.parametrize(
    ("lines_", "forecast", "expected"), [pytest.param(ln, f, e, id=name) for name, ln, f, e in FORECAST_CASES]
)
def test_forecast_ahead(lines_: tuple[Line, ...], forecast: Mapping[str, float] | None, expected: list[Kind]) -> None:
    decision = decide(lines_, (W13, OFF14), REGULAR, POLICY, congested("A", minutes=5), NOW, forecast=forecast)
    assert kinds(decision.actions) == expected


def test_the_reason_says_it_was_the_forecast() -> None:
    ahead = decide(lines(A=6), (W13, OFF14), REGULAR, POLICY, congested("A"), NOW, forecast={"A": 60.0})
    assert ahead.actions[0].reason == (
        "预计来人增多, 15 分钟内等候将超过 30 分钟, 已持续 6 分钟 / "
        "arrivals expected to push the wait past 30 min within 15 min, for 6 min"
    )
    now = decide(lines(A=12), (W13, OFF14), REGULAR, POLICY, congested("A"), NOW, forecast={"A": 60.0})
    assert (
        now.actions[0].reason == "预计等候 40 分钟 ≥ 30 分钟, 已持续 6 分钟 / predicted wait 40 min ≥ 30 min for 6 min"
    )


def run(waiting: list[int], forecast: Mapping[str, float] | None) -> list[tuple[int, str, int]]:
    """Minute by minute; the window is never switched back within the run (the line stays busy)."""
    windows: tuple[TidalWindow, ...] = (W13, OFF14)
    memory, log = Memory(), list[tuple[int, str, int]]()
    for minute, n in enumerate(waiting):
        now = NOW + timedelta(minutes=minute)
        decision = decide(lines(A=n), windows, REGULAR, POLICY, memory, now, forecast=forecast)
        log += [(minute, a.kind, a.window) for a in decision.actions]
        for a in decision.actions:
            windows = tuple(on(w, a.service, 0) if w.number == a.window else w for w in windows)
        memory = decision.memory
    return log


def test_the_forecast_opens_the_window_earlier() -> None:
    swelling = [6, 7, 8, 9, 10, 11, 12, 12, 12, 12, 12, 12]  # A's line, minute by minute
    # with 60 arrivals an hour expected, A is congested from minute 0 and the window opens after 5 minutes; without
    # it A is congested only once 9 wait (a 30-minute wait) at minute 3, so the window opens at minute 8
    assert run(swelling, {"A": 60.0}) == [(5, "open", 13)]
    assert run(swelling, None) == [(8, "open", 13)]


# --- never worse, and the only window of a line -----------------------------------------------------------------

# Window 13's own line G has one regular window besides it: without 13, G's wait is G x 10 / (1 + 0.5), the half
# being what 13 still serves of G whenever nobody waits in the line it helps.
NEVER_WORSE = [
    # A: 12 waiting, 40 min now, 30 min with 13; G without 13: 4 x 10 / 1.5 = 26.7, below both
    ("both below: switched", lines(A=12, G=4), (W13, OFF14), [("open", 13, "A", "congested")]),
    # G without 13: 5 x 10 / 1.5 = 33.3 ≥ 30: G would become congested in turn
    ("own line would reach open_at without it", lines(A=12, G=5), (W13, OFF14), []),
    # A: 10 waiting, 33 min now, 25 min with 13; G without 13 would wait 26.7 min, longer than A would
    ("own line would wait longer than the helped one", lines(A=10, G=4), (W13, OFF14), []),
    ("only window of a line with people waiting", lines(A=12, H=1), (TidalWindow(13, ("H",)), OFF14), []),
    (
        "only window of a line nobody waits in may go",
        lines(A=12, H=0),
        (TidalWindow(13, ("H",)), OFF14),
        [("open", 13, "A", "congested")],
    ),
]


@pytest.mark.parametrize(
    ("lines_", "windows", "expected"), [pytest.param(ln, w, e, id=name) for name, ln, w, e in NEVER_WORSE]
)
def test_never_worse(lines_: tuple[Line, ...], windows: tuple[TidalWindow, ...], expected: list[Kind]) -> None:
    assert kinds(decide(lines_, windows, REGULAR, POLICY, congested("A"), NOW).actions) == expected


@pytest.mark.parametrize(
    ("h_per_hour", "expected"),
    [
        # nobody waits in H, but 12 are expected an hour: 3 in the quarter, 13 would serve 0.75 of them on the side
        pytest.param(12.0, [], id="arrivals expected in its only line: kept"),
        pytest.param(2.0, [("open", 13, "A", "congested")], id="fewer than it serves on the side: taken"),
    ],
)
def test_the_only_window_of_a_line_with_arrivals_expected(h_per_hour: float, expected: list[Kind]) -> None:
    windows = (TidalWindow(13, ("H",)), OFF14)
    forecast = {"H": h_per_hour}
    decision = decide(lines(A=12, H=0), windows, REGULAR, POLICY, congested("A"), NOW, forecast=forecast)
    assert kinds(decision.actions) == expected


@pytest.mark.parametrize(
    ("h_waiting", "expected"),
    [
        # 13 still serves H when A's line is empty: 1 waiting over half a window is 20 min, not congested
        pytest.param(1, [], id="one visitor in its line: it stays"),
        pytest.param(2, [("close", 13, "A", "home_busy")], id="two visitors (40 min): it goes home"),
    ],
)
def test_a_switched_window_still_serves_its_own_line(h_waiting: int, expected: list[Kind]) -> None:
    windows = (on(TidalWindow(13, ("H",)), "A"), OFF14)
    memory = Memory(congested_since={"H": ago(5)})
    assert kinds(decide(lines(A=9, H=h_waiting), windows, REGULAR, POLICY, memory, NOW).actions) == expected


# --- which free window goes first -------------------------------------------------------------------------------


def today(**busy: tuple[int, int]) -> Memory:
    """A congested for 6 minutes, and each window's (serving, open) samples so far today."""
    return Memory(congested_since={"A": ago(6)}, busy={int(n.lstrip("w")): b for n, b in busy.items()}, day=TODAY)


PREFERENCE = [
    # G: 2 waiting over 1.5 windows without 13 is 13 min, not idle; 14's lines F and B are empty
    ("idle own lines first, however busy today", lines(A=12, G=2), (W13, W14), today(w14=(9, 9)), 14),
    ("then the least busy today", lines(A=12), (W13, W14), today(w13=(8, 9), w14=(2, 9)), 14),
    ("then the least busy today (the other way)", lines(A=12), (W13, W14), today(w13=(2, 9), w14=(8, 9)), 13),
    # G: 1 waiting over 1.5 windows is 6.7 min, idle but not empty
    ("then the emptier own lines", lines(A=12, G=1), (W13, W14), today(), 14),
    # after this tick's sample both are 1 of 2 busy: the idle clerk goes, though 13 has the lower number
    (
        "then an idle clerk before a serving one",
        lines(A=12),
        (replace(W13, state="serving"), W14),
        today(w13=(0, 1), w14=(1, 1)),
        14,
    ),
    (
        "a busy yesterday does not count today",
        lines(A=12),
        (W13, W14),
        replace(today(w13=(9, 9)), day=TODAY - timedelta(days=1)),
        13,
    ),
]


@pytest.mark.parametrize(
    ("lines_", "windows", "memory", "window"), [pytest.param(ln, w, m, n, id=name) for name, ln, w, m, n in PREFERENCE]
)
def test_preference(lines_: tuple[Line, ...], windows: tuple[TidalWindow, ...], memory: Memory, window: int) -> None:
    assert kinds(decide(lines_, windows, REGULAR, POLICY, memory, NOW).actions) == [("open", window, "A", "congested")]


WINDOWS_NOW = (W13, replace(W14, state="serving"), TidalWindow(17, ("E",), state="paused"), R15)

BUSY = [
    ("first sample of the day", Memory(), None, {13: (0, 1), 14: (1, 1)}),
    ("adds to today's samples", Memory(busy={13: (2, 5), 14: (5, 5)}, day=TODAY), None, {13: (2, 6), 14: (6, 6)}),
    (
        "a new business day starts from nothing",
        Memory(busy={13: (2, 5), 17: (1, 1)}, day=TODAY - timedelta(days=1)),
        None,
        {13: (0, 1), 14: (1, 1)},
    ),
    # 01:00 on the 24th is still the 23rd's business day (the hall rolls over at 03:00): the samples go on
    (
        "the business day given, not the calendar day",
        Memory(busy={13: (2, 5)}, day=TODAY),
        TODAY,
        {13: (2, 6), 14: (1, 1)},
    ),
]


@pytest.mark.parametrize(("memory", "day", "expected"), [pytest.param(m, d, e, id=name) for name, m, d, e in BUSY])
def test_busy_samples(memory: Memory, day: date | None, expected: dict[int, tuple[int, int]]) -> None:
    now = NOW if day is None else datetime(2026, 11, 24, 1, 0, tzinfo=SH)
    decision = decide(lines(A=0), WINDOWS_NOW, REGULAR, POLICY, memory, now, day=day)
    assert decision.memory.busy == expected
    assert decision.memory.day == TODAY


# --- back-office staff (后台力量) -------------------------------------------------------------------------------

PAUSED13 = replace(W13, state="paused")
CALLED_A = on(R15, "A", 2, state="called")  # an alert for A is out, nobody has answered yet


def alarm(
    name: str,
    windows: tuple[TidalWindow, ...],
    expected: list[Kind],
    waiting: Mapping[str, int] = MappingProxyType({"A": 12}),  # 40 min over A's 3 regular windows
    regular: Mapping[str, int] = REGULAR,
    memory: Memory | None = None,  # default: A congested for 6 min
) -> tuple[str, tuple[Line, ...], tuple[TidalWindow, ...], Mapping[str, int], Memory, list[Kind]]:
    return name, lines(**waiting), windows, regular, memory or congested("A"), expected


RESERVE = [
    alarm(
        "no tidal window free: the first reserve window",
        (PAUSED13, OFF14, R15, R16),
        [("reserve", 15, "A", "congested")],
    ),
    alarm("a tidal window free: no call", (W13, OFF14, R15), [("open", 13, "A", "congested")]),
    alarm("congested only 4 min: no call yet", (PAUSED13, OFF14, R15), [], memory=congested("A", minutes=4)),
    alarm("one call at a time per category", (PAUSED13, OFF14, CALLED_A, R16), []),
    alarm(
        "a call for B does not hold A back",
        (PAUSED13, OFF14, on(R15, "B", 2, state="called"), R16),
        [("reserve", 16, "A", "congested")],
        {"A": 12, "B": 20},
    ),
    alarm(
        "the first reserve window qualified for A",
        (PAUSED13, OFF14, replace(R15, qualified=frozenset({"B"})), R16),
        [("reserve", 16, "A", "congested")],
    ),
    alarm(
        "no reserve window qualified for A: nothing",
        (PAUSED13, OFF14, replace(R15, qualified=frozenset({"B", "C"}))),
        [],
    ),
    alarm("after hours nobody is called", (PAUSED13, OFF14, R15), [], regular=AFTER_HOURS),
    alarm(
        "2 tidal windows on A already: a reserve window",
        (on(W13, "A"), on(W14, "A"), R15),
        [("reserve", 15, "A", "congested")],
        {"A": 40},
    ),
    alarm(
        "a reserve window is not counted in the limit",
        (on(W13, "A"), W14, on(R15, "A", state="serving")),
        [("open", 14, "A", "congested")],
        {"A": 40},
    ),
    alarm(
        "calm A sends the reserve clerk back first",
        (on(W13, "A"), OFF14, on(R15, "A", state="serving")),
        [("close", 15, "A", "calm")],
        {"A": 0},
        memory=Memory(calm_since={"A": ago(10)}),
    ),
    alarm(
        "calm A withdraws a call nobody answered",
        (PAUSED13, OFF14, on(R15, "A", 20, state="called")),
        [("close", 15, "A", "calm")],
        {"A": 0},
        memory=Memory(calm_since={"A": ago(10)}),
    ),
]


@pytest.mark.parametrize(
    ("lines_", "windows", "regular", "memory", "expected"),
    [pytest.param(ln, w, r, m, e, id=name) for name, ln, w, r, m, e in RESERVE],
)
def test_reserve(
    lines_: tuple[Line, ...],
    windows: tuple[TidalWindow, ...],
    regular: Mapping[str, int],
    memory: Memory,
    expected: list[Kind],
) -> None:
    decision = decide(lines_, windows, regular, POLICY, memory, NOW)
    assert kinds(decision.actions) == expected
    for a in decision.actions:  # a reserve window sent back while serving finishes its visitor first
        assert a.after_current == (a.kind == "close" and windows[2].state == "serving")


def test_the_reserve_call_says_why() -> None:
    decision = decide(lines(A=12), (PAUSED13, OFF14, R15), REGULAR, POLICY, congested("A", minutes=7), NOW)
    (action,) = decision.actions
    assert action.reason == (
        "拥堵预警: 12 人等候, 预计等候 40 分钟, 已持续 7 分钟, 无潮汐窗口可调, 请后台人员支援 / "
        "congestion warning: 12 waiting, predicted wait 40 min for 7 min, no tidal window free: "
        "back-office staff wanted"
    )
    assert decision.memory.congested_since["A"] == NOW  # the call's effect is watched before anything else
