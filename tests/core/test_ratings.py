"""好差评 rules: the levels and reasons, what a valid rating is, and the working-day deadlines of a 差评's case."""

from __future__ import annotations

from datetime import date

import pytest

from queue_server.config.loader import parse_hall
from queue_server.core.errors import InvalidRequest
from queue_server.core.hall import Calendar, RatingPolicy
from queue_server.core.ratings import (
    LEVELS,
    REASONS,
    add_working_days,
    case_deadlines,
    check_rating,
    is_bad,
    is_overdue,
    is_satisfied,
    next_state,
)
from queue_server.core.statistics.ratings import rating_statistics


def test_five_levels_best_first_and_the_two_lowest_are_poor() -> None:
    assert [(level.value, level.zh) for level in LEVELS] == [
        (5, "非常满意"), (4, "满意"), (3, "基本满意"), (2, "不满意"), (1, "非常不满意"),
    ]  # fmt: skip
    assert [v for v in range(1, 6) if is_bad(v)] == [1, 2]
    assert [v for v in range(1, 6) if is_satisfied(v)] == [3, 4, 5]
    assert "一次性告知不到位" in [r.zh for r in REASONS]


def test_a_rating_is_kept_tidy_or_refused_with_a_reason() -> None:
    assert check_rating(2, ["other", "long_wait", "other"], "  太慢  ") == (2, ("long_wait", "other"), "太慢")
    assert check_rating(5, [], None) == (5, (), "")
    for level, reasons, comment, code in (
        (0, [], "", "invalid_level"),
        (True, [], "", "invalid_level"),
        (1, [], "", "reason_required"),
        (1, ["nope"], "", "unknown_reason"),
        (4, ["slow"], "", "reasons_not_allowed"),
        (4, [], "好" * 201, "comment_too_long"),
    ):
        with pytest.raises(InvalidRequest) as refused:
            check_rating(level, reasons, comment)
        assert refused.value.code == code


def test_deadlines_count_working_days_of_the_hall_calendar() -> None:
    # National Day 2026: 1-7 October off, Saturday 10 October a working day (调休)
    calendar = Calendar(
        holidays=frozenset(date(2026, 10, d) for d in range(1, 8)), workdays=frozenset({date(2026, 10, 10)})
    )
    assert add_working_days(date(2026, 9, 30), 1, calendar) == date(2026, 10, 8)
    assert add_working_days(date(2026, 10, 9), 1, calendar) == date(2026, 10, 10)
    assert add_working_days(date(2026, 10, 9), 0, calendar) == date(2026, 10, 9)
    deadlines = case_deadlines(date(2026, 9, 30), RatingPolicy(), calendar)
    assert deadlines == {"rectifying": date(2026, 10, 8), "revisited": date(2026, 10, 26), "closed": date(2026, 10, 27)}
    assert not is_overdue("to_verify", deadlines, date(2026, 10, 8))
    assert is_overdue("to_verify", deadlines, date(2026, 10, 9))
    assert not is_overdue("closed", deadlines, date(2027, 1, 1))
    assert next_state("to_verify") == "rectifying" and next_state("closed") is None


def test_the_ratings_table_of_a_hall_file() -> None:
    base = {
        "hall": {"id": "h", "name": "厅", "timezone": "Asia/Shanghai"},
        "services": [{"code": "A", "name": "甲", "name_en": "A", "minutes": 5}],
        "windows": [{"number": 1, "services": ["A"], "evaluator_token": "a" * 64}],
    }
    hall = parse_hall("h.toml", base)
    assert hall.ratings == RatingPolicy() and hall.window(1).evaluator_token == "a" * 64  # type: ignore[union-attr]
    hall = parse_hall("h.toml", {**base, "ratings": {"within_minutes": 60, "verify_days": 2}})
    assert (hall.ratings.within_minutes, hall.ratings.verify_days, hall.ratings.close_days) == (60, 2, 15)
    with pytest.raises(Exception, match="ratings"):
        parse_hall("h.toml", {**base, "ratings": {"verify_days": 20}})


def test_satisfaction_counts_basically_satisfied_and_better() -> None:
    ratings = [
        {"level": 5, "window": 1, "clerk": "w01", "service": "A", "business_day": "2026-11-23"},
        {"level": 3, "window": 1, "clerk": "w01", "service": "A", "business_day": "2026-11-23"},
        {"level": 2, "window": 2, "clerk": "w02", "service": "B", "business_day": "2026-11-24"},
    ]
    cases = [{"state": "closed", "closed_on_time": True, "overdue": False}]
    figures = rating_statistics(ratings, cases)
    assert (figures["rated"], figures["satisfied"], figures["satisfaction"], figures["poor"]) == (3, 2, 0.6667, 1)
    assert figures["by_window"] == [
        {"window": 1, "rated": 2, "satisfied": 2, "satisfaction": 1.0, "poor": 0},
        {"window": 2, "rated": 1, "satisfied": 0, "satisfaction": 0.0, "poor": 1},
    ]
    assert [g["clerk"] for g in figures["by_clerk"]] == ["w01", "w02"]
    assert figures["cases"] == {"opened": 1, "closed": 1, "closed_on_time": 1, "overdue": 0}
    assert rating_statistics([], [])["satisfaction"] is None
