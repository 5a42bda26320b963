"""The staffing plan (排班需求, queue_server.core.staffing_plan): per session of a date and category, the windows
Erlang C asks for to call 80% of visitors within 15 minutes, against those the hall file staffs now, and the words
that tell a supervisor where the hall falls short."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date, time

import pytest

from queue_server.core.day_forecast import CategoryForecast, DayForecast, Estimate, HourForecast, hours_touched
from queue_server.core.hall import Calendar, Session, StaffingTarget
from queue_server.core.staffing_plan import CategoryNeed, StaffingPlan, staffing_plan
from queue_server.core.staffing_records import plan_record
from tests.conftest import make_hall

MONDAY = date(2026, 11, 23)
MORNING = Session("上午", "Morning", time(9), time(12))  # every window: A at 1, 3, 4; B at 2, 3, 4; C at 5
LUNCH = Session("午间", "Lunch", time(12), time(13, 30), windows=(1,))  # window 1 serves A alone
# make_hall's minutes: A 6, B 10, C 12
HALL = replace(make_hall(), sessions=(MORNING, LUNCH), calendar=Calendar(closed=frozenset({date(2026, 11, 24)})))
MEASURED = {"A": 4.5}  # A's last visitors took 4.5 minutes each at the windows; B and C have no measure yet


def forecast(day: date = MONDAY, **hours: Mapping[int, float]) -> DayForecast:
    """A forecast with these expected arrivals per category and hour (the band plays no part in the plan)."""
    categories = tuple(
        CategoryForecast(
            code,
            tuple(HourForecast(h, n, n, n) for h, n in sorted(by_hour.items())),
            Estimate(sum(by_hour.values()), 0, 0),
        )
        for code, by_hour in hours.items()
    )
    return DayForecast(day, "workday", "weekday", (), categories)


DAY = forecast(A={9: 30, 10: 60, 11: 20, 12: 9, 13: 2}, B={9: 12, 10: 9, 11: 0}, C={10: 2})


def need(plan: StaffingPlan, session: str, code: str) -> CategoryNeed:
    found = next(s for s in plan.sessions if s.name == session)
    return next(c for c in found.categories if c.code == code)


# (session, category): hours with (arrivals, windows needed), then needed, staffed, busiest hour, minutes, measured
PLAN = [
    # 30, 60 and 20 an hour at 4.5 minutes: 3, 5 and 2 windows; the session keeps what ten o'clock needs
    ("上午", "A", [(9, 30, 3), (10, 60, 5), (11, 20, 2)], 5, 3, 10, 4.5, True),
    # no measure: the hall's 10 minutes; 12 an hour is 2 erlangs, 3 windows call 90% within 15 minutes
    ("上午", "B", [(9, 12, 3), (10, 9, 3)], 3, 3, 9, 10.0, False),
    # two a morning at 12 minutes still need one window
    ("上午", "C", [(10, 2, 1)], 1, 1, 10, 12.0, False),
    # 12:00–13:30 touches hours 12 and 13; 9 an hour at one window: 77% within 15 minutes, so two windows
    ("午间", "A", [(12, 9, 2), (13, 2, 1)], 2, 1, 12, 4.5, True),
]


@pytest.mark.parametrize(
    ("session", "code", "hours", "needed", "staffed", "busiest", "minutes", "measured"),
    [pytest.param(*row, id=f"{row[0]}-{row[1]}") for row in PLAN],
)
def test_windows_needed_per_session_and_category(
    session: str,
    code: str,
    hours: list[tuple[int, float, int]],
    needed: int,
    staffed: int,
    busiest: int,
    minutes: float,
    measured: bool,
) -> None:
    found = need(staffing_plan(HALL, MONDAY, DAY, MEASURED), session, code)
    assert [(h.hour, h.arrivals, h.windows) for h in found.hours] == hours
    assert all(h.share >= 0.8 for h in found.hours)
    assert (found.needed, found.staffed, found.busiest_hour) == (needed, staffed, busiest)
    assert (found.minutes, found.measured) == (minutes, measured)
    assert found.short == max(0, needed - staffed)


def test_the_sessions_of_the_day_in_order_with_their_categories() -> None:
    plan = staffing_plan(HALL, MONDAY, DAY, MEASURED)
    assert [(s.name, s.start, s.end, s.windows) for s in plan.sessions] == [
        ("上午", time(9), time(12), (1, 2, 3, 4, 5)),
        ("午间", time(12), time(13, 30), (1,)),
    ]
    # the lunch session's one window serves A: B and C are not offered then, whatever the forecast
    assert [c.code for c in plan.sessions[1].categories] == ["A"]
    assert (plan.hall_windows, plan.sessions[0].needed) == (5, 9)


def test_the_hall_staffs_too_few_windows_for_a_at_ten() -> None:
    plan = staffing_plan(HALL, MONDAY, DAY, MEASURED)
    a = need(plan, "上午", "A")
    # three windows serve A, for 4.5 erlangs at ten: the line would grow all hour
    assert (a.short, a.share_staffed) == (2, 0.0)
    assert plan.short
    assert [c.code for c in plan.sessions[0].shortfalls] == ["A"]


def test_the_plan_tells_the_supervisor_where_it_falls_short() -> None:
    answer = plan_record(HALL, staffing_plan(HALL, MONDAY, DAY, MEASURED), DAY)
    assert answer["target"] == {"share": 0.8, "minutes": 15.0}
    short = [(s["session"], s["code"], s["needed"], s["staffed"], s["short"]) for s in answer["shortfalls"]]
    assert short == [("上午", "A", 5, 3, 2), ("上午", None, 9, 5, 4), ("午间", "A", 2, 1, 1), ("午间", None, 2, 1, 1)]
    first = answer["shortfalls"][0]
    assert first["message"] == (
        "上午「公安户政」需 5 个窗口，现排 3 个，缺 2 个：10 时预计 60 人、每人约 4.5 分钟，"
        "按现排窗口仅 0% 可在 15 分钟内叫号。"
    )
    assert first["message_en"] == (
        "Morning, ID cards: 5 windows needed, 3 staffed, 2 short: 60 expected at 10:00, about 4.5 min each; with "
        "the windows staffed now only 0% are called within 15 min."
    )
    whole = answer["shortfalls"][1]
    assert whole["message"] == "上午共需 9 个窗口（每个窗口只办一类业务），现排 5 个，超过大厅全部 5 个窗口。"
    assert answer["message_en"] == "The hall's staffing falls short of the target in 4 places: see shortfalls."


def test_a_quiet_day_meets_the_target_with_the_windows_staffed() -> None:
    quiet = forecast(A={9: 10, 12: 1}, B={9: 4})
    plan = staffing_plan(HALL, MONDAY, quiet, MEASURED)
    assert not plan.short
    answer = plan_record(HALL, plan, quiet)
    assert answer["shortfalls"] == []
    assert answer["message"] == "现排窗口均可达到服务目标（80% 的办事群众 15 分钟内叫号）。"
    # nobody expected for C: no window needed, none asked for
    assert (need(plan, "上午", "C").needed, need(plan, "上午", "C").busiest_hour) == (0, None)


def test_the_halls_target_decides() -> None:
    strict = replace(HALL, staffing=StaffingTarget(share=0.95, minutes=5))
    assert need(staffing_plan(strict, MONDAY, DAY, MEASURED), "上午", "A").needed == 7
    assert need(staffing_plan(HALL, MONDAY, DAY, {}), "上午", "A").needed == 7  # the hall's 6 minutes, not 4.5


def test_a_closed_day_and_a_hall_open_all_day() -> None:
    assert staffing_plan(HALL, date(2026, 11, 24), forecast(date(2026, 11, 24)), MEASURED).sessions == ()
    assert plan_record(HALL, staffing_plan(HALL, date(2026, 11, 28), forecast(), {}), DAY)["message_en"] == (
        "The hall is closed that day: nobody to staff."
    )
    open_all_day = staffing_plan(make_hall(), MONDAY, forecast(A={2: 20}, C={23: 1}), MEASURED)
    (whole,) = open_all_day.sessions
    assert (whole.name_en, whole.start, whole.end, whole.windows) == ("All day", time(0), None, (1, 2, 3, 4, 5))
    assert [(c.code, c.needed, c.busiest_hour) for c in whole.categories] == [("A", 2, 2), ("C", 1, 23)]


def test_the_rota_reads_windows_per_category_of_a_session() -> None:
    plan = staffing_plan(HALL, MONDAY, DAY, MEASURED)
    assert plan.clerks(MONDAY, MORNING) == {"A": 5, "B": 3, "C": 1}
    assert plan.clerks(MONDAY, LUNCH) == {"A": 2}
    assert plan.clerks(date(2026, 11, 30), MORNING) is None


@pytest.mark.parametrize(
    ("start", "end", "hours"),
    [(time(9), time(12), (9, 10, 11)), (time(12), time(13, 30), (12, 13)), (time(18, 30), time(20, 30), (18, 19, 20))],
)
def test_the_hours_a_session_touches(start: time, end: time, hours: tuple[int, ...]) -> None:
    assert hours_touched(start, end) == hours
