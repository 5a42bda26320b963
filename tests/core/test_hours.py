"""Opening hours: which category is open when, when issuing stops, and when the hall opens next."""

from __future__ import annotations

import tomllib
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from queue_server.config.loader import ConfigError, load_hall_file, load_halls, parse_hall
from queue_server.core.hall import Calendar, Hall
from queue_server.core.holidays import day_kind
from queue_server.core.hours import issuing_cutoff, max_waiting, next_change, next_opening, opening

TZ = ZoneInfo("Asia/Shanghai")

# A small hall: A (ID cards) at windows 1-2, B (social insurance) at windows 3-4. Week of Mon 2026-03-16;
# Wed 2026-03-18 is closed; Sun 2026-03-15 is a market day; 1-3 Oct closed, 4-7 Oct holidays, Sat 10 Oct 调休.
TOWN = """
[hall]
id = "town"
name = "镇便民服务中心"

[[services]]
code = "A"
name = "户政"
name_en = "ID cards"
minutes = 8

[[services]]
code = "B"
name = "社保"
name_en = "Social insurance"
minutes = 10

[[windows]]
number = 1
services = ["A"]

[[windows]]
number = 2
services = ["A"]

[[windows]]
number = 3
services = ["B"]

[[windows]]
number = 4
services = ["B"]

[[sessions]]
name = "上午"
name_en = "Morning"
start = "09:00"
end = "12:00"

[[sessions]]
name = "午间"
name_en = "Lunch"
start = "12:00"
end = "13:30"
windows = [1, 3]

[[sessions]]
name = "下午"
name_en = "Afternoon"
start = "13:30"
end = "17:00"

[[sessions]]
name = "晚间"
name_en = "Evening"
weekdays = ["mon", "wed", "fri"]
start = "17:00"
end = "18:30"
windows = [1, 3]

[[sessions]]
name = "周末"
name_en = "Weekend"
on = "restdays"
start = "09:00"
end = "12:00"
windows = [1]

[[sessions]]
name = "身份证夜间"
name_en = "ID-card night"
weekdays = ["tue", "thu"]
start = "18:30"
end = "20:30"
services = ["A"]
windows = [1, 2]

[[sessions]]
name = "赶场"
name_en = "Market day"
dates = [2026-03-15]
start = "09:00"
end = "13:00"
services = ["B"]
windows = [3]

[calendar]
holidays = ["2026-10-01..2026-10-07"]
workdays = [2026-10-10]
closed = [2026-03-18, "2026-10-01..2026-10-03"]
"""


@pytest.fixture(scope="module")
def town() -> Hall:
    return parse_hall("town.toml", tomllib.loads(TOWN))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


@pytest.mark.parametrize(
    ("day", "kind"),
    [
        ("2026-03-16", "workday"),  # a Monday
        ("2026-03-21", "restday"),  # a Saturday
        ("2026-10-05", "restday"),  # a Monday inside the National Day holidays
        ("2026-10-10", "workday"),  # 调休: a Saturday that is a working day
        ("2026-10-02", "closed"),  # closed overrides the holiday
        ("2026-03-18", "closed"),  # closed overrides the weekday
    ],
)
def test_day_kind(town: Hall, day: str, kind: str) -> None:
    the_day = date.fromisoformat(day)
    assert day_kind(the_day, town.calendar) == kind
    assert day_kind(the_day, Calendar()) == ("workday" if the_day.weekday() < 5 else "restday")


OPEN = [
    # (moment, category, session open now or None, open stretch ends at, next opening)
    ("2026-03-16 08:59", "A", None, None, "2026-03-16 09:00"),
    ("2026-03-16 09:00", "A", "上午", "2026-03-16 18:30", "2026-03-17 09:00"),  # start inclusive; Monday evening
    ("2026-03-16 12:00", "B", "午间", "2026-03-16 18:30", "2026-03-17 09:00"),  # lunch does not close the hall
    ("2026-03-16 17:00", "B", "晚间", "2026-03-16 18:30", "2026-03-17 09:00"),
    ("2026-03-16 18:30", "A", None, None, "2026-03-17 09:00"),  # end exclusive; no night session on Monday
    ("2026-03-17 16:59", "B", "下午", "2026-03-17 17:00", "2026-03-19 09:00"),  # Tuesday: no evening extension
    ("2026-03-17 17:00", "B", None, None, "2026-03-19 09:00"),  # Wednesday 18 March is closed
    ("2026-03-17 17:00", "A", None, None, "2026-03-17 18:30"),  # the ID-card night comes
    ("2026-03-17 19:00", "A", "身份证夜间", "2026-03-17 20:30", "2026-03-19 09:00"),
    ("2026-03-17 19:00", "B", None, None, "2026-03-19 09:00"),  # the night is for ID cards only
    ("2026-03-18 10:00", "A", None, None, "2026-03-19 09:00"),  # closed date
    ("2026-03-20 18:30", "B", None, None, "2026-03-23 09:00"),  # no window for B at weekends
    ("2026-03-20 18:30", "A", None, None, "2026-03-21 09:00"),
    ("2026-03-21 11:59", "A", "周末", "2026-03-21 12:00", "2026-03-22 09:00"),
    ("2026-03-15 10:00", "B", "赶场", "2026-03-15 13:00", "2026-03-16 09:00"),  # market day
    ("2026-03-15 12:30", "A", None, None, "2026-03-16 09:00"),
    ("2026-09-30 18:30", "A", None, None, "2026-10-04 09:00"),  # 1-3 Oct closed, then holiday sessions
    ("2026-09-30 18:30", "B", None, None, "2026-10-08 09:00"),  # B waits out the whole holiday block
    ("2026-10-05 10:00", "A", "周末", "2026-10-05 12:00", "2026-10-06 09:00"),  # a holiday Monday
    ("2026-10-09 18:30", "B", None, None, "2026-10-10 09:00"),  # 调休 Saturday is a working day
    ("2026-10-10 17:00", "B", None, None, "2026-10-12 09:00"),  # ...with no Friday-style evening
]


@pytest.mark.parametrize(("moment", "service", "session", "ends", "upcoming"), OPEN)
def test_open_or_closed(
    town: Hall, moment: str, service: str, session: str | None, ends: str | None, upcoming: str
) -> None:
    now = at(moment)
    result = opening(now, town, service)
    assert result.open == (session is not None)
    assert (result.session.name if result.session else None) == session
    assert result.ends_at == (at(ends) if ends else None)
    assert result.next_opening == at(upcoming)
    assert next_opening(now, town, service) == at(upcoming)


def test_the_moment_may_come_in_any_zone(town: Hall) -> None:
    utc = datetime(2026, 3, 17, 11, 0, tzinfo=ZoneInfo("UTC"))  # 19:00 in Shanghai
    assert opening(utc, town, "A").session is not None
    with pytest.raises(ValueError, match="aware"):
        opening(datetime(2026, 3, 17, 19, 0), town, "A")


CUTOFF = [
    # (moment, category, waiting, issuing now, issuing until)
    ("2026-03-17 16:00", "B", 0, True, "2026-03-17 17:00"),  # a short line: issuing until the end
    ("2026-03-17 16:00", "B", 11, True, "2026-03-17 16:30"),  # 12 x 10 min at 2 windows = 60 > 30 min extension
    ("2026-03-17 16:45", "B", 11, False, "2026-03-17 16:30"),  # still open, no longer issuing
    ("2026-03-16 16:00", "B", 5, True, "2026-03-16 18:00"),  # Monday: the evening's single B window decides
    ("2026-03-17 19:00", "A", 29, False, "2026-03-17 19:00"),  # 30 x 8 min at 2 windows: 120 min; cut-off exclusive
]


@pytest.mark.parametrize(("moment", "service", "waiting", "issuing", "until"), CUTOFF)
def test_issuing_stops_before_a_long_line_overruns(
    town: Hall, moment: str, service: str, waiting: int, issuing: bool, until: str
) -> None:
    result = opening(at(moment), town, service, waiting=waiting)
    assert result.open
    assert result.issuing == issuing
    assert result.issuing_until == at(until)


@pytest.mark.parametrize(
    ("moment", "service", "limit"),
    [
        ("2026-03-17 16:00", "B", 16),  # 90 min left (17:00 + 30) x 2 windows / 10 min = 18 in time: 16 may wait
        ("2026-03-17 16:45", "B", 7),  # 45 min: 9 served in time; the 9th would finish exactly at 17:30
        ("2026-03-17 17:00", "B", -1),  # the session has ended: nobody more, however short the line
        ("2026-03-17 19:00", "A", 28),  # 120 min x 2 / 8 = 30: the 30th finishes exactly at the end, too late
        ("2026-03-18 10:00", "A", -1),  # closed day
    ],
)
def test_max_waiting_is_the_cutoff_turned_around(town: Hall, moment: str, service: str, limit: int) -> None:
    assert max_waiting(at(moment), town, service) == limit
    # The issue script refuses when more than the limit wait; that is exactly when opening() says "not issuing".
    for waiting in range(0, 40):
        assert (waiting <= limit) == opening(at(moment), town, service, waiting=waiting).issuing, waiting


def test_a_hall_without_sessions_has_no_limit(config_dir: Path) -> None:
    allday = load_halls(config_dir)["allday"]
    assert max_waiting(at("2026-03-18 03:00"), allday, allday.services[0].code) is None


@pytest.mark.parametrize(
    ("extension", "waiting", "windows", "minutes", "until"),
    [
        (30, 0, 1, 10, "17:00"),  # never after the end
        (30, 3, 1, 10, "16:50"),  # 4 x 10 - 30
        (0, 0, 1, 10, "16:50"),  # no extension: the newcomer must finish by the end
        (30, 9, 4, 12, "17:00"),  # 10 x 12 / 4 = 30: exactly fits
        (60, 20, 2, 9, "16:25:30"),  # 21 x 9 / 2 = 94.5 minutes, 34.5 past the extension
    ],
)
def test_issuing_cutoff(extension: int, waiting: int, windows: int, minutes: float, until: str) -> None:
    end = at("2026-03-17 17:00")
    assert issuing_cutoff(end, extension, waiting, windows, minutes) == at(f"2026-03-17 {until}")


def test_cutoff_needs_a_window() -> None:
    with pytest.raises(ValueError, match="staffed window"):
        issuing_cutoff(at("2026-03-17 17:00"), 30, 0, 0, 10)


def test_a_hall_without_sessions_is_always_open(config_dir: Path) -> None:
    allday = load_halls(config_dir)["allday"]
    for moment in ("2026-02-17 03:00", "2026-03-18 23:59", "2026-10-01 12:00"):
        result = opening(at(moment), allday, "C", waiting=500)
        assert (result.open, result.issuing, result.ends_at, result.next_opening) == (True, True, None, None)
        assert result.as_dict()["open"] is True


@pytest.mark.parametrize(
    ("moment", "change"),
    [
        ("2026-11-24 16:30", "2026-11-24 17:00"),  # Tuesday: the afternoon ends
        ("2026-11-24 17:00", "2026-11-24 18:30"),  # then the ID-card night starts
        ("2026-11-24 20:30", "2026-11-25 09:00"),  # after the last session: tomorrow morning
        ("2026-11-23 11:59", "2026-11-23 12:00"),  # lunch with fewer windows is a change too
        ("2026-11-27 18:30", "2026-11-28 09:00"),  # Friday night: Saturday's session
        ("2026-02-17 10:00", "2026-02-19 09:00"),  # closed for Spring Festival: the first holiday session
        ("2026-02-16 10:00", None),  # nothing within two days: the keeper looks again later
    ],
)
def test_the_next_change_of_hours(config_dir: Path, moment: str, change: str | None) -> None:
    demo = load_halls(config_dir)["demo"]
    assert next_change(at(moment), demo) == (at(change) if change else None)


def test_a_hall_without_sessions_never_changes(config_dir: Path) -> None:
    assert next_change(at("2026-11-24 16:30"), load_halls(config_dir)["allday"]) is None


DEMO = [
    # (moment, category, session)
    ("2026-11-24 19:00", "A", "身份证夜间专场"),  # Tuesday ID-card night
    ("2026-11-24 19:00", "B", None),
    ("2026-11-23 18:00", "B", "晚间延时"),  # Monday evening extension
    ("2026-11-23 12:30", "G", "午间不间断"),
    ("2026-11-22 10:00", "C", None),  # Sunday: no real-estate window
    ("2026-11-22 10:00", "B", "周末及节假日专场"),
    ("2026-12-13 12:30", "G", "赶场日专场"),  # a market-day Sunday
    ("2026-02-17 10:00", "A", None),  # Spring Festival: closed 除夕 to 初二
    ("2026-02-19 10:00", "A", "周末及节假日专场"),  # a holiday Thursday
    ("2026-02-14 15:00", "C", "工作日下午"),  # 调休 Saturday
]


@pytest.mark.parametrize(("moment", "service", "session"), DEMO)
def test_the_demo_hall_keeps_realistic_hours(config_dir: Path, moment: str, service: str, session: str | None) -> None:
    demo = load_halls(config_dir)["demo"]
    result = opening(at(moment), demo, service)
    assert (result.session.name if result.session else None) == session


def test_opening_as_json(town: Hall) -> None:
    assert opening(at("2026-03-16 16:00"), town, "B", waiting=5).as_dict() == {
        "open": True,
        "issuing": True,
        "session": "下午",
        "session_en": "Afternoon",
        "ends_at": "2026-03-16T18:30:00+08:00",
        "issuing_until": "2026-03-16T18:00:00+08:00",
        "next_opening": "2026-03-17T09:00:00+08:00",
    }


SESSION = """
[[sessions]]
name = "上午"
name_en = "Morning"
start = "09:00"
end = "12:00"
"""

BAD = [
    # (replace this in SESSION, with that, the error names)
    ('end = "12:00"', 'end = "09:00"', "sessions[0].end: must be after start 09:00 (overnight"),
    ('start = "09:00"', 'start = "9am"', 'sessions[0].start: expected a time like "03:00"'),
    ('start = "09:00"\n', "", "sessions[0].start: missing"),
    ('name_en = "Morning"\n', "", "sessions[0].name_en: missing"),
    ('end = "12:00"', 'end = "12:00"\non = "weekends"', "sessions[0].on: expected one of workdays, restdays"),
    ('end = "12:00"', 'end = "12:00"\nweekdays = ["monday"]', "sessions[0].weekdays: expected some of mon"),
    ('end = "12:00"', 'end = "12:00"\nweekdays = "mon"', "sessions[0].weekdays: expected a list"),
    ('end = "12:00"', 'end = "12:00"\non = "dates"', "sessions[0].dates: list the dates"),
    ('end = "12:00"', 'end = "12:00"\non = "daily"\ndates = [2026-03-15]', "sessions[0].dates: list the dates"),
    ('end = "12:00"', 'end = "12:00"\ndates = ["next Sunday"]', "sessions[0].dates: expected dates like"),
    ('end = "12:00"', 'end = "12:00"\ndates = [2026-03-15T09:00:00]', "sessions[0].dates: expected dates"),
    ('end = "12:00"', 'end = "12:00"\nwindows = [9]', "sessions[0].windows: unknown window 9"),
    ('end = "12:00"', 'end = "12:00"\nservices = ["Z"]', "sessions[0].services: unknown category 'Z'"),
    ('end = "12:00"', 'end = "12:00"\nservices = [["A"]]', "sessions[0].services: unknown category ['A']"),
    (
        'end = "12:00"',
        'end = "12:00"\nservices = ["A"]\nwindows = [3]',
        "sessions[0].services: no staffed window of this session serves category 'A'",
    ),
    ('end = "12:00"', 'end = "12:00"\nextension_minutes = 500', "sessions[0].extension_minutes: expected 0 to 240"),
    ('end = "12:00"', 'end = "12:00"\nappointments = "yes"', "sessions[0].appointments: expected true or false"),
    ('end = "12:00"', 'end = "12:00"\nopen = true', "sessions[0].open: unknown key"),
    ('end = "12:00"', 'end = "12:00"\n[calendar]\nholiday = []', "calendar.holiday: unknown key"),
    ('end = "12:00"', 'end = "12:00"\n[calendar]\nclosed = ["2026-13-01"]', "calendar.closed: expected dates like"),
    (
        'end = "12:00"',
        'end = "12:00"\n[calendar]\nholidays = ["2026-10-07..2026-10-01"]',
        "calendar.holidays: the range '2026-10-07..2026-10-01' ends before it starts",
    ),
    (
        'end = "12:00"',
        'end = "12:00"\n[calendar]\nholidays = ["2026-10-01..2026-10-07"]\nworkdays = [2026-10-03]',
        "calendar.workdays: 2026-10-03 is also listed as a holiday",
    ),
    (SESSION, "\n[calendar]\nclosed = [2026-03-18]\n", "calendar: a hall without [[sessions]] is open at all times"),
]


@pytest.mark.parametrize(("old", "new", "message"), BAD)
def test_a_session_mistake_is_named(tmp_path: Path, old: str, new: str, message: str) -> None:
    hall = TOWN.split("[[sessions]]")[0]
    assert old in SESSION
    path = tmp_path / "town.toml"
    path.write_text(hall + SESSION.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_hall_file(path)
    assert str(error.value).startswith(f"{path}: ")
    assert message in str(error.value)


def test_a_good_session_file_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "town.toml"
    path.write_text(TOWN, encoding="utf-8")
    hall = load_hall_file(path)
    assert [s.name for s in hall.sessions] == ["上午", "午间", "下午", "晚间", "周末", "身份证夜间", "赶场"]
    assert hall.sessions[3].weekdays == frozenset({0, 2, 4})
    assert hall.sessions[5].services == ("A",)
    assert len(hall.calendar.holidays) == 7
    assert hall.calendar.closed == {date(2026, 3, 18), date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 3)}
