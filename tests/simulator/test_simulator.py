"""The hall-day simulator (`queue-server simulate`): a small day on the test Redis, through the real scripts and
tidal controller, checked the way a hall planning a Saturday would read the report."""

from __future__ import annotations

import json
import tomllib
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from redis import Redis as SyncRedis

from queue_server.config.loader import load_hall_file, load_halls
from queue_server.core.holidays import day_kind
from queue_server.server.cli import main
from queue_server.simulator.profile import ProfileError, load_profile, parse_profile
from queue_server.simulator.staffing import closed_categories, closing_moments, on_duty
from queue_server.simulator.trial import TrialError, apply_trial
from queue_server.simulator.visitors import draw_visitors
from tests.conftest import SHANGHAI

# A one-hour hall: A has two windows and is swamped; window 3 (B, quiet) is tidal and may help A.
TINY_HALL = """
[hall]
id = "tiny"
name = "小厅"
name_en = "Tiny hall"

[[services]]
code = "A"
name = "公安户政"
name_en = "ID cards"
minutes = 6

[[services]]
code = "B"
name = "社保"
name_en = "Social insurance"
minutes = 6

[[windows]]
number = 1
services = ["A"]

[[windows]]
number = 2
services = ["A"]

[[windows]]
number = 3
services = ["B"]
tidal = true

[[sessions]]
name = "上午"
name_en = "Morning"
on = "workdays"
start = "09:00"
end = "10:00"
extension_minutes = 60

[tidal]
open_at_minutes = 12
open_after_minutes = 2
close_below_minutes = 3
close_after_minutes = 5
min_between_switches_minutes = 5
"""

# Twice as many visitors for A as its two windows can take; hardly anyone for B.
CONGESTED = """
[profile]
hall = "tiny"
name = "Congested hour"
date = 2026-11-23

[visitors]
no_show_share = 0.1
priority_share = 0.0
handling_sigma = 0.3
no_show_wait_seconds = 60

[arrivals]
hours = [9]
A = [36]
B = [2]
"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    folder = tmp_path / "config"
    folder.mkdir()
    (folder / "tiny.toml").write_text(TINY_HALL, encoding="utf-8")
    return folder


@pytest.fixture
def profile(tmp_path: Path) -> Path:
    path = tmp_path / "congested.toml"
    path.write_text(CONGESTED, encoding="utf-8")
    return path


def simulate(capsys: pytest.CaptureFixture[str], *args: str | Path) -> dict[str, Any]:
    assert main(["simulate", *map(str, args), "--json"]) == 0
    out = capsys.readouterr()
    report: dict[str, Any] = json.loads(out.out)
    return report


def tiny_day(capsys: pytest.CaptureFixture[str], config: Path, profile: Path, redis_url: str, seed: int) -> Any:
    return simulate(capsys, "--profile", profile, "--config", config, "--redis-url", redis_url, "--seed", str(seed))


def test_the_same_seed_gives_the_same_report_and_another_seed_another(
    capsys: pytest.CaptureFixture[str], config: Path, profile: Path, redis_url: str
) -> None:
    first = tiny_day(capsys, config, profile, redis_url, 11)
    again = tiny_day(capsys, config, profile, redis_url, 11)
    other = tiny_day(capsys, config, profile, redis_url, 12)
    assert first == again
    assert first["policies"] != other["policies"]
    assert first["seed"] == 11 and first["hall"]["id"] == "tiny" and first["date"] == "2026-11-23"
    # the runs cleaned up after themselves on the shared Redis
    client = SyncRedis.from_url(redis_url)
    assert client.keys("tq:{tiny*") == []
    client.close()


def test_static_never_switches_a_window_while_tidal_helps_the_congested_line(
    capsys: pytest.CaptureFixture[str], config: Path, profile: Path, redis_url: str
) -> None:
    report = tiny_day(capsys, config, profile, redis_url, 5)
    static, tidal = report["policies"]["static"], report["policies"]["tidal"]
    assert static["tidal_switches"] == []
    assert static["tidal_share"]["tidal_served"] == 0
    assert [(s["window"], s["kind"], s["service"]) for s in tidal["tidal_switches"][:1]] == [(3, "open", "A")]
    assert tidal["tidal_share"]["tidal_served"] > 0
    assert tidal["windows"][2]["tidal_served"] == tidal["tidal_share"]["tidal_served"]
    # the same visitors both times; with window 3 helping, A's line moves faster and the hall closes earlier
    assert static["overall"]["issued"] == tidal["overall"]["issued"]
    a_static, a_tidal = static["categories"][0], tidal["categories"][0]
    assert a_tidal["wait_p90"] < a_static["wait_p90"]
    assert tidal["overtime_minutes"] < static["overtime_minutes"]


def test_visitors_waiting_at_closing_are_served_after_hours(
    capsys: pytest.CaptureFixture[str], config: Path, profile: Path, redis_url: str
) -> None:
    static = tiny_day(capsys, config, profile, redis_url, 3)["policies"]["static"]
    overall = static["overall"]
    assert overall["waiting_at_closing"] > 5  # A's line at 10:00
    assert overall["still_waiting"] == 0  # 延时服务: nobody is sent home
    assert overall["served"] + overall["skipped"] == overall["issued"] > 20
    assert overall["skipped"] > 0  # the no-shows were skipped after a wait
    assert static["last_visitor_left"] > "10:00"
    assert static["overtime_minutes"] > 0


def test_the_text_report_puts_the_policies_side_by_side(
    capsys: pytest.CaptureFixture[str], config: Path, profile: Path, redis_url: str
) -> None:
    args = ["simulate", "--profile", str(profile), "--config", str(config), "--redis-url", redis_url, "--seed", "4"]
    assert main(args) == 0
    out = capsys.readouterr()
    lines = out.out.splitlines()
    assert lines[0].startswith("小厅 (tiny) · Congested hour · Mon 2026-11-23 (workday) · seed 4")
    assert lines[3].split() == ["static", "tidal"]
    assert any(line.startswith("overtime minutes (延时)") for line in lines)
    assert any(line.startswith("busy-ratio spread") for line in lines)
    assert "static: 09:00" in out.err and "tidal: 10:00" in out.err  # progress, an hour at a time


def test_one_policy_alone(capsys: pytest.CaptureFixture[str], config: Path, profile: Path, redis_url: str) -> None:
    report = simulate(
        capsys, "--profile", profile, "--config", config, "--redis-url", redis_url, "--seed", "1", "--policy", "tidal"
    )
    assert list(report["policies"]) == ["tidal"]


def test_a_trial_without_tidal_windows_never_switches(
    capsys: pytest.CaptureFixture[str], config: Path, profile: Path, redis_url: str
) -> None:
    args: list[str | Path] = ["--profile", profile, "--config", config, "--redis-url", redis_url, "--seed", "5"]
    report = simulate(capsys, *args, "--tidal-windows", "", "--policy", "tidal")
    assert report["trial"] == {"tidal_windows": [], "staff": {}}
    assert report["policies"]["tidal"]["tidal_switches"] == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--hall", "nowhere"], "unknown hall 'nowhere'"),
        (["--date", "2026-13-01"], "--date: expected a date like 2026-11-23"),
        (["--date", "2026-11-28"], "no session on 2026-11-28"),
        (["--tidal-windows", "3,9"], "has no window 9"),
        (["--staff", "上午=1,7"], "has no window 7"),
        (["--staff", "晚上=1,2,3"], "no session '晚上'"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(
    capsys: pytest.CaptureFixture[str], config: Path, profile: Path, args: list[str], message: str
) -> None:
    assert main(["simulate", "--profile", str(profile), "--config", str(config), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_a_missing_or_wrong_profile_is_named_with_exit_code_2(
    capsys: pytest.CaptureFixture[str], config: Path, tmp_path: Path
) -> None:
    assert main(["simulate", "--profile", str(tmp_path / "none.toml"), "--config", str(config)]) == 2
    assert "none.toml: cannot read the profile" in capsys.readouterr().err
    wrong = tmp_path / "wrong.toml"
    wrong.write_text(CONGESTED.replace("A = [36]", "Z = [36]"), encoding="utf-8")
    assert main(["simulate", "--profile", str(wrong), "--config", str(config)]) == 2
    assert "wrong.toml: arrivals.Z: hall 'tiny' has no category 'Z'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('hall = "tiny"', ""), "profile.hall: missing"),
        (("A = [36]", "A = [36, 2]"), "arrivals.A: expected a list of 1 numbers"),
        (("hours = [9]", "hours = [24]"), "arrivals.hours: expected hours 0 to 23"),
        (("no_show_share = 0.1", "no_show_share = 2"), "visitors.no_show_share: expected 0 to 1"),
        (("handling_sigma = 0.3", "handling_sigma = 0.3\nspeed = 1"), "visitors.speed: unknown key"),
        (("date = 2026-11-23", 'date = "Monday"'), "profile.date: expected a date"),
    ],
)
def test_profile_errors_name_the_file_and_the_key(change: tuple[str, str], message: str) -> None:
    text = CONGESTED.replace(*change)
    with pytest.raises(ProfileError, match=r"^congested\.toml: ") as caught:
        parse_profile("congested.toml", tomllib.loads(text))
    assert message in str(caught.value)


def test_visitors_are_drawn_the_same_for_a_seed(config: Path, profile: Path) -> None:
    hall = load_hall_file(config / "tiny.toml")
    spec = load_profile(profile)
    day = date(2026, 11, 23)
    first, again = draw_visitors(spec, hall, day, 8), draw_visitors(spec, hall, day, 8)
    assert first == again != draw_visitors(spec, hall, day, 9)
    assert [v.arrival for v in first] == sorted(v.arrival for v in first)
    assert all(datetime(2026, 11, 23, 9, tzinfo=SHANGHAI) <= v.arrival < datetime(2026, 11, 23, 10, tzinfo=SHANGHAI)
               for v in first)  # fmt: skip
    assert 20 < sum(1 for v in first if v.service == "A") < 55  # Poisson around 36


def test_staffing_follows_the_demo_sessions(config_dir: Path) -> None:
    hall = load_halls(config_dir)["demo"]
    monday = datetime(2026, 11, 23, 12, 30, tzinfo=SHANGHAI)
    assert sorted(on_duty(hall, monday)) == [1, 6, 7, 10, 12]  # 午间不间断: one window per group
    assert on_duty(hall, monday.replace(hour=10))[3] == ("A", "E")
    tuesday_evening = datetime(2026, 11, 24, 19, 0, tzinfo=SHANGHAI)
    assert on_duty(hall, tuesday_evening) == {1: ("A",), 2: ("A",)}  # 身份证夜间专场
    assert closed_categories(hall, tuesday_evening, ("A", "E")) == ("E",)
    closings = closing_moments(hall, date(2026, 11, 24))
    assert closings[datetime(2026, 11, 24, 17, 0, tzinfo=SHANGHAI)] == ("A", "B", "C", "D", "E", "F", "G")
    assert closings[datetime(2026, 11, 24, 20, 30, tzinfo=SHANGHAI)] == ("A",)


def test_a_trial_changes_only_the_simulated_hall(config_dir: Path) -> None:
    hall = load_halls(config_dir)["demo"]
    tried = apply_trial(hall, [11, 12], {"周末及节假日专场": [1, 3, 4, 6, 10, 12]})
    assert [w.number for w in tried.windows if w.tidal] == [11, 12, 15, 16]  # reserve windows stay switchable
    assert [w.number for w in hall.windows if w.tidal] == list(range(1, 17))
    saturday = datetime(2026, 11, 28, 10, 0, tzinfo=SHANGHAI)
    assert 12 in on_duty(tried, saturday) and 12 not in on_duty(hall, saturday)
    with pytest.raises(TrialError, match="no window 99"):
        apply_trial(hall, [99])


def test_the_shipped_profiles_fit_the_demo_hall(config_dir: Path) -> None:
    hall = load_halls(config_dir)["demo"]
    weekday = load_profile(config_dir / "profiles" / "demo-weekday.toml")
    weekend = load_profile(config_dir / "profiles" / "demo-weekend.toml")
    for spec in (weekday, weekend):
        assert spec.hall == "demo"
        spec.check_hall(hall)
    assert weekday.day is not None and weekend.day is not None
    assert day_kind(weekday.day, hall.calendar) == "workday" and weekday.day.weekday() < 5
    assert day_kind(weekend.day, hall.calendar) == "restday" and weekend.day.weekday() == 5
    assert weekend.day not in hall.calendar.holidays
    assert 850 <= weekday.expected_arrivals <= 1450  # a district centre's day
    assert weekend.appointment_share > 0


def test_a_weekend_session_with_bookings(capsys: pytest.CaptureFixture[str], config_dir: Path, redis_url: str,
                                         tmp_path: Path) -> None:  # fmt: skip
    path = tmp_path / "saturday.toml"
    path.write_text(
        '[profile]\nhall = "demo"\ndate = 2026-11-28\n[visitors]\nappointment_share = 0.6\nno_show_share = 0.2\n'
        "[arrivals]\nhours = [9, 10]\nA = [6, 4]\nB = [4, 2]\nC = [2, 0]\n",
        encoding="utf-8",
    )
    report = simulate(
        capsys, "--profile", path, "--config", config_dir, "--redis-url", redis_url, "--seed", "2", "--policy", "static"
    )
    static = report["policies"]["static"]
    booked = static["appointments"]
    assert booked["booked"] > 0 and booked["checked_in"] > 0
    assert booked["checked_in"] + booked["missed"] == booked["booked"]  # nobody left pending at the end
    by_code = {c["code"]: c for c in static["categories"]}
    assert by_code["C"]["issued"] == 0 and by_code["C"]["turned_away"] > 0  # no real-estate at weekends
    assert static["overtime_minutes"] == 0 and static["time_off_minutes"] > 0  # a rest day: all of it is 调休


def test_a_hall_open_at_all_times_has_no_day_to_simulate(
    capsys: pytest.CaptureFixture[str], config_dir: Path, tmp_path: Path
) -> None:
    path = tmp_path / "allday.toml"
    path.write_text(
        '[profile]\nhall = "allday"\ndate = 2026-11-23\n[arrivals]\nhours = [9]\nA = [5]\n', encoding="utf-8"
    )
    assert main(["simulate", "--profile", str(path), "--config", str(config_dir)]) == 2
    assert "has no [[sessions]]" in capsys.readouterr().err


def test_reserve_staff_open_a_window_for_a_line_no_tidal_window_can_clear(
    capsys: pytest.CaptureFixture[str], config_dir: Path, redis_url: str, tmp_path: Path
) -> None:
    # A Monday morning rush on real estate (C, 12 minutes a visitor) that only windows 7 to 10 may take.
    path = tmp_path / "estate.toml"
    path.write_text(
        '[profile]\nhall = "demo"\ndate = 2026-11-23\n[handling]\nC = 12\nA = 4\n'
        "[arrivals]\nhours = [9, 10]\nC = [40, 30]\nA = [10, 10]\n",
        encoding="utf-8",
    )
    args: list[str | Path] = ["--profile", path, "--config", config_dir, "--redis-url", redis_url, "--seed", "3"]
    report = simulate(capsys, *args, "--reserve")
    static, tidal = report["policies"]["static"], report["policies"]["tidal"]
    assert report["trial"]["reserve"] is True
    assert static["staff_minutes"]["reserve"] == 0  # the same clerks; the back office stays in the back office
    assert tidal["staff_minutes"]["reserve"] > 0  # counted apart, from accepting the alert to going back
    called = [s for s in tidal["tidal_switches"] if s["kind"] == "reserve"]
    assert called and {s["service"] for s in called} == {"C"}
    opened = {w["number"]: w for w in tidal["windows"] if w["number"] in (15, 16) and w["served"]}
    assert opened and all(w["tidal_served"] == w["served"] for w in opened.values())  # only the line they came for
    # b02 is the one back-office clerk who can serve C: one reserve window at a time
    assert len(opened) == 1

    plain = simulate(capsys, *args, "--policy", "tidal")  # without --reserve: no reserve windows at all
    assert plain["trial"] is None
    assert [w["number"] for w in plain["policies"]["tidal"]["windows"] if w["number"] > 14] == []
    assert plain["policies"]["tidal"]["staff_minutes"]["reserve"] == 0
