"""The time-off-in-lieu ledger (调休台账) as a pure function: minutes earned and taken per month, the balance carried
from the ledger's first month, the flag past the limit either way, the months it adds up, and the days an approved
调休 request takes on the hall's calendar."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from queue_server.config.loader import load_halls
from queue_server.core.hall import Hall
from queue_server.core.lieu_ledger import (
    TakenDay,
    contracted_day,
    duration,
    hours_minutes,
    ledger,
    ledger_months,
    lieu_request_days,
    month_shift,
    months_from,
    warning,
)

OCT_DEC = ["2026-10", "2026-11", "2026-12"]


def took(username: str, day: str, minutes: float) -> TakenDay:
    return TakenDay(username, date.fromisoformat(day), minutes)


# (earned per month, days taken, limit) → per clerk, per month: (earned, taken, opening, balance, warn)
CASES = [
    pytest.param(
        {"2026-10": {"w04": 180}, "2026-11": {"w04": 35.5}},
        [],
        2400,
        {"w04": [(180, 0, 0, 180, ""), (35.5, 0, 180, 215.5, ""), (0, 0, 215.5, 215.5, "")]},
        id="earned-carries",
    ),
    pytest.param(
        {"2026-10": {"w04": 480}},
        [took("w04", "2026-11-03", 240), took("w04", "2026-11-04", 240), took("w04", "2026-12-01", 60)],
        2400,
        {"w04": [(480, 0, 0, 480, ""), (0, 480, 480, 0, ""), (0, 60, 0, -60, "")]},
        id="taken-pays-it-back",
    ),
    pytest.param(
        {"2026-10": {"w01": 2400}, "2026-11": {"w01": 0.1}},
        [],
        2400,
        {"w01": [(2400, 0, 0, 2400, ""), (0.1, 0, 2400, 2400.1, "over"), (0, 0, 2400.1, 2400.1, "over")]},
        id="at-the-limit-is-fine-past-it-is-flagged",
    ),
    pytest.param(
        {},
        [took("w02", "2026-10-12", 1440), took("w02", "2026-10-13", 1440)],
        2400,
        {"w02": [(0, 2880, 0, -2880, "ahead"), (0, 0, -2880, -2880, "ahead"), (0, 0, -2880, -2880, "ahead")]},
        id="taken-ahead-of-earning",
    ),
    pytest.param(
        {"2026-12": {"w03": 100}},
        [took("w03", "2026-09-30", 480), took("w03", "2027-01-04", 480)],
        60,
        {"w03": [(0, 0, 0, 0, ""), (0, 0, 0, 0, ""), (100, 0, 0, 100, "over")]},
        id="days-outside-the-ledger-do-not-count",
    ),
    pytest.param(
        {"2026-11": {"w05": 30, "w06": 200}},
        [took("w06", "2026-11-20", 200)],
        2400,
        {
            "w05": [(0, 0, 0, 0, ""), (30, 0, 0, 30, ""), (0, 0, 30, 30, "")],
            "w06": [(0, 0, 0, 0, ""), (200, 200, 0, 0, ""), (0, 0, 0, 0, "")],
        },
        id="clerks-apart",
    ),
    pytest.param(
        {"2026-10": {"w07": 0.1}, "2026-11": {"w07": 0.2}},
        [took("w07", "2026-12-02", 0.3)],
        2400,
        {"w07": [(0.1, 0, 0, 0.1, ""), (0.2, 0, 0.1, 0.3, ""), (0, 0.3, 0.3, 0, "")]},
        id="tenths-add-up-exactly",
    ),
]


@pytest.mark.parametrize(("earned", "taken", "limit", "expected"), CASES)
def test_the_ledger(
    earned: dict[str, dict[str, float]],
    taken: list[TakenDay],
    limit: int,
    expected: dict[str, list[tuple[float, float, float, float, str]]],
) -> None:
    found = ledger(earned, taken, OCT_DEC, limit)
    assert {u: [(x.earned, x.taken, x.opening, x.balance, x.warn) for x in lines] for u, lines in found.items()} == (
        expected
    )
    for lines in found.values():
        assert [x.month for x in lines] == OCT_DEC
        assert all(x.net == round(x.earned - x.taken, 1) for x in lines)
        assert all(str(x.balance) != "-0.0" for x in lines)


def test_nobody_earned_or_took_anything() -> None:
    assert ledger({}, [], OCT_DEC, 2400) == {}


@pytest.mark.parametrize(
    ("month", "by", "expected"),
    [("2026-12", 1, "2027-01"), ("2026-01", -1, "2025-12"), ("2026-12", -12, "2025-12"), ("2026-05", 0, "2026-05")],
)
def test_month_shift(month: str, by: int, expected: str) -> None:
    assert month_shift(month, by) == expected


def test_months_from() -> None:
    assert months_from("2026-11", "2027-02") == ["2026-11", "2026-12", "2027-01", "2027-02"]
    assert months_from("2026-12", "2026-12") == ["2026-12"]
    assert months_from("2027-01", "2026-12") == []


@pytest.mark.parametrize(
    ("asked", "current", "since", "first", "count"),
    [
        ("2026-12", "2026-12", None, "2025-12", 13),  # the last twelve months and this one
        ("2026-11", "2026-12", None, "2025-12", 12),  # the same start for every month read this month
        ("2027-02", "2026-12", None, "2025-12", 15),  # months ahead: planned 调休
        ("2025-06", "2026-12", None, "2025-06", 1),  # before the start: the month alone
        ("2026-12", "2026-12", date(2026, 9, 1), "2026-09", 4),  # [lieu] since
        ("2026-08", "2026-12", date(2026, 9, 1), "2026-08", 1),
    ],
)
def test_the_months_a_ledger_adds_up(asked: str, current: str, since: date | None, first: str, count: int) -> None:
    months = ledger_months(asked, current, since)
    assert (months[0], months[-1], len(months)) == (first, asked, count)


@pytest.fixture(scope="module")
def demo() -> Hall:
    return load_halls(Path(__file__).resolve().parent.parent.parent / "config")["demo"]


@pytest.mark.parametrize(
    ("username", "first", "last", "days", "minutes"),
    [
        ("w04", "2026-12-10", "2026-12-11", ["2026-12-10", "2026-12-11"], 480),  # Thursday and Friday
        ("w04", "2026-12-11", "2026-12-14", ["2026-12-11", "2026-12-14"], 480),  # over a weekend: no cost
        # National Day costs nothing; the 调休 Saturday (10 October) is a working day and does
        ("w04", "2026-09-30", "2026-10-11", ["2026-09-30", "2026-10-08", "2026-10-09", "2026-10-10"], 480),
        ("z05", "2026-12-10", "2026-12-10", ["2026-12-10"], 384),  # 32 hours a week: 6 h 24 min a day
        ("w04", "2026-12-12", "2026-12-13", [], 0),  # a weekend alone
    ],
)
def test_the_days_an_approved_lieu_request_takes(
    demo: Hall, username: str, first: str, last: str, days: list[str], minutes: float
) -> None:
    taken = lieu_request_days(demo, username, date.fromisoformat(first), date.fromisoformat(last))
    assert [t.day.isoformat() for t in taken] == days
    assert {t.minutes for t in taken} <= {minutes} and {t.username for t in taken} <= {username}


def test_a_contracted_day() -> None:
    assert (contracted_day(40), contracted_day(32), contracted_day(36)) == (480, 384, 432)


@pytest.mark.parametrize(
    ("minutes", "text", "zh", "en"),
    [
        (3150, "52:30", "52 小时 30 分钟", "52 h 30 min"),
        (-65, "-1:05", "1 小时 5 分钟", "1 h 5 min"),
        (2400, "40:00", "40 小时", "40 h"),
        (29.6, "0:30", "30 分钟", "30 min"),
        (0, "0:00", "0 分钟", "0 min"),
        (-0.4, "0:00", "0 分钟", "0 min"),
        (44.5, "0:45", "45 分钟", "45 min"),  # a half up, as the page rounds
        (-44.5, "-0:44", "44 分钟", "44 min"),
    ],
)
def test_hours_and_minutes(minutes: float, text: str, zh: str, en: str) -> None:
    assert hours_minutes(minutes) == text
    assert duration(minutes) == (zh, en)


def test_what_the_flags_say() -> None:
    over, ahead = ledger({"2026-10": {"a": 3150}}, [took("b", "2026-10-05", 1440)], ["2026-10"], 1200).values()
    assert warning(over[0], 1200) == (
        "调休结余 52 小时 30 分钟，超过上限 20 小时，请安排调休。",
        "Time off owed: 52 h 30 min, over the 20 h limit; schedule time off.",
    )
    assert warning(ahead[0], 1200) == (
        "已预支调休 24 小时，超过上限 20 小时。",
        "Time off taken ahead of earning: 24 h, past the 20 h limit.",
    )
    assert warning(ledger({"2026-10": {"c": 60}}, [], ["2026-10"], 1200)["c"][0], 1200) == ("", "")
