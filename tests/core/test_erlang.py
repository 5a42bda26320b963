"""Erlang C (queue_server.core.erlang): the published values a planner can check by hand, the closed forms of one
and two windows, and the shape every staffing answer relies on (more windows never wait longer)."""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction

import pytest

from queue_server.core.erlang import (
    erlang_b,
    erlang_c,
    mean_wait,
    offered_load,
    servers_needed,
    wait_within,
)


def textbook_c(servers: int, load: int) -> float:
    """Erlang C by the textbook sum of aᵏ/k!, in exact fractions: the formula as printed, for small cases."""
    a = Fraction(load)
    top = a**servers / math.factorial(servers) * Fraction(servers) / (servers - a)
    return float(top / (sum(a**k / math.factorial(k) for k in range(servers)) + top))


def test_the_call_centre_example_of_the_erlang_c_formula() -> None:
    # The worked example printed with the Erlang-C formula (mitan.co.uk, Westbay): 360 calls a half hour of 240 s
    # each at 55 agents, target 15 s. Traffic 48 erlangs; 23.9% wait; average speed of answer 8.2 s; 84.6% of the
    # calls answered within 15 s.
    load = offered_load(720, 4)  # 360 a half hour = 720 an hour, 4 minutes each
    assert load == pytest.approx(48)
    assert erlang_c(55, load) == pytest.approx(0.2387, abs=5e-4)
    assert mean_wait(55, load, 4) * 60 == pytest.approx(8.2, abs=0.05)
    assert wait_within(55, load, 4, 15 / 60) == pytest.approx(0.846, abs=5e-4)
    # 55 agents answer more than the industry's usual 80% within 20 s; the plan asks for the fewest that do, and
    # one fewer does not
    needed = servers_needed(load, 4, 0.8, 20 / 60)
    assert needed <= 55
    assert wait_within(needed - 1, load, 4, 20 / 60) < 0.8 <= wait_within(needed, load, 4, 20 / 60)


def test_the_support_desk_example() -> None:
    # Wolfram's ErlangC example: 30 calls an hour, 5 minutes each; the fewest employees for a 90% chance that a
    # call is not delayed at all (t = 0) is 6.
    load = offered_load(30, 5)
    assert load == 2.5
    assert servers_needed(load, 5, 0.9, 0) == 6
    assert erlang_c(5, load) == pytest.approx(0.130, abs=5e-4)
    assert erlang_c(6, load) == pytest.approx(0.047, abs=5e-4)


@pytest.mark.parametrize(
    ("servers", "load", "expected"),
    [
        (1, 0.5, 0.5),  # one window: a visitor waits exactly when it is busy, ρ = a
        (2, 1, 1 / 3),  # two windows: a² / (2 + a)
        (2, 1.5, 1.5**2 / 3.5),
        (3, 2, 4 / 9),  # the M/M/3 example of queueing texts
        (5, 3, 0.236),
    ],
)
def test_closed_forms_and_the_textbook_sum(servers: int, load: float, expected: float) -> None:
    assert erlang_c(servers, load) == pytest.approx(expected, abs=5e-4)


@pytest.mark.parametrize(("servers", "load"), [(2, 1), (5, 3), (10, 7), (30, 25), (55, 48)])
def test_the_recursion_agrees_with_the_textbook_sum(servers: int, load: int) -> None:
    assert erlang_c(servers, load) == pytest.approx(textbook_c(servers, load), rel=1e-9)


def test_large_loads_stay_finite_where_the_textbook_sum_overflows() -> None:
    # 171! already overflows a float; a city's call centre runs thousands of erlangs
    assert 0 < erlang_b(2000, 1900.0) < 1
    assert 0 < erlang_c(2000, 1900.0) < 1
    needed = servers_needed(5000.0, 3, 0.8, 0.3)
    assert 5000 < needed < 5100
    assert wait_within(needed - 1, 5000.0, 3, 0.3) < 0.8 <= wait_within(needed, 5000.0, 3, 0.3)


def test_more_windows_never_make_visitors_wait_longer() -> None:
    load, minutes = 4.5, 4.5  # 60 ID-card visitors an hour at 4.5 minutes each
    waits = [erlang_c(c, load) for c in range(5, 15)]
    within = [wait_within(c, load, minutes, 15) for c in range(5, 15)]
    assert waits == sorted(waits, reverse=True)
    assert within == sorted(within)
    assert [mean_wait(c, load, minutes) for c in range(5, 9)] == sorted(
        (mean_wait(c, load, minutes) for c in range(5, 9)), reverse=True
    )


def test_more_visitors_or_a_stricter_target_never_need_fewer_windows() -> None:
    by_arrivals = [servers_needed(offered_load(n, 5), 5, 0.8, 15) for n in range(5, 200, 5)]
    assert by_arrivals == sorted(by_arrivals)
    by_share = [servers_needed(6.0, 5, share, 15) for share in (0.5, 0.8, 0.9, 0.99)]
    assert by_share == sorted(by_share)
    by_minutes = [servers_needed(6.0, 5, 0.8, t) for t in (30, 15, 5, 0)]
    assert by_minutes == sorted(by_minutes)


def test_too_few_windows_never_catch_up_and_nobody_coming_needs_none() -> None:
    assert erlang_c(3, 3.0) == 1.0
    assert wait_within(3, 4.0, 5, 15) == 0.0
    assert mean_wait(2, 2.0, 5) == math.inf
    assert servers_needed(0.0, 5, 0.8, 15) == 0
    assert wait_within(0, 0.0, 5, 15) == 1.0
    assert servers_needed(0.2, 12, 0.8, 15) == 1  # two a day still need somebody


@pytest.mark.parametrize(
    ("call", "args", "match"),
    [
        (servers_needed, (3.0, 5, 1.0, 15), "target share"),  # nobody can promise everyone
        (servers_needed, (3.0, 5, 0.0, 15), "target share"),
        (servers_needed, (3.0, 0, 0.8, 15), "handling minutes"),
        (erlang_c, (-1, 2.0), "not negative"),
        (erlang_b, (3, math.nan), "finite"),
        (offered_load, (-5, 3), "not be negative"),
    ],
)
def test_impossible_questions_are_refused(call: Callable[..., object], args: tuple[object, ...], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call(*args)
