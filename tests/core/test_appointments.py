"""Appointments (预约), pure: the [appointments] table, the slots of a day, when booking closes, who may book,
and when a booked visitor may check in."""

from __future__ import annotations

import re
import tomllib
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from queue_server.config.loader import ConfigError, load_halls, parse_hall
from queue_server.core.appointments import (
    bookable_services,
    booking_closes_at,
    booking_days,
    check_in_window,
    clean_name,
    clean_phone,
    closed_error,
    find_slot,
    person,
    requested_slot,
    slots,
)
from queue_server.core.errors import QueueError
from queue_server.core.hall import AppointmentPolicy, Hall

CJK = re.compile(r"[\u4e00-\u9fff]")
TZ = ZoneInfo("Asia/Shanghai")

# A town centre: A (ID cards) and B (social insurance) on weekend mornings, booked only; C (tax) on weekdays
# only; a Tuesday evening for A that is booked too. 1-2 Oct closed, 3-7 Oct holidays, Sat 10 Oct is a 调休
# working day. Slots of 45 minutes: a weekend morning of two hours has two, and a remainder of 30 minutes.
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

[[services]]
code = "C"
name = "税务"
name_en = "Tax"
minutes = 12

[[windows]]
number = 1
services = ["A"]

[[windows]]
number = 2
services = ["B"]

[[windows]]
number = 3
services = ["C"]

[[sessions]]
name = "工作日"
name_en = "Weekdays"
start = "09:00"
end = "17:00"

[[sessions]]
name = "周末预约"
name_en = "Weekend, booked"
on = "restdays"
start = "09:00"
end = "11:00"
windows = [1, 2]
appointments = true

[[sessions]]
name = "周二晚预约"
name_en = "Tuesday evening, booked"
weekdays = ["tue"]
start = "18:00"
end = "19:00"
services = ["A"]
appointments = true

[calendar]
holidays = ["2026-10-01..2026-10-07"]
workdays = [2026-10-10]
closed = ["2026-10-01..2026-10-02"]

[appointments]
slot_minutes = 45
capacity = 2
capacities = { B = 3 }
grace_minutes = 15
early_minutes = 30
close_time = "16:00"
days_ahead = 14
"""


@pytest.fixture(scope="module")
def town() -> Hall:
    return parse_hall("town.toml", tomllib.loads(TOWN))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


SLOTS = [
    # (day, category, slot starts)
    ("2026-11-28", "A", ["09:00", "09:45"]),  # Saturday: 45-minute slots; 10:30-11:15 would overrun the session
    ("2026-11-28", "B", ["09:00", "09:45"]),
    ("2026-11-28", "C", []),  # no weekend window serves tax
    ("2026-11-27", "A", []),  # Friday: the weekday session takes no bookings
    ("2026-11-24", "A", ["18:00"]),  # Tuesday evening, booked
    ("2026-11-24", "B", []),  # ... for ID cards only
    ("2026-10-05", "A", ["09:00", "09:45"]),  # a holiday Monday runs the rest-day session
    ("2026-10-10", "A", []),  # 调休: a working Saturday has no weekend session
    ("2026-10-01", "A", []),  # closed
    ("2026-11-28", "Z", []),  # unknown category
]


@pytest.mark.parametrize(("day", "service", "starts"), SLOTS)
def test_the_slots_of_a_day(town: Hall, day: str, service: str, starts: list[str]) -> None:
    found = slots(town, service, date.fromisoformat(day))
    assert [s.label for s in found] == starts
    for s in found:
        assert (s.end - s.start).total_seconds() == 45 * 60
        assert s.start.tzinfo == TZ and s.session.appointments
        assert s.capacity == (3 if service == "B" else 2)
        assert s.key == f"{day}|{service}|{s.label}"


CLOSES = [
    # (booked day, booking closes at): 16:00 on the last working day before it
    ("2026-11-28", "2026-11-27 16:00"),  # Saturday: Friday 16:00
    ("2026-11-29", "2026-11-27 16:00"),  # Sunday: Friday too
    ("2026-11-24", "2026-11-23 16:00"),  # Tuesday evening: Monday
    ("2026-10-05", "2026-09-30 16:00"),  # inside the holidays: the last working day before them
    ("2026-10-11", "2026-10-10 16:00"),  # Sunday after a 调休 working Saturday
]


@pytest.mark.parametrize(("day", "closes"), CLOSES)
def test_booking_closes_on_the_last_working_day_before(town: Hall, day: str, closes: str) -> None:
    assert booking_closes_at(town, date.fromisoformat(day)) == at(closes)


@pytest.mark.parametrize(
    ("moment", "open_for_saturday"),
    [("2026-11-27 15:59", True), ("2026-11-27 16:00", False), ("2026-11-26 20:00", True)],
)
def test_friday_16_00_is_the_weekend_cut_off(town: Hall, moment: str, open_for_saturday: bool) -> None:
    saturday = date(2026, 11, 28)
    assert (saturday in booking_days(town, "A", at(moment))) == open_for_saturday
    slot = requested_slot(town, "A", saturday, "09:00", at(moment))
    error = closed_error(town, saturday, at(moment))
    assert (error is None) == open_for_saturday
    if error is not None:
        assert (error.code, error.status) == ("booking_closed", 409)
        assert error.details == {"closes_at": "2026-11-27T16:00:00+08:00"}
        assert "11月27日 周五 16:00" in error.message and "Fri 27 Nov 16:00" in error.message_en
    assert slot.label == "09:00"


def test_the_days_that_can_still_be_booked(town: Hall) -> None:
    days = booking_days(town, "A", at("2026-11-23 10:00"))  # a Monday morning, 14 days ahead
    assert [d.isoformat() for d in days] == [
        "2026-11-24", "2026-11-28", "2026-11-29", "2026-12-01", "2026-12-05", "2026-12-06",
    ]  # fmt: skip
    assert booking_days(town, "C", at("2026-11-23 10:00")) == []
    assert bookable_services(town) == ["A", "B"]


REFUSED = [
    # (category, day, slot, error code, status, details)
    ("Z", "2026-11-28", "09:00", "unknown_service", 404, {}),
    ("C", "2026-11-28", "09:00", "no_appointments", 404, {"next_date": None}),
    ("A", "2026-11-27", "09:00", "no_appointments", 404, {"next_date": "2026-11-28"}),
    ("A", "2026-10-10", "09:00", "no_appointments", 404, {"next_date": "2026-11-28"}),
    ("A", "2026-11-28", "09:30", "unknown_slot", 422, {"slots": ["09:00", "09:45"]}),
    ("A", "2026-12-12", "09:00", "too_far_ahead", 422, {"last_date": "2026-12-09"}),
]


@pytest.mark.parametrize(("service", "day", "label", "code", "status", "details"), REFUSED)
def test_a_slot_that_cannot_be_booked_says_why(
    town: Hall, service: str, day: str, label: str, code: str, status: int, details: dict[str, Any]
) -> None:
    with pytest.raises(QueueError) as caught:
        requested_slot(town, service, date.fromisoformat(day), label, at("2026-11-25 10:00"))
    assert (caught.value.code, caught.value.status, caught.value.details) == (code, status, details)
    assert CJK.search(caught.value.message) and re.match("[A-Z]", caught.value.message_en)  # Chinese, and English


def test_a_past_day_is_closed_for_booking(town: Hall) -> None:
    error = closed_error(town, date(2026, 11, 24), at("2026-11-25 10:00"))
    assert error is not None and error.details == {"closes_at": "2026-11-23T16:00:00+08:00"}


def test_check_in_opens_early_and_closes_after_the_grace_period(town: Hall) -> None:
    slot = find_slot(town, "A", date(2026, 11, 28), "09:45")
    assert slot is not None
    assert check_in_window(town, slot) == (at("2026-11-28 09:15"), at("2026-11-28 10:00"))


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("张三", "张三"),
        ("  Li   Lei ", "Li Lei"),
        ("ＡＢ", "AB"),  # full-width letters from a Chinese keyboard
        ("欧阳" * 10, "欧阳" * 10),  # 20 characters: the longest
    ],
)
def test_names_are_kept_tidy(given: str, kept: str) -> None:
    assert clean_name(given) == kept


@pytest.mark.parametrize("given", ["", "   ", "欧阳" * 10 + "娜", "a\x07b", "a\u200bb", None, 12])
def test_bad_names_are_refused(given: Any) -> None:
    with pytest.raises(QueueError) as caught:
        clean_name(given)
    assert (caught.value.code, caught.value.status) == ("invalid_name", 422)


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("1234", "1234"),
        ("0042", "0042"),
        ("138 0013 8000", "8000"),
        ("+86-138-0013-8001", "8001"),
        ("１２３４", "1234"),
    ],
)
def test_only_the_last_four_digits_are_kept(given: str, kept: str) -> None:
    assert clean_phone(given) == kept


@pytest.mark.parametrize("given", ["123", "12a4", "", "1234567890123456", "١٢٣٤", 1234, None])
def test_bad_phone_digits_are_refused(given: Any) -> None:
    with pytest.raises(QueueError) as caught:
        clean_phone(given)
    assert (caught.value.code, caught.value.status) == ("invalid_phone", 422)


def test_one_person_is_one_person_however_the_name_is_typed() -> None:
    assert person("Li Lei", "1234") == person("li lei", "1234") == person("LiLei", "1234")
    assert person("Li Lei", "1234") != person("Li Lei", "1235")
    assert "|" not in person("a|b", "1234")


# --- the [appointments] table -------------------------------------------------------------------------------


def town_with(change: dict[str, Any], appointments_on: bool = True) -> Hall:
    data = tomllib.loads(TOWN)
    data["appointments"].update(change)
    for session in data["sessions"]:
        session["appointments"] = session.get("appointments", False) and appointments_on
    return parse_hall("town.toml", data)


def test_the_table_is_read(town: Hall) -> None:
    assert town.appointments == AppointmentPolicy(45, 2, {"B": 3}, 15, 30, time(16, 0), 14)


def test_a_booked_session_without_a_table_uses_the_defaults() -> None:
    data = tomllib.loads(TOWN)
    del data["appointments"]
    assert parse_hall("town.toml", data).appointments == AppointmentPolicy()
    data["sessions"] = [{**s, "appointments": False} for s in data["sessions"]]
    assert parse_hall("town.toml", data).appointments is None


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"slot_minutes": 0}, "town.toml: appointments.slot_minutes: expected 5 to 240, got 0"),
        ({"capacity": True}, "town.toml: appointments.capacity: expected a whole number, got a boolean"),
        ({"days_ahead": 400}, "town.toml: appointments.days_ahead: expected 1 to 366, got 400"),
        ({"capacities": {"Z": 1}}, "town.toml: appointments.capacities: unknown category 'Z'"),
        ({"capacities": {"A": -1}}, "town.toml: appointments.capacities.A: expected a whole number from 0 to 1000"),
        ({"capacities": 3}, "town.toml: appointments.capacities: expected a table of category code"),
        ({"close_time": "4pm"}, "town.toml: appointments.close_time: expected a time like \"16:00\", got '4pm'"),
        ({"grace": 10}, "town.toml: appointments.grace: unknown key"),
    ],
)
def test_mistakes_in_the_table_name_file_and_key(change: dict[str, Any], error: str) -> None:
    with pytest.raises(ConfigError) as caught:
        town_with(change)
    assert str(caught.value).startswith(error)


def test_a_table_without_a_booked_session_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"^town\.toml: appointments: no \[\[sessions\]\] entry has appointments"):
        town_with({}, appointments_on=False)


def test_a_category_with_no_places_takes_no_bookings() -> None:
    hall = town_with({"capacities": {"B": 0}})
    assert bookable_services(hall) == ["A"]
    assert slots(hall, "B", date(2026, 11, 28)) == []


def test_the_demo_hall_books_its_weekend_mornings(config_dir: Path) -> None:
    halls = load_halls(config_dir)
    demo = halls["demo"]
    assert halls["allday"].appointments is None
    assert demo.appointments is not None and demo.appointments.capacity_of("A") == 4
    saturday = date(2026, 12, 5)
    assert [s.label for s in slots(demo, "B", saturday)][:3] == ["09:00", "09:30", "10:00"]
    assert slots(demo, "C", saturday) == []  # no real-estate window at the weekend
    assert slots(demo, "B", date(2026, 12, 4)) == []  # a Friday
    assert booking_closes_at(demo, saturday) == datetime(2026, 12, 4, 16, 0, tzinfo=TZ)
