"""Who is on duty by the rota, and what that changes: a session staffs only the windows of its posts that have a
clerk (the tidal controller and the estimates count no other), the cut-off counts those windows, and a day or a
session the rota does not name runs on the hall file."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pytest

from queue_server.config.loader import load_halls
from queue_server.core.hall import Hall
from queue_server.core.hours import opening, windows_staffed
from queue_server.rota.duty import as_json, day_duties, from_json
from queue_server.rota.needs import month_of
from tests.conftest import SHANGHAI

CONFIG = Path(__file__).resolve().parent.parent.parent / "config"
DAY = date(2026, 12, 3)  # a Thursday: morning, lunch-time service at 1, 6, 7, 10, 12, afternoon, ID-card night


@pytest.fixture(scope="module")
def demo() -> Hall:
    return load_halls(CONFIG)["demo"]


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def thursday_rota(demo: Hall) -> dict[str, str]:
    """Thursday's morning posts with clerks at windows 1-3 (A) and 4 (B) only; lunch-time at window 1; the rest
    of the day open. Each window's own clerk holds it."""
    month = month_of(demo, 2026, 12)
    held = {f"{DAY} 09:00 #{n}": f"w{n:02d}" for n in (1, 2, 3, 4)}
    held[f"{DAY} 12:00 #1"] = "w01"
    assert set(held) <= set(month.by_key)
    return held


def test_a_session_staffs_the_windows_of_its_posts_that_have_a_clerk(demo: Hall) -> None:
    duties = day_duties(month_of(demo, 2026, 12), thursday_rota(demo))
    thursday = duties[DAY]
    assert thursday.sessions["工作日上午"] == (1, 2, 3, 4)
    assert thursday.sessions["午间不间断"] == (1,)
    assert thursday.sessions["工作日下午"] == ()  # every post open: no window is staffed
    assert thursday.clerks == {"w01": (1,), "w02": (2,), "w03": (3,), "w04": (4,)}
    assert duties[date(2026, 12, 4)].clerks == {}  # a day of the month with posts, none held
    assert from_json(as_json(thursday)) == thursday  # as kept in Redis with the rota


def test_the_tidal_controller_and_estimates_see_only_staffed_windows(demo: Hall) -> None:
    rostered = replace(demo, duty={DAY: day_duties(month_of(demo, 2026, 12), thursday_rota(demo))[DAY]})
    assert windows_staffed(at(10), demo) == set(range(1, 15))  # the hall file: every regular window
    assert windows_staffed(at(10), rostered) == {1, 2, 3, 4}
    assert windows_staffed(at(12, 30), rostered) == {1}
    assert windows_staffed(at(14), rostered) == set()
    friday = at(10, day=date(2026, 12, 4))  # no duty loaded for that day: the hall file
    assert windows_staffed(friday, rostered) == set(range(1, 15))


def test_the_cut_off_counts_the_windows_the_rota_staffs(demo: Hall) -> None:
    """A's day runs 09:00-17:00 without a break, and the afternoon session closes it: its staffed windows decide
    how many in line can still be served. The hall file staffs three A windows then; a rota with two afternoon A
    posts held stops issuing earlier, and one with none held still keeps A open on the published hours, counted as
    one window (a tidal window or a back-office clerk serves it), earlier still."""
    month = month_of(demo, 2026, 12)
    none_held = replace(demo, duty={DAY: day_duties(month, thursday_rota(demo))[DAY]})
    two = {**thursday_rota(demo), f"{DAY} 13:30 #1": "w01", f"{DAY} 13:30 #2": "w02"}
    two_held = replace(demo, duty={DAY: day_duties(month, two)[DAY]})
    cut_offs = []
    for hall in (demo, two_held, none_held):
        found = opening(at(11, 0), hall, "A", waiting=30)
        assert found.open and found.issuing_until is not None
        cut_offs.append(found.issuing_until)
    assert cut_offs[0] > cut_offs[1] > cut_offs[2]
    assert cut_offs[2] == at(13, 22)  # (30 + 1) visitors x 8 min on one window before 17:00 + 30 min extension


def test_the_back_office_on_duty_is_who_holds_its_posts_that_day(demo: Hall) -> None:
    """The demo rosters one back-office clerk a session (at reserve window 15): on Thursday b01 holds the morning,
    b02 the afternoon; on Friday nobody holds one, so nobody may be called forward; a hall file without the back
    office rostered (on_duty = 0) keeps every reserve clerk on call."""
    month = month_of(demo, 2026, 12)
    back = [p for p in month.posts if p.day == DAY and p.back_office]
    assert {p.window for p in back} == {15} and back[0].name == "工作日上午"
    assert back[0].describe()[0] == "12月3日 工作日上午 后台值班（09:00–12:00）"
    rota = {**thursday_rota(demo), back[0].key: "b01", back[-1].key: "b02"}
    duties = day_duties(month, rota)
    assert duties[DAY].reserve == ("b01", "b02")
    assert 15 not in duties[DAY].sessions["工作日上午"]  # the back office staffs no session's window
    assert duties[date(2026, 12, 4)].reserve == ()
    rostered = replace(demo, duty={DAY: duties[DAY], date(2026, 12, 4): duties[date(2026, 12, 4)]})
    assert rostered.reserve_clerks(DAY) == ("b01", "b02") and rostered.reserve_clerks(date(2026, 12, 4)) == ()
    assert rostered.reserve_clerks(date(2026, 12, 5)) == ("b01", "b02", "b03")  # no rota that day: the hall file
    assert demo.reserve is not None
    unrostered = replace(demo, reserve=replace(demo.reserve, on_duty=0))
    assert not any(p.back_office for p in month_of(unrostered, 2026, 12).posts)
    assert day_duties(month_of(unrostered, 2026, 12), thursday_rota(demo))[DAY].reserve is None
