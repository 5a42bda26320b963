"""The day's arrivals forecast (全天到访预测, queue_server.core.day_forecast): which past days it rests on (the same
weekday, or for a date the calendar moves, days of its kind), the mean and band per hour, the date's bookings and
seasonal demand; and, on histories the simulator draws from the shipped profiles, that the band holds most of the
hours the day itself then brings."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date, time
from pathlib import Path

import pytest

from queue_server.config.loader import load_halls
from queue_server.core.day_forecast import DayForecast, band, basis_days, forecast_day
from queue_server.core.forecast import History
from queue_server.core.hall import Calendar, Hall, Seasonal, Session
from queue_server.simulator.plan_check import booked_by_hour
from queue_server.simulator.profile import load_profile
from queue_server.simulator.visitors import draw_visitors, past_weeks
from tests.conftest import make_hall

MONDAY = date(2026, 11, 23)
MONDAYS = (date(2026, 11, 16), date(2026, 11, 9), date(2026, 11, 2), date(2026, 10, 26))
# The demo hall's 2026 autumn: 中秋 25–27 Sep, 国庆 1–7 Oct, 调休 working days Sun 20 Sep and Sat 10 Oct
CALENDAR = Calendar(
    holidays=frozenset(
        {date(2026, 9, 25), date(2026, 9, 26), date(2026, 9, 27)} | {date(2026, 10, d) for d in range(1, 8)}
    ),
    workdays=frozenset({date(2026, 9, 20), date(2026, 10, 10)}),
    closed=frozenset({date(2026, 2, 17)}),
)
# A hall with sessions: A and B all morning (windows 1-4; C's window 5 is not staffed), only A (window 1) at lunch
# until 13:30; weekends closed
HALL = replace(
    make_hall(),
    sessions=(
        Session("上午", "Morning", time(9), time(12), windows=(1, 2, 3, 4)),
        Session("午间", "Lunch", time(12), time(13, 30), windows=(1,)),
    ),
    calendar=CALENDAR,
)
CONFIG = Path(__file__).resolve().parent.parent.parent / "config"

BASIS = [
    ("an ordinary Monday: the four Mondays before", MONDAY, MONDAY, MONDAYS, "weekday"),
    (
        "a holiday Monday among them is skipped: one more week back",
        date(2026, 10, 12),
        date(2026, 10, 12),
        (date(2026, 9, 28), date(2026, 9, 21), date(2026, 9, 14), date(2026, 9, 7)),
        "weekday",
    ),
    (
        "国庆 on a Thursday: the latest rest days, not Thursdays (the 调休 Sunday 20 Sep is a working day)",
        date(2026, 10, 1),
        date(2026, 10, 1),
        (date(2026, 9, 27), date(2026, 9, 26), date(2026, 9, 25), date(2026, 9, 19)),
        "day_kind",
    ),
    (
        "a 调休 working Saturday: the latest working days, the holiday week left out",
        date(2026, 10, 10),
        date(2026, 10, 10),
        (date(2026, 10, 9), date(2026, 10, 8), date(2026, 9, 30), date(2026, 9, 29)),
        "day_kind",
    ),
    ("four weeks ahead: the Mondays before today", date(2026, 12, 21), MONDAY, MONDAYS, "weekday"),
    ("a day the hall is closed: nothing", date(2026, 2, 17), date(2026, 2, 10), (), "weekday"),
]


@pytest.mark.parametrize(
    ("day", "today", "expected", "rule"), [pytest.param(d, t, e, r, id=name) for name, d, t, e, r in BASIS]
)
def test_the_days_a_forecast_rests_on(day: date, today: date, expected: tuple[date, ...], rule: str) -> None:
    assert basis_days(day, CALENDAR, today) == (expected, rule)


def mondays(*counts: dict[str, dict[int, int]]) -> History:
    """The four Mondays before MONDAY, newest first, with these walk-ins."""
    return dict(zip(MONDAYS, counts, strict=False))


def hour(forecast: DayForecast, code: str, at: int) -> tuple[float, float, float, int]:
    category = forecast.category(code)
    assert category is not None, f"{code} is not forecast"
    found = category.at(at)
    assert found is not None, f"{code} has no hour {at}"
    return round(found.expected, 2), round(found.low, 2), round(found.high, 2), found.booked


def test_the_mean_of_the_mondays_with_a_band_at_least_a_poisson_counts() -> None:
    history = mondays({"A": {10: 8}}, {"A": {10: 10}}, {"A": {10: 12}}, {"A": {10: 10}})
    # mean 10; the Mondays spread less than a Poisson count would (variance 2.67 < 10), so sd = √(10 × 1.25)
    assert hour(forecast_day(MONDAY, HALL, history), "A", 10) == (10.0, 5.47, 14.53, 0)


def test_a_wide_spread_widens_the_band_and_it_never_goes_below_zero() -> None:
    history = mondays({"A": {10: 2}}, {"A": {10: 20}}, {"A": {10: 2}}, {"A": {10: 20}})
    # variance 108 over a mean of 11: sd = √(108 × 1.25) = 11.6
    assert hour(forecast_day(MONDAY, HALL, history), "A", 10) == (11.0, 0.0, 25.89, 0)


def test_the_dates_bookings_are_certain_they_move_the_band_and_are_counted_once() -> None:
    history = mondays({"A": {10: 8}}, {"A": {10: 10}}, {"A": {10: 12}}, {"A": {10: 10}})
    found = forecast_day(MONDAY, HALL, history, {"A": {10: 3}, "B": {9: 2}})
    assert hour(found, "A", 10) == (13.0, 8.47, 17.53, 3)
    # B: nobody walked in on those Mondays; its two bookings are all that is expected, with no spread
    assert hour(found, "B", 9) == (2.0, 2.0, 2.0, 2)


def test_a_monday_the_hall_has_no_tickets_of_is_unknown_not_empty() -> None:
    # two Mondays recorded (8 and 12 at ten); the other two are not in the history at all
    found = forecast_day(MONDAY, HALL, mondays({"A": {10: 8}}, {"A": {10: 12}}))
    assert found.basis == MONDAYS[:2]
    assert hour(found, "A", 10)[0] == 10.0
    # a Monday recorded without any A at ten is a Monday with none
    found = forecast_day(MONDAY, HALL, mondays({"A": {10: 8}}, {"B": {10: 1}}))
    assert hour(found, "A", 10)[0] == 4.0


def test_hours_follow_the_sessions_of_the_day() -> None:
    history = mondays({"A": {8: 5, 9: 4, 13: 2}, "B": {9: 6, 12: 3}})
    found = forecast_day(MONDAY, HALL, history)
    a, b = found.category("A"), found.category("B")
    assert a is not None and b is not None
    # A runs 09:00–13:30 (morning, then lunch at window 1): hours 9 to 13; the 5 seen before opening are not asked
    assert [h.hour for h in a.hours] == [9, 10, 11, 12, 13]
    # B is served in the morning only (window 1 serves A alone): its 3 at noon are left out
    assert [h.hour for h in b.hours] == [9, 10, 11]
    assert found.expected("A", 8) == 0.0
    assert found.expected("A", 13) == 2.0
    # C: no window the day's sessions staff serves it
    assert found.category("C") is None
    assert a.total.expected == pytest.approx(6.0)


def test_a_closed_day_forecasts_nobody_and_a_rest_day_of_a_weekday_hall_too() -> None:
    assert forecast_day(date(2026, 2, 17), HALL, {}).categories == ()
    assert forecast_day(date(2026, 11, 28), HALL, {}).categories == ()  # a Saturday: no session runs


def test_seasonal_demand_multiplies_basis_days_outside_the_season() -> None:
    # 报税季 for B from 10 November: the Mondays of 16 and 9 Nov are in it, those of 2 Nov and 26 Oct count double
    season = Seasonal("报税季", "B", date(2026, 11, 9), date(2026, 11, 30), (5,), demand=2.0)
    hall = replace(HALL, seasons=(season,))
    history = mondays({"B": {9: 10}}, {"B": {9: 10}}, {"B": {9: 5}}, {"B": {9: 5}})
    assert hour(forecast_day(MONDAY, hall, history), "B", 9)[0] == 10.0
    assert hour(forecast_day(MONDAY, HALL, history), "B", 9)[0] == 7.5


def test_a_hall_open_at_all_times_forecasts_the_hours_it_has_seen() -> None:
    found = forecast_day(MONDAY, make_hall(), mondays({"A": {2: 1, 23: 4}}), {"C": {10: 1}})
    assert [(c.code, [h.hour for h in c.hours]) for c in found.categories] == [("A", [2, 23]), ("C", [10])]


def test_no_history_only_the_bookings() -> None:
    found = forecast_day(MONDAY, HALL, {}, {"A": {9: 2}})
    assert found.basis == ()
    assert hour(found, "A", 9) == (2.0, 2.0, 2.0, 2)
    assert hour(found, "B", 9) == (0.0, 0.0, 0.0, 0)


def test_the_band_of_one_day_and_of_none() -> None:
    assert band([]) == (0.0, 0.0, 0.0)
    # one day: its count as the mean, and a Poisson variance doubled for a mean known from one day only
    mean, low, high = band([9.0])
    assert (mean, round(low, 2), round(high, 2)) == (9.0, 3.56, 14.44)


@pytest.mark.parametrize(("profile", "seeds"), [("demo-weekday", range(1, 6)), ("demo-weekend", range(1, 9))])
def test_the_band_holds_most_hours_of_days_the_simulator_draws(profile: str, seeds: range) -> None:
    """Past weeks drawn from a shipped profile, then the day itself with another seed: about 8 hours in 10 of every
    category should fall inside the band (the z of 1.28), and never fewer than 2 in 3 over the seeds."""
    day_profile = load_profile(CONFIG / "profiles" / f"{profile}.toml")
    hall: Hall = load_halls(CONFIG)[day_profile.hall]
    day = day_profile.day
    assert day is not None
    inside = total = 0
    for seed in seeds:
        visitors = draw_visitors(day_profile, hall, day, seed)
        booked = booked_by_hour(visitors)
        found = forecast_day(day, hall, past_weeks(day_profile, hall, day, seed), booked)
        assert found.rule == "weekday" and len(found.basis) == 4
        # what the day brought: walk-ins by the hour they came, booked visitors by their slot's hour
        came = Counter((v.service, v.arrival.astimezone(hall.timezone).hour) for v in visitors if v.slot is None)
        for category in found.categories:
            for h in category.hours:
                seen = came[(category.code, h.hour)] + booked.get(category.code, {}).get(h.hour, 0)
                inside += h.low <= seen <= h.high
                total += 1
    assert total >= 100
    assert inside / total >= 2 / 3, f"only {inside} of {total} hours inside the band"
