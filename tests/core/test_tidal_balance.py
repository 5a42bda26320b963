"""均衡忙闲 (``balance_gap``): short of congestion, an idle window that has worked less today than a line's busiest
window takes that line, so no clerk sits idle all day while another never stops. Each case is what a supervisor sees
on the console: which window goes where, or that nothing happens."""

from __future__ import annotations

from dataclasses import replace

import pytest

from queue_server.core.hall import TidalPolicy
from queue_server.core.tidal import Line, Memory, TidalWindow, decide
from tests.core.test_tidal_ahead import NOW, R15, TODAY, ago, kinds, lines

# Congestion never trips here (open at 30 min): every switch below is the balance rule's.
POLICY = TidalPolicy(balance_gap=0.1)
W1 = TidalWindow(1, ("A",), state="serving")
W13 = TidalWindow(13, ("G",))
W14 = TidalWindow(14, ("F",))
# busy samples (serving ticks, open ticks) today: window 1 has served 80% of the time, 13 only 20%, 14 70%
WORKED = {1: (80, 100), 13: (20, 100), 14: (70, 100)}


def today(**busy: tuple[int, int]) -> Memory:
    return Memory(busy={**WORKED, **{int(k[1:]): v for k, v in busy.items()}}, day=TODAY)


CASES = [
    ("off: balance_gap 0", TidalPolicy(), lines(A=2), (W1, W13, W14), today(), []),
    (
        "the idle window that worked least takes the line where people wait",
        POLICY,
        lines(A=2),
        (W1, W13, W14),
        today(),
        [("open", 13, "A", "balance")],
    ),
    (
        "less than balance_gap apart: nothing",
        POLICY,
        lines(A=2),
        (W1, W13, W14),
        today(w13=(75, 100), w14=(75, 100)),
        [],
    ),
    (
        "its own line has people: it stays",
        POLICY,
        lines(A=2, G=1),
        (W1, W13, replace(W14, state="paused")),
        today(),
        [],
    ),
    # one visitor at 1 minute a visitor: a 1-minute wait, below close_below_minutes (10)
    ("a calm line is not helped", POLICY, (Line("A", 1, 1.0),), (W1, W13, W14), today(), []),
    (
        "a line that just got a window waits to see it work",
        POLICY,
        lines(A=2),
        (W1, W13, replace(W14, assigned="A", assigned_since=ago(0.5))),
        today(),
        [],
    ),
    (
        "a reserve window's or a paused window's day says nothing of the line's load",
        POLICY,
        lines(A=2),
        (replace(W1, state="paused"), W13, W14, replace(R15, state="closed")),
        today(w15=(100, 100)),
        [],
    ),
]


@pytest.mark.parametrize(
    ("policy", "lines_", "windows", "memory", "expected"),
    [pytest.param(p, ln, w, m, e, id=name) for name, p, ln, w, m, e in CASES],
)
def test_balance(
    policy: TidalPolicy,
    lines_: tuple,  # type: ignore[type-arg]
    windows: tuple[TidalWindow, ...],
    memory: Memory,
    expected: list[tuple[str, int, str, str]],
) -> None:
    decision = decide(lines_, windows, {}, policy, memory, NOW, day=TODAY)
    assert kinds(decision.actions) == expected


def test_the_reason_names_both_busy_ratios() -> None:
    decision = decide(lines(A=2), (W1, W13, W14), {}, POLICY, today(), NOW, day=TODAY)
    (action,) = decision.actions
    assert action.reason == (
        "均衡忙闲: 本窗口今日忙闲率 20%, A 窗口 80%, 2 人等候 / "
        "evening out the work: this window busy 20% today, A's windows 80%, 2 waiting"
    )
