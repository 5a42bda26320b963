"""The city overview: each hall's state, windows open, its "needs help" score, and the order a city supervisor
reads the halls in (the one that needs help most on top)."""

from __future__ import annotations

from typing import Any

import pytest

from queue_server.core.city import CityHall, hall_state, help_order, needs_help, windows_open


@pytest.mark.parametrize(
    ("open_now", "extended", "state"),
    [(True, False, "open"), (False, True, "extended"), (False, False, "closed")],
)
def test_a_hall_is_open_extended_or_closed(open_now: bool, extended: bool, state: str) -> None:
    assert hall_state(open_now, extended) == state


@pytest.mark.parametrize(
    ("windows", "counted"),
    [
        ([], 0),
        ([{"state": "idle", "clerk": "王芳", "ticket": None}], 1),  # a clerk signed in, waiting for a visitor
        ([{"state": "idle", "clerk": None, "ticket": None}], 0),  # nobody at the window
        ([{"state": "serving", "clerk": None, "ticket": {"number": "A001"}}], 1),  # the admin token calls there
        ([{"state": "paused", "clerk": "王芳", "ticket": None}], 0),  # 暂停: serves nobody new
        ([{"state": "idle", "clerk": "王芳"}, {"state": "paused", "clerk": "李娜"}, {"state": "idle"}], 1),
    ],
)
def test_a_window_is_open_with_a_clerk_or_a_visitor_and_not_paused(windows: list[dict[str, Any]], counted: int) -> None:
    assert windows_open(windows) == counted


@pytest.mark.parametrize(
    ("longest", "target", "waiting", "open_windows", "score"),
    [
        (0.0, 15.0, 0, 3, 0.0),  # nobody waits
        (40.0, 15.0, 0, 0, 0.0),  # a stale longest wait with nobody in line counts for nothing
        (7.5, 15.0, 4, 2, 0.5),  # half the hall's target
        (15.0, 15.0, 4, 2, 1.0),  # exactly the target
        (30.0, 15.0, 9, 1, 2.0),  # twice the target
        (30.0, 60.0, 9, 1, 0.5),  # a township with a longer target: the same wait is less urgent there
        (3.0, 15.0, 2, 0, 1.2),  # visitors wait and no window is open: +1
        (6.0, 0.0, 1, 1, 6.0),  # a target of 0 minutes divides by one minute
    ],
)
def test_needs_help_is_the_longest_wait_against_the_halls_own_target(
    longest: float, target: float, waiting: int, open_windows: int, score: float
) -> None:
    assert needs_help(longest, target, waiting, open_windows) == score


def line(hall_id: str, score: float, waiting: int, windows_open: int) -> CityHall:
    return {
        "id": hall_id,
        "name": hall_id,
        "name_en": hall_id,
        "state": "open",
        "sessions": [],
        "sessions_en": [],
        "next_opening": None,
        "waiting": waiting,
        "longest_wait_minutes": 0.0,
        "target_minutes": 15.0,
        "windows_open": windows_open,
        "windows": 4,
        "tidal_switched": 0,
        "served_today": 0,
        "needs_help": score,
    }


@pytest.mark.parametrize(
    ("halls", "order"),
    [
        # the highest score first
        ([line("a", 0.2, 3, 2), line("b", 1.4, 3, 2), line("c", 0.9, 3, 2)], ["b", "c", "a"]),
        # equal scores: more visitors per open window first
        ([line("a", 1.0, 4, 2), line("b", 1.0, 9, 3), line("c", 1.0, 6, 1)], ["c", "b", "a"]),
        # no window open counts as one for the tie-break
        ([line("a", 1.0, 5, 0), line("b", 1.0, 4, 1)], ["a", "b"]),
        # quiet halls last, by id, so the order stands still from one refresh to the next
        ([line("z", 0.0, 0, 0), line("m", 0.0, 0, 3), line("q", 0.3, 1, 1)], ["q", "m", "z"]),
    ],
)
def test_halls_are_sorted_by_who_needs_help(halls: list[CityHall], order: list[str]) -> None:
    assert [h["id"] for h in help_order(halls)] == order
