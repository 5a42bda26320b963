"""A line's outlook (潮汐窗口): the predicted wait now and a quarter of an hour ahead, the windows each line counts,
and the decisions that compare outlooks once a window is switched: going home when its own line grows, and moving
straight on from a line that has become calm."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from queue_server.core.hall import Seasonal
from queue_server.core.tidal import Line, Memory, TidalWindow, decide
from queue_server.core.tidal_outlook import INF, Outlook, serving_counts
from tests.core.test_tidal_ahead import NOW, OFF14, POLICY, R15, REGULAR, W13, Kind, ago, congested, kinds, lines, on

A12 = Line("A", 12, 10.0)  # over A's 3 regular windows: a 40-minute wait


@pytest.mark.parametrize(
    ("outlook", "windows", "later", "expected"),
    [
        pytest.param(Outlook(A12, 3), 3, 12.0, 40.0, id="no forecast: the line now"),
        # 15 min x 3 windows / 10 min = 4.5 served, nobody new: 7.5 left (25 min); the longer wait counts
        pytest.param(Outlook(A12, 3, 0.0), 3, 7.5, 40.0, id="draining: still the wait now"),
        pytest.param(Outlook(Line("A", 4, 10.0), 3, 0.0), 3, 0.0, 40 / 3, id="drained within the quarter"),
        # 6 now, 15 arrive in the quarter, 4.5 served: 16.5 left over 3 windows
        pytest.param(Outlook(Line("A", 6, 10.0), 3, 60.0), 3, 16.5, 55.0, id="a rush: the wait ahead"),
        pytest.param(Outlook(Line("A", 6, 10.0), 3, 60.0), 4, 15.0, 37.5, id="a rush met by one more window"),
        pytest.param(Outlook(Line("H", 0, 10.0), 1, 12.0), 0.5, 2.25, 45.0, id="empty line, arrivals, half a window"),
        pytest.param(Outlook(Line("H", 0, 10.0), 1), 0, 0.0, 0.0, id="empty line, no window, nothing expected"),
        pytest.param(Outlook(Line("H", 0, 10.0), 1, 2.0), 0, 0.5, INF, id="empty line, no window, arrivals"),
        pytest.param(Outlook(Line("H", 1, 10.0), 1), 0, 1.0, INF, id="a visitor and no window"),
    ],
)
def test_outlook(outlook: Outlook, windows: float, later: float, expected: float) -> None:
    assert outlook.backlog_later(windows) == pytest.approx(later)
    assert outlook.with_windows(windows) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("outlook", "congested", "calm"),
    [
        pytest.param(Outlook(A12, 3), True, False, id="40 min: congested"),
        pytest.param(Outlook(Line("A", 6, 10.0), 3), False, False, id="20 min: in between"),
        pytest.param(Outlook(Line("A", 6, 10.0), 3, 60.0), True, False, id="20 min now, 55 ahead: congested"),
        pytest.param(Outlook(Line("A", 2, 10.0), 3), False, True, id="7 min: calm"),
        pytest.param(Outlook(Line("A", 2, 10.0), 3, 30.0), False, False, id="7 min now, 17 ahead: not calm"),
        pytest.param(Outlook(Line("A", 0, 10.0), 3, 200.0), True, False, id="nobody yet, a rush ahead: congested"),
        pytest.param(Outlook(Line("H", 1, 10.0), 0), True, False, id="a visitor and no window: congested"),
        # after hours: no window serves the category, nobody waits; arrivals do not make it congested
        pytest.param(Outlook(Line("H", 0, 10.0), 0, 50.0), False, True, id="nobody and no window: calm"),
    ],
)
def test_congested_and_calm(outlook: Outlook, congested: bool, calm: bool) -> None:
    assert outlook.congested(outlook.line, POLICY) is congested
    assert outlook.calm(outlook.line, POLICY) is calm
    assert outlook.wait == (None if outlook.windows <= 0 else outlook.line.waiting * 10.0 / outlook.windows)


@pytest.mark.parametrize(
    ("windows", "expected"),
    [
        pytest.param((W13,), {"A": 3, "G": 2}, id="a tidal window at home counts for its own line"),
        pytest.param((on(W13, "A"),), {"A": 4, "G": 1.5}, id="switched: whole for A, half for its own line"),
        pytest.param((replace(W13, state="paused"),), {"A": 3, "G": 1}, id="paused: not at all"),
        pytest.param((R15,), {"A": 3, "G": 1}, id="a closed reserve window: not at all"),
        pytest.param((on(R15, "A", 2, state="called"),), {"A": 4, "G": 1}, id="a reserve window called for A"),
    ],
)
def test_serving_counts(windows: tuple[TidalWindow, ...], expected: dict[str, float]) -> None:
    counts = serving_counts(windows, {"A": 3, "G": 1})
    assert {s: n for s, n in counts.items() if s in ("A", "G")} == expected
    assert all(n == 0 for s, n in counts.items() if s not in ("A", "G"))


# --- a switched window goes home, or moves on -------------------------------------------------------------------

TAX = Seasonal("报税季", "D", date(2026, 11, 1), date(2026, 11, 30), (13,))

# 13 helps A; G keeps its regular window and 13's half: G x 10 / 1.5. A keeps 4 windows with 13, 3 without.
HOME = [
    # G: 5 waiting is 33 min; A without 13: 9 x 10 / 3 = 30 min
    (
        "own line congested and longer than the helped one",
        lines(A=9, G=5),
        (on(W13, "A"), OFF14),
        congested("G", minutes=5),
        [("close", 13, "A", "home_busy")],
    ),
    ("own line congested only 4 min: not yet", lines(A=9, G=5), (on(W13, "A"), OFF14), congested("G", minutes=4), []),
    # A without 13: 12 x 10 / 3 = 40 min, longer than G's 33
    (
        "the helped line would wait longer: it stays",
        lines(A=12, G=5),
        (on(W13, "A"), OFF14),
        congested("G", minutes=5),
        [],
    ),
    # H has no window but 13's half: 2 waiting is 40 min; A without 13 would be 50 min, yet H is never left behind
    (
        "own line with no other window: home whatever the other",
        lines(A=15, H=2),
        (on(TidalWindow(13, ("H",)), "A"), OFF14),
        congested("H", minutes=5),
        [("close", 13, "A", "home_busy")],
    ),
    ("a switch made by hand stays", lines(A=9, G=5), (on(W13, "A", manual=True), OFF14), congested("G", minutes=5), []),
    ("too soon after its last switch", lines(A=9, G=5), (on(W13, "A", 10), OFF14), congested("G", minutes=5), []),
    # the back-office clerk at 15 came for A; G (5 over its 1 regular window, 50 min) waits for a tidal window
    (
        "a reserve window stays on the line it was called for",
        lines(A=9, G=5),
        (replace(W13, state="paused"), OFF14, on(R15, "A", state="idle")),
        congested("G", minutes=5),
        [],
    ),
]


@pytest.mark.parametrize(
    ("lines_", "windows", "memory", "expected"), [pytest.param(ln, w, m, e, id=name) for name, ln, w, m, e in HOME]
)
def test_home_busy(
    lines_: tuple[Line, ...], windows: tuple[TidalWindow, ...], memory: Memory, expected: list[Kind]
) -> None:
    decision = decide(lines_, windows, REGULAR, POLICY, memory, NOW)
    assert kinds(decision.actions) == expected
    home = next(iter(memory.congested_since))
    if expected:  # the home line's clock restarts: the effect of the window's return is watched first
        assert decision.memory.congested_since[home] == NOW


def test_home_busy_reason_names_the_home_line() -> None:
    decision = decide(lines(A=9, G=5), (on(W13, "A", state="serving"), OFF14), REGULAR, POLICY, congested("G"), NOW)
    (action,) = decision.actions
    assert action.reason == (
        "本窗口业务 G 排队加长 (预计等候 33 分钟), 从 A 返回 / "
        "its own line G has grown (predicted wait 33 min): back from A"
    )
    assert action.after_current  # the visitor at the window is finished first


def test_a_seasonal_window_never_goes_home_for_its_own_line() -> None:
    windows = (on(W13, "D"), OFF14)
    memory = replace(congested("G"), planned={13: "报税季"})
    held = decide(lines(D=0, G=5), windows, REGULAR, POLICY, memory, NOW, seasonal=(TAX,))
    assert held.actions == ()
    free = decide(lines(D=0, G=5), windows, REGULAR, POLICY, congested("G"), NOW)
    assert kinds(free.actions) == [("close", 13, "D", "home_busy")]  # the same window outside the plan goes home


RESWITCH = [
    # B: nobody waits, calm for 3 min (not yet 10 to be sent back): 13 moves straight on to A
    (
        "helping a calm line: moves on",
        lines(A=12, B=0),
        Memory(congested_since={"A": ago(6)}, calm_since={"B": ago(3)}),
        [("open", 13, "A", "congested")],
    ),
    # B: 6 waiting over 4 windows is 15 min, between the thresholds: still needed there
    ("helping a line still busy: stays", lines(A=12, B=6), congested("A"), []),
    # B calm for 10 min: this tick sends 13 back; A waits for the next one
    (
        "calm long enough: back home first",
        lines(A=12, B=0),
        Memory(congested_since={"A": ago(6)}, calm_since={"B": ago(10)}),
        [("close", 13, "B", "calm")],
    ),
]


# 13 helping B only serves its own line G on the side (half a window), and moving it from B to A leaves that
# unchanged (G keeps its regular window: 1 x 10 / 1.5 = 6.7 min), so it may move on.
RESWITCH_OWN_LINE_SHORT = pytest.param(
    lines(A=12, B=0, G=1),
    Memory(congested_since={"A": ago(6)}, calm_since={"B": ago(3)}),
    [("open", 13, "A", "congested")],
    id="helping a calm line, one visitor at home with its regular window: moves on",
)


@pytest.mark.parametrize(
    ("lines_", "memory", "expected"),
    [*(pytest.param(ln, m, e, id=name) for name, ln, m, e in RESWITCH), RESWITCH_OWN_LINE_SHORT],
)
def test_reswitch(lines_: tuple[Line, ...], memory: Memory, expected: list[Kind]) -> None:
    assert kinds(decide(lines_, (on(W13, "B"), OFF14), REGULAR, POLICY, memory, NOW).actions) == expected
