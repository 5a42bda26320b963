"""The arrivals forecast (到访预测): what the tidal controller expects over the next hour, from the walk-ins of the
same weekday in the last four weeks, today's bookings and the seasonal plans' demand."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest

from queue_server.core.forecast import History, arrivals_by_hour, next_hour
from queue_server.core.hall import Seasonal
from tests.conftest import SHANGHAI, make_hall

HALL = make_hall()  # Asia/Shanghai, the business day rolls over at 03:00; categories A, B, C
MONDAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 10, 15, tzinfo=SHANGHAI)  # 3/4 of the hour 10 left, then 1/4 of the hour 11
LAST_MONDAY, TWO_MONDAYS_AGO, FOUR_MONDAYS_AGO = date(2026, 11, 16), date(2026, 11, 9), date(2026, 10, 26)

# On the Monday a week ago 8 walked in for A between 10 and 11 and 4 between 11 and 12: 0.75 x 8 + 0.25 x 4 = 7.
# Two weeks ago only 4 between 10 and 11: 3. Averaged over the two Mondays the hall has: 5.
TWO_MONDAYS: History = {LAST_MONDAY: {"A": {10: 8, 11: 4}}, TWO_MONDAYS_AGO: {"A": {10: 4}}}
NOISE: History = {
    date(2026, 11, 17): {"A": {10: 100}},  # a Tuesday
    date(2026, 11, 22): {"A": {10: 100}},  # yesterday, a Sunday
    date(2026, 10, 19): {"A": {10: 100}},  # a Monday five weeks ago
    MONDAY: {"A": {10: 100}},  # this morning so far: not history yet
}


def at(hh: int, mm: int, day: date = MONDAY) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=SHANGHAI)


def monday(**hours: dict[int, int]) -> History:
    """Last Monday's walk-ins per category and hour."""
    return {LAST_MONDAY: hours}


NEXT_HOUR = [
    ("the rest of this hour and the start of the next", monday(A={10: 8, 11: 4}), {}, NOW, {"A": 7.0}),
    ("averaged over the same weekday", TWO_MONDAYS, {}, NOW, {"A": 5.0}),
    ("other weekdays, older weeks and today left out", {**TWO_MONDAYS, **NOISE}, {}, NOW, {"A": 5.0}),
    ("four weeks back still counts", {FOUR_MONDAYS_AGO: {"A": {10: 4}}}, {}, NOW, {"A": 3.0}),
    ("on the hour: that hour only", TWO_MONDAYS, {}, at(10, 0), {"A": 6.0}),
    ("at half past: half of each", TWO_MONDAYS, {}, at(10, 30), {"A": 4.0}),  # (6 + 2) / 2
    ("the same moment given in UTC", TWO_MONDAYS, {}, datetime(2026, 11, 23, 2, 15, tzinfo=UTC), {"A": 5.0}),
    ("seen that Monday, not at this hour", monday(A={10: 8, 11: 4}, B={15: 5}), {}, NOW, {"A": 7.0, "B": 0.0}),
    ("today's bookings are added", TWO_MONDAYS, {"A": 2, "C": 1}, NOW, {"A": 7.0, "C": 1.0}),
    ("no history: only the bookings", {}, {"B": 3}, NOW, {"B": 3.0}),
    ("no history and no bookings: nothing known", {}, {}, NOW, {}),
    # 23:30: the next hour runs past midnight, still in the same business day (hours 23 and 0 of last Monday's)
    ("late evening: past midnight", monday(A={23: 4, 0: 8}), {}, at(23, 30), {"A": 6.0}),
    # 01:30 on Tuesday is still Monday's business day: last Monday's hours 1 and 2 (Tuesday 01:00 to 03:00)
    ("before the rollover: Monday still", monday(A={1: 2, 2: 4}), {}, at(1, 30, date(2026, 11, 24)), {"A": 3.0}),
]


@pytest.mark.parametrize(
    ("history", "booked", "now", "expected"), [pytest.param(h, b, n, e, id=name) for name, h, b, n, e in NEXT_HOUR]
)
def test_next_hour(history: History, booked: Mapping[str, int], now: datetime, expected: dict[str, float]) -> None:
    assert next_hour(now, HALL, history, booked) == pytest.approx(expected)


def test_the_business_day_given_picks_the_weekday() -> None:
    # the controller passes the hall's business day: it picks the weekday, the hours are read from the clock
    assert next_hour(NOW, HALL, TWO_MONDAYS, day=MONDAY) == {"A": 5.0}
    assert next_hour(NOW, HALL, {date(2026, 11, 15): {"A": {10: 4}}}, day=date(2026, 11, 22)) == {"A": 3.0}


# 报税季 for A over the second half of November, twice the usual arrivals: last Monday was in it already (7 stays 7),
# the Monday before was not (3 counts 6): (7 + 6) / 2.
SEASONS = [
    ("today in the season: a past day outside it counts double", ("A", 16, 30), {}, {"A": 6.5}),
    ("the bookings are not multiplied", ("A", 16, 30), {"A": 1}, {"A": 7.5}),
    ("today outside the season: no factor", ("A", 2, 10), {}, {"A": 5.0}),
    ("a season of another category: no factor", ("B", 16, 30), {}, {"A": 5.0}),
]


@pytest.mark.parametrize(("plan", "booked", "expected"), [pytest.param(p, b, e, id=name) for name, p, b, e in SEASONS])
def test_seasonal_demand(plan: tuple[str, int, int], booked: Mapping[str, int], expected: dict[str, float]) -> None:
    service, first, last = plan
    season = Seasonal("报税季", service, date(2026, 11, first), date(2026, 11, last), (5,), demand=2.0)
    hall = replace(HALL, seasons=(season,))
    assert next_hour(NOW, hall, TWO_MONDAYS, booked) == pytest.approx(expected)


def test_a_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        next_hour(datetime(2026, 11, 23, 10, 15), HALL, TWO_MONDAYS)


def ticket(service: str, issued_at: str, **more: Any) -> dict[str, Any]:
    return {"service": service, "issued_at": issued_at, **more}


TICKETS = [
    ticket("A", "2026-11-16T10:05:00.000+08:00"),
    ticket("A", "2026-11-16T02:59:00.000+00:00"),  # 10:59 in the hall
    ticket("A", "2026-11-16T11:00:00.000+08:00"),
    ticket("A", "2026-11-16T10:20:00.000+08:00", booking="K7Q2M9"),  # a booked check-in: counted from the book
    ticket("B", "2026-11-17T02:30:00.000+08:00"),  # before the 03:00 rollover: Monday's business day, hour 2
    ticket("C", "2026-11-09T09:45:00.000+08:00", booking=""),
]


def test_arrivals_by_hour_counts_walk_ins() -> None:
    assert arrivals_by_hour(TICKETS, HALL) == {
        LAST_MONDAY: {"A": {10: 2, 11: 1}, "B": {2: 1}},
        TWO_MONDAYS_AGO: {"C": {9: 1}},
    }


def test_the_tickets_of_past_mondays_forecast_the_next_hour() -> None:
    history = arrivals_by_hour(TICKETS, HALL)
    # A: last Monday 0.75 x 2 + 0.25 x 1, the Monday before nothing: 1.75 / 2; B and C: seen, not at these hours
    assert next_hour(NOW, HALL, history, {"A": 1}) == pytest.approx({"A": 0.875 + 1, "B": 0.0, "C": 0.0})
    assert arrivals_by_hour([], HALL) == {}
