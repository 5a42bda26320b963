"""The supervisor console's figures (core/console.py), from known inputs: a window's state, a line's predicted
wait and its trend."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest

from queue_server.core.console import console_categories, console_windows, recent_minutes, trend
from queue_server.core.records import Category, WindowView
from tests.conftest import SHANGHAI, make_hall

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)
HALL = make_hall()  # A: windows 1, 3, 4; B: 2, 3, 4; C: 5 (tidal)


def view(number: int, services: list[str], state: str = "idle", **extra: Any) -> WindowView:
    found: dict[str, Any] = {
        "number": number, "services": services, "home_services": services, "policy": "oldest", "tidal": False,
        "state": state, "ticket": None, "since": None, "served_today": 0, "switched_to": None, "clerk": None,
        "pause_reason": None,
    }  # fmt: skip
    found.update(extra)
    return found  # type: ignore[return-value]


def line(code: str, waiting: int, minutes: float) -> Category:
    found: dict[str, Any] = {"code": code, "name": code, "name_en": code, "minutes": minutes, "waiting": waiting}
    return {**found, "priority_waiting": 0, "opening": {}}  # type: ignore[typeddict-item]


def ticket(number: str, issued: datetime, called: datetime | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {
        "number": number, "service": number[0], "business_day": "2026-11-23", "issued_at": issued.isoformat(),
        "state": "waiting", "window": None,
    }  # fmt: skip
    if called is not None:
        found.update(state="called", called_at=called.isoformat(), window=1)
    return found


def test_recent_minutes_are_the_mean_of_the_last_handling_times_and_skip_junk() -> None:
    raw = {"A": json.dumps([4, 6, 8]), "B": "[]", "C": "not json", "D": json.dumps(["x"]), "E": "[12.5]"}
    assert recent_minutes(raw) == {"A": 6.0, "E": 12.5}


@pytest.mark.parametrize(
    ("arrived", "called", "expected"),
    [(5, 2, "rising"), (4, 2, "steady"), (2, 4, "steady"), (0, 3, "falling"), (0, 0, "steady")],
)
def test_a_line_rises_or_falls_only_by_more_than_the_margin(arrived: int, called: int, expected: str) -> None:
    assert trend(arrived, called) == expected


def test_windows_out_of_session_are_closed_unless_someone_is_at_them() -> None:
    views = [
        view(1, ["A"], ticket={"number": "A001", "service": "A", "priority": False, "called_at": NOW.isoformat()}),
        view(2, ["B"], state="paused"),
        view(3, ["A", "B"]),
        view(4, ["B", "A"], state="paused"),
        view(5, ["C"], tidal=True),
    ]
    shown = console_windows(HALL, views, staffed={1, 2, 3}, busy=[{"number": 1, "busy_ratio": 0.5}])
    assert [w["state"] for w in shown] == ["serving", "paused", "idle", "closed", "closed"]
    assert (shown[0]["ticket"], shown[0]["busy_ratio"], shown[1]["busy_ratio"]) == (
        {"number": "A001", "service": "A", "priority": False, "called_at": NOW.isoformat()},
        0.5,
        None,
    )


def test_the_predicted_wait_counts_only_windows_that_serve_now() -> None:
    views = [view(1, ["A"]), view(2, ["B"]), view(3, ["A", "B"], state="paused"), view(4, ["B", "A"])]
    windows = console_windows(HALL, views, staffed={1, 2, 3, 4}, busy=[])
    lines = [line("A", 9, 6), line("B", 0, 10), line("C", 2, 12)]
    shown = {c["code"]: c for c in console_categories(HALL, lines, windows, {"A": 5.0}, [], NOW)}
    # A: 9 waiting × 5 recent minutes ÷ windows 1 and 4 (3 is paused); B: nobody waits; C: no window serves it
    assert (shown["A"]["windows_serving"], shown["A"]["minutes_per_visitor"], shown["A"]["predicted_wait"]) == (
        2, 5.0, 22.5,
    )  # fmt: skip
    assert (shown["B"]["predicted_wait"], shown["C"]["windows_serving"], shown["C"]["predicted_wait"]) == (0.0, 0, None)
    assert shown["C"]["minutes_per_visitor"] == 12  # the configured minutes without a recent history


def test_the_trend_reads_the_last_quarter_hour_of_tickets() -> None:
    earlier = NOW - timedelta(minutes=20)
    recent = NOW - timedelta(minutes=5)
    tickets = [
        ticket("A001", earlier, called=recent),  # arrived before the quarter hour, called in it
        ticket("A002", earlier, called=recent),
        ticket("A003", earlier, called=recent),
        *(ticket(f"B00{i}", recent) for i in range(1, 5)),
        ticket("C001", NOW + timedelta(minutes=1)),  # after now: not seen
        {"number": "C002", "issued_at": "garbage"},  # unreadable: left out
    ]
    lines = [line("A", 0, 6), line("B", 4, 10), line("C", 1, 12)]
    shown = {c["code"]: c for c in console_categories(HALL, lines, [], {}, tickets, NOW)}
    assert [(shown[c]["trend"], shown[c]["arrived_recently"], shown[c]["called_recently"]) for c in "ABC"] == [
        ("falling", 0, 3), ("rising", 4, 0), ("steady", 0, 0),
    ]  # fmt: skip
    with pytest.raises(ValueError, match="timezone-aware"):
        console_categories(HALL, lines, [], {}, tickets, NOW.replace(tzinfo=None))
