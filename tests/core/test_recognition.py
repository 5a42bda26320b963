"""Performance recognition (服务明星评选参考): the quarter's figures per clerk from tickets, ratings and duty days, as
tables."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from queue_server.config.loader import load_halls
from queue_server.core.errors import InvalidRequest
from queue_server.core.hall import Hall
from queue_server.core.recognition import (
    ClerkDay,
    Quarter,
    day_tallies,
    quarter_containing,
    quarter_of,
    recognition,
)


@pytest.fixture
def demo(config_dir: Path) -> Hall:
    return load_halls(config_dir)["demo"]


def ticket(
    clerk: str | None,
    day: str,
    called: str,
    finished: str | None = None,
    state: str = "served",
    service: str = "A",
) -> dict[str, Any]:
    found: dict[str, Any] = {
        "clerk": clerk,
        "business_day": day,
        "service": service,
        "state": state,
        "called_at": f"{day}T{called}+08:00",
    }
    if finished:
        found["finished_at"] = f"{day}T{finished}+08:00"
    return found


@pytest.mark.parametrize(
    ("text", "first", "last", "months"),
    [
        ("2026-Q4", date(2026, 10, 1), date(2026, 12, 31), ("2026-10", "2026-11", "2026-12")),
        ("2027-Q1", date(2027, 1, 1), date(2027, 3, 31), ("2027-01", "2027-02", "2027-03")),
        ("2028-q1", date(2028, 1, 1), date(2028, 3, 31), ("2028-01", "2028-02", "2028-03")),  # a leap February
        ("2026-Q2", date(2026, 4, 1), date(2026, 6, 30), ("2026-04", "2026-05", "2026-06")),
    ],
)
def test_a_quarter_is_written_year_q_number(text: str, first: date, last: date, months: tuple[str, str, str]) -> None:
    quarter = quarter_of(text)
    assert (quarter.first, quarter.last, quarter.months) == (first, last, months)
    assert quarter.name == text.upper() and len(quarter.days()) == (last - first).days + 1


@pytest.mark.parametrize("text", [None, "", "2026-Q5", "2026-Q0", "2026-4", "2026Q4", "26-Q4", "1999-Q4", "2026-Q4 "])
def test_a_bad_quarter_says_how_to_write_it(text: str | None) -> None:
    with pytest.raises(InvalidRequest) as refused:
        quarter_of(text)
    assert refused.value.code == "invalid_quarter" and refused.value.status == 422
    assert "YYYY-Qn（如 2026-Q4）" in refused.value.message and "YYYY-Qn (e.g. 2026-Q4)" in refused.value.message_en


@pytest.mark.parametrize(
    ("day", "quarter"),
    [(date(2026, 1, 1), Quarter(2026, 1)), (date(2026, 3, 31), Quarter(2026, 1)), (date(2026, 4, 1), Quarter(2026, 2)),
     (date(2026, 9, 30), Quarter(2026, 3)), (date(2026, 12, 31), Quarter(2026, 4))],
)  # fmt: skip
def test_the_quarter_of_a_day(day: date, quarter: Quarter) -> None:
    assert quarter_containing(day) == quarter


TALLY_CASES = [
    # (tickets, expected per day and clerk: (served, no-shows, handling seconds, services, holiday, rest-day minutes))
    pytest.param(
        [ticket("w01", "2026-11-23", "09:00:00", "09:06:00"), ticket("w01", "2026-11-23", "09:10:00", "09:20:30")],
        {"2026-11-23": {"w01": (2, 0, [360, 630], {"A": 2}, 0.0, 0.0)}},
        id="a working day: two visits, no holiday time",
    ),
    pytest.param(
        [
            ticket("w03", "2026-11-23", "10:00:00", "10:12:00", service="E"),
            ticket("w03", "2026-11-23", "10:15:00", state="skipped"),  # called, did not come
            ticket("w03", "2026-11-23", "10:20:00", state="called"),  # still at the window: not counted yet
            ticket(None, "2026-11-23", "10:00:00", "10:05:00"),  # a supervisor's token called: nobody named
        ],
        {"2026-11-23": {"w03": (1, 1, [720], {"E": 1}, 0.0, 0.0)}},
        id="no-shows count, a visit still at the window and a supervisor's call do not",
    ),
    pytest.param(
        [ticket("w01", "2026-10-02", "09:10:00", "09:22:00"), ticket("w04", "2026-10-17", "11:50:00", "12:20:00")],
        {
            "2026-10-02": {"w01": (1, 0, [720], {"A": 1}, 180.0, 0.0)},  # 国庆: the whole 09:00–12:00 session
            "2026-10-17": {"w04": (1, 0, [1800], {"A": 1}, 0.0, 200.0)},  # a Saturday, 20 minutes past 12:00
        },
        id="a holiday and a weekend session worked",
    ),
    pytest.param(
        [{**ticket("w02", "2026-10-02", "09:10:00", "09:12:00", state="expired")}],
        {},
        id="a skipped visitor requeued and expired at the rollover is nobody's work",
    ),
]


@pytest.mark.parametrize(("tickets", "expected"), TALLY_CASES)
def test_each_clerks_day(demo: Hall, tickets: list[dict[str, Any]], expected: dict[str, Any]) -> None:
    found = day_tallies(demo, tickets)
    as_tuples = {
        day: {
            name: (t.served, t.no_shows, t.handling_seconds, t.services, t.holiday_minutes, t.rest_day_minutes)
            for name, t in clerks.items()
        }
        for day, clerks in found.items()
    }
    assert as_tuples == expected
    for clerks in found.values():  # what the store keeps reads back the same
        assert all(ClerkDay.of(t.as_dict()) == t for t in clerks.values())


def rating(clerk: str | None, level: int) -> dict[str, Any]:
    return {"clerk": clerk, "level": level, "business_day": "2026-11-23"}


def test_the_quarter_per_clerk(demo: Hall) -> None:
    days = {
        "2026-10-02": {"w01": ClerkDay(3, 0, [300, 600, 900], {"A": 3}, holiday_minutes=180.0)},
        "2026-11-23": {
            "w01": ClerkDay(1, 1, [1200], {"E": 1, "A": 0}),
            "gone": ClerkDay(2, 0, [60, 120], {"Z": 2}),  # a clerk no longer in the hall file, a category gone too
        },
        "2026-10-17": {"w04": ClerkDay(1, 0, [], {"B": 1}, rest_day_minutes=200.0)},
    }
    ratings = [rating("w01", 5), rating("w01", 5), rating("w01", 3), rating("w01", 2), rating(None, 1)]
    duties = {
        "w01": {"holiday": ["2026-10-02", "2026-10-01", "2026-10-02"], "evening": ["2026-11-23"]},
        "z01": {"weekend": ["2026-10-17", "2026-10-18"]},
    }
    clerks, totals = recognition(demo, days, ratings, duties)
    by_name = {c["username"]: c for c in clerks}
    serving = [c.username for c in demo.clerks if c.role in ("clerk", "reserve")]
    assert [c["username"] for c in clerks] == [*serving, "gone"]  # the hall file's order, then the others
    assert "guide" not in by_name and "boss" not in by_name  # the guide desk and the supervisors serve nobody

    w01 = by_name["w01"]
    assert w01["name"] == "王芳"
    assert (w01["served"], w01["no_shows"]) == (4, 1)
    assert (w01["handling_mean_minutes"], w01["handling_median_minutes"]) == (12.5, 12.5)  # 5, 10, 15, 20 min
    assert w01["services"] == {"A": 3, "E": 1}
    assert (w01["rated"], w01["mean_level"], w01["poor"]) == (4, 3.75, 1)
    assert (w01["very_satisfied_share"], w01["satisfaction"]) == (0.5, 0.75)
    assert (w01["holiday_duty_days"], w01["weekend_duty_days"], w01["evening_duty_days"]) == (2, 0, 1)
    assert w01["duty_dates"] == {"holiday": ["2026-10-01", "2026-10-02"], "weekend": [], "evening": ["2026-11-23"]}
    assert (w01["holiday_minutes"], w01["rest_day_minutes"]) == (180.0, 0.0)

    assert by_name["w04"]["rest_day_minutes"] == 200.0 and by_name["w04"]["handling_mean_minutes"] is None
    assert by_name["z01"]["weekend_duty_days"] == 2 and by_name["z01"]["served"] == 0
    assert by_name["gone"]["services"] == {"Z": 2} and by_name["gone"]["name"] == "gone"
    idle = by_name["w07"]  # nothing this quarter: listed with zeros, and nothing to average
    assert (idle["served"], idle["rated"], idle["holiday_duty_days"], idle["holiday_minutes"]) == (0, 0, 0, 0.0)
    assert idle["mean_level"] is None and idle["satisfaction"] is None and idle["handling_median_minutes"] is None

    assert (totals["served"], totals["no_shows"]) == (7, 1)
    assert totals["rated"] == 4 and totals["poor"] == 1  # over the clerks: a supervisor's visit is nobody's
    assert totals["handling_median_minutes"] == 7.5  # 1, 2, 5, 10, 15, 20 min
