"""Who is on duty by the rota, and what that changes: a session staffs only the windows of its posts that have a
clerk (the tidal controller and the estimates count no other), the cut-off counts those windows, and a day or a
session the rota does not name runs on the hall file."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pytest

from queue_server.config.loader import load_halls
from queue_server.core.hall import DayDuty, Hall
from queue_server.core.hours import opening, reserve_on_duty, windows_staffed
from queue_server.rota.duty import day_duty, held_posts
from queue_server.rota.needs import month_of
from tests.conftest import SHANGHAI

CONFIG = Path(__file__).resolve().parent.parent.parent / "config"
DAY = date(2026, 12, 3)  # a Thursday: morning, lunch-time service at 1, 6, 7, 10, 12, afternoon, ID-card night


@pytest.fixture(scope="module")
def demo() -> Hall:
    return load_halls(CONFIG)["demo"]


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def duty_of(demo: Hall, rota: dict[str, str], day: date = DAY, away: tuple[str, ...] = ()) -> DayDuty:
    """The day's duty as a server process loads it: the kept record, against the hall file and the time off."""
    return day_duty(held_posts(month_of(demo, 2026, 12), rota)[day], demo, away)


def thursday_rota(demo: Hall) -> dict[str, str]:
    """Thursday's morning posts with clerks at windows 1-3 (A) and 4 (B) only; lunch-time at window 1; the rest
    of the day open. Each window's own clerk holds it."""
    month = month_of(demo, 2026, 12)
    held = {f"{DAY} 09:00 #{n}": f"w{n:02d}" for n in (1, 2, 3, 4)}
    held[f"{DAY} 12:00 #1"] = "w01"
    assert set(held) <= set(month.by_key)
    return held


def test_a_session_staffs_the_windows_of_its_posts_that_have_a_clerk(demo: Hall) -> None:
    thursday = duty_of(demo, thursday_rota(demo))
    assert thursday.sessions["工作日上午"] == (1, 2, 3, 4)
    assert thursday.sessions["午间不间断"] == (1,)
    assert thursday.sessions["工作日下午"] == ()  # every post open: no window is staffed
    assert thursday.clerks == {"w01": (1,), "w02": (2,), "w03": (3,), "w04": (4,)}
    assert duty_of(demo, thursday_rota(demo), date(2026, 12, 4)).clerks == {}  # a day with posts, none held


def test_a_clerk_on_leave_or_gone_from_the_hall_file_holds_nothing(demo: Hall) -> None:
    """Leave approved after the rota was made, or a clerk since removed from the hall file: their posts count as
    open when a process loads the day, so their window is not counted as staffed and they cannot sign in there."""
    away = duty_of(demo, thursday_rota(demo), away=("w02",))
    assert away.sessions["工作日上午"] == (1, 3, 4) and "w02" not in away.clerks
    gone = replace(demo, clerks=tuple(c for c in demo.clerks if c.username != "w03"))
    assert duty_of(gone, thursday_rota(demo)).sessions["工作日上午"] == (1, 2, 4)


def test_the_tidal_controller_and_estimates_see_only_staffed_windows(demo: Hall) -> None:
    rostered = replace(demo, duty={DAY: duty_of(demo, thursday_rota(demo))})
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
    none_held = replace(demo, duty={DAY: duty_of(demo, thursday_rota(demo))})
    two = {**thursday_rota(demo), f"{DAY} 13:30 #1": "w01", f"{DAY} 13:30 #2": "w02"}
    two_held = replace(demo, duty={DAY: duty_of(demo, two)})
    cut_offs = []
    for hall in (demo, two_held, none_held):
        found = opening(at(11, 0), hall, "A", waiting=30)
        assert found.open and found.issuing_until is not None
        cut_offs.append(found.issuing_until)
    assert cut_offs[0] > cut_offs[1] > cut_offs[2]
    assert cut_offs[2] == at(13, 22)  # (30 + 1) visitors x 8 min on one window before 17:00 + 30 min extension


def test_the_back_office_on_duty_is_who_holds_the_session_s_post(demo: Hall) -> None:
    """The demo rosters one back-office clerk a session (at reserve window 15): on Thursday b01 holds the morning and
    b02 the afternoon, so at 10:00 only b01 may be called forward and at 15:00 only b02; the lunch-time service's
    post nobody holds, so then every back-office clerk is on call (a gap in the rota never leaves the hall with
    nobody). A hall file that no longer rosters its back office (on_duty = 0) keeps everyone on call."""
    month = month_of(demo, 2026, 12)
    back = [p for p in month.posts if p.day == DAY and p.back_office]
    assert {p.window for p in back} == {15} and back[0].name == "工作日上午"
    assert back[0].describe()[0] == "12月3日 工作日上午 后台值班（09:00–12:00）"
    afternoon = next(p for p in back if p.name == "工作日下午")
    rota = {**thursday_rota(demo), back[0].key: "b01", afternoon.key: "b02"}
    thursday = duty_of(demo, rota)
    assert thursday.reserve == {"工作日上午": ("b01",), "工作日下午": ("b02",)}
    assert 15 not in thursday.sessions["工作日上午"]  # the back office staffs no session's window
    rostered = replace(demo, duty={DAY: thursday})
    assert reserve_on_duty(at(10), rostered) == ("b01",)
    assert reserve_on_duty(at(15), rostered) == ("b02",)
    assert reserve_on_duty(at(12, 30), rostered) == ("b01", "b02", "b03")  # lunch: nobody rostered, all on call
    assert reserve_on_duty(at(17, 10), rostered) == ("b02",)  # the extension after the afternoon: its clerk
    assert reserve_on_duty(at(10, day=date(2026, 12, 4)), rostered) == ("b01", "b02", "b03")  # no rota: the file
    assert demo.reserve is not None
    unrostered = replace(demo, reserve=replace(demo.reserve, on_duty=0))
    assert not any(p.back_office for p in month_of(unrostered, 2026, 12).posts)
    assert duty_of(unrostered, rota).reserve is None  # a rota kept before: no longer binds the back office
