"""The rota's needs and rules as pure tables: which posts a month has, who may take them, and each rule's breach
with the words a supervisor reads."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from queue_server.core.hall import Calendar, Clerk, Hall, Service, Session, Window
from queue_server.rota.needs import Month, Post, TimeOff, month_of, posts, qualified
from queue_server.rota.reasons import shortages
from queue_server.rota.rules import check, fairness

SHANGHAI = ZoneInfo("Asia/Shanghai")
TUE = date(2026, 12, 1)  # the month starts on a Tuesday
SAT, SUN, MON = date(2026, 12, 5), date(2026, 12, 6), date(2026, 12, 7)
HOLIDAY = date(2026, 12, 12)  # a Saturday made a holiday in this calendar


def hall(clerks: tuple[Clerk, ...] | None = None) -> Hall:
    """Windows 1 (A) and 2 (B), 3 (A, B) a reserve window; mornings on working days at 1 and 2, a Monday evening
    at 1, a morning at 1 on rest days, and a market morning on Saturday 5 December at 1 that overlaps it."""
    return Hall(
        id="r1",
        name="排班测试中心",
        name_en="Rota Test Centre",
        timezone=SHANGHAI,
        rollover=time(3, 0),
        services=(Service("A", "户政", "ID", 8), Service("B", "社保", "Social insurance", 10)),
        windows=(Window(1, ("A",)), Window(2, ("B",)), Window(3, ("A", "B"), reserve=True)),
        clerks=clerks
        if clerks is not None
        else (
            Clerk("ann", "一号", "x", windows=(1,), display_name="王芳"),
            Clerk("bob", "二号", "x", windows=(2,), display_name="李娜"),
            Clerk("cat", "综合一", "x", skills=("A",), display_name="张伟", hours_per_week=40),
            Clerk("dan", "综合二", "x", skills=("B",), display_name="刘洋"),
            Clerk("eve", "综合三", "x", skills=("A",), display_name="赵敏"),
            Clerk("guide", "导办台", "x", role="guide"),
        ),
        sessions=(
            Session("上午", "Morning", time(9), time(12), windows=(1, 2)),
            Session("晚间", "Evening", time(17), time(18, 30), weekdays=frozenset({0}), windows=(1,)),
            Session("周末", "Weekend", time(9), time(12), on="restdays", windows=(1,)),
            Session("赶场", "Market", time(9), time(13), on="dates", dates=frozenset({SAT}), windows=(1,)),
        ),
        calendar=Calendar(holidays=frozenset({HOLIDAY})),
    )


def month(
    days: int = 14,
    leave: Mapping[str, frozenset[date]] | None = None,
    before: Mapping[str, Mapping[date, int]] | None = None,
    clerks: tuple[Clerk, ...] | None = None,
) -> Month:
    the_hall = hall(clerks)
    span = [TUE + timedelta(days=i) for i in range(days)]
    return Month(the_hall, tuple(span), tuple(posts(the_hall, span)), leave or {}, before or {})


def key(day: date, start: str, window: int) -> str:
    return f"{day.isoformat()} {start} #{window}"


def covered(m: Month, **by_window: str) -> dict[str, str]:
    """Every post of ``m`` to the clerk named for its window (``w1="ann"``)."""
    return {p.key: by_window[f"w{p.window}"] for p in m.posts if f"w{p.window}" in by_window}


# --- needs ------------------------------------------------------------------------------------------------------


def test_posts_of_a_working_day_a_monday_and_a_saturday() -> None:
    m = month(7)
    by_day: dict[date, list[Post]] = {}
    for p in m.posts:
        by_day.setdefault(p.day, []).append(p)
    assert [(p.window, p.start, p.end, p.kind) for p in by_day[TUE]] == [
        (1, time(9), time(12), "regular"),
        (2, time(9), time(12), "regular"),
    ]
    assert [(p.window, p.kind) for p in by_day[MON]] == [(1, "regular"), (2, "regular"), (1, "evening")]
    # The Saturday and market mornings overlap at window 1: one post, one clerk, till the later end.
    (saturday,) = by_day[SAT]
    assert (saturday.window, saturday.start, saturday.end, saturday.kind) == (1, time(9), time(13), "weekend")
    assert saturday.sessions == ("周末", "赶场") and saturday.name_en == "Weekend + Market"
    assert [(p.window, p.kind) for p in by_day[SUN]] == [(1, "weekend")]
    assert all(p.window != 3 for p in m.posts)  # the reserve window is never a post
    assert saturday.key == "2026-12-05 09:00 #1"


def test_a_holiday_post_is_holiday_duty() -> None:
    m = month(14)
    assert [p.kind for p in m.posts if p.day == HOLIDAY] == ["holiday"]
    assert [p.kind for p in m.posts if p.day == HOLIDAY + timedelta(days=1)] == ["weekend"]


class Plan:
    """A staffing plan that wants two clerks for A in the morning of 1 December, and none for B."""

    def clerks(self, day: date, session: Session) -> dict[str, int] | None:
        return {"A": 2, "B": 0} if day == TUE and session.name == "上午" else None


def test_a_staffing_plan_adds_windows_where_it_wants_more_never_fewer() -> None:
    the_hall = hall()
    with_plan = posts(the_hall, [TUE], Plan())
    without = posts(the_hall, [TUE])
    # A wants 2: window 1 serves A, window 2 does not and the reserve window never counts, so no window is left to
    # add; B wants 0, yet window 2 stays staffed: the hall file opens it.
    assert [p.window for p in with_plan] == [p.window for p in without] == [1, 2]
    wider = replace(the_hall, windows=(*the_hall.windows, Window(4, ("A", "B"))))
    assert [(p.window, p.services) for p in posts(wider, [TUE], Plan())] == [(1, ("A",)), (2, ("B",)), (4, ("A", "B"))]


@pytest.mark.parametrize(
    ("clerk", "window", "may"),
    [
        (Clerk("ann", "一号", "x", windows=(1,)), 1, True),  # their own window
        (Clerk("ann", "一号", "x", windows=(1,), skills=("B",)), 2, False),  # may sign in at window 1 only
        (Clerk("cat", "综合", "x", skills=("A",)), 1, True),  # skills cover what window 1 serves
        (Clerk("cat", "综合", "x", skills=("A",)), 2, False),  # ... but not window 2's B
        (Clerk("flo", "机动", "x"), 2, True),  # no skills listed: any category
        (Clerk("guide", "导办台", "x", role="guide"), 1, False),  # not rostered at windows
        (Clerk("b01", "后台", "x", role="reserve"), 1, False),
    ],
)
def test_who_is_qualified_for_a_post(clerk: Clerk, window: int, may: bool) -> None:
    post = next(p for p in month(1).posts if p.window == window)
    assert qualified(clerk, post) is may


def test_approved_time_off_binds_the_month_a_request_does_not() -> None:
    requests = [TimeOff("cat", SAT, MON), TimeOff("dan", TUE, TUE, approved=False)]
    m = month_of(hall(), 2026, 12, requests)
    assert m.leave == {"cat": frozenset({SAT, SUN, MON})}
    assert len(m.days) == 31 and m.days[-1] == date(2026, 12, 31)


# --- the rules, one breach at a time -----------------------------------------------------------------------------


def a_good_week() -> tuple[Month, dict[str, str]]:
    """Seven days: ann at window 1, bob at window 2 on working days; cat takes the Saturday and Monday's evening,
    eve the Sunday."""
    m = month(7)
    rota = covered(m, w1="ann", w2="bob")
    rota[key(SAT, "09:00", 1)] = "cat"
    rota[key(SUN, "09:00", 1)] = "eve"
    rota[key(MON, "17:00", 1)] = "cat"
    return m, rota


def test_a_rota_that_keeps_every_rule_has_no_breach() -> None:
    m, rota = a_good_week()
    assert check(m, rota) == []
    assert shortages(m, rota) == []


BREACHES = [
    # (what happens, change to the good week, rule, words in Chinese, words in English)
    ("nobody at a post", {key(TUE, "09:00", 2): None}, "coverage", "12月1日 上午 2号窗口（09:00–12:00） 无人值守",
     "01 Dec Morning, window 2 (09:00–12:00): nobody on duty"),
    ("a clerk at another's window", {key(TUE, "09:00", 2): "ann"}, "qualified", "王芳（ann） 不能值守",
     "may sign in at windows 1 only"),
    ("skills that do not cover B", {key(TUE, "09:00", 2): "cat"}, "qualified", "技能不含 B", "skills lack B"),
    ("a guide-desk account", {key(TUE, "09:00", 2): "guide"}, "qualified", "导办台账号不排窗口班",
     "a guide account is not rostered at windows"),
    ("two posts at once", {key(TUE, "09:00", 2): "dan", key(TUE, "09:00", 1): "dan"}, "overlap",
     "刘洋（dan） 12月1日 同时排在 1 号和 2 号窗口（09:00 起）", "is at windows 1 and 2 at once"),
    ("duty the day after Saturday's", {key(SUN, "09:00", 1): "cat"}, "rest_after_weekend",
     "张伟（cat） 12月5日 周末或节假日值班，12月6日 应休息。",
     "张伟 (cat) is on weekend or holiday duty on 05 Dec, so 06 Dec must be a rest day."),
    ("duty the day after Sunday's", {key(MON, "09:00", 1): "eve"}, "rest_after_weekend",
     "赵敏（eve） 12月6日 周末或节假日值班，12月7日 应休息。", "so 07 Dec must be a rest day"),
    ("no such post", {"2026-12-01 08:00 #1": "ann"}, "unknown_post", "本月没有岗位 2026-12-01 08:00 #1",
     "The month has no post"),
    ("no such clerk", {key(TUE, "09:00", 1): "zed"}, "unknown_clerk", "没有工作人员 zed", "No clerk 'zed'"),
]  # fmt: skip


@pytest.mark.parametrize(("what", "change", "rule", "zh", "en"), BREACHES, ids=[b[0] for b in BREACHES])
def test_each_breach_is_named_plainly(what: str, change: dict[str, str | None], rule: str, zh: str, en: str) -> None:
    m, rota = a_good_week()
    for k, name in change.items():
        if name is None:
            rota.pop(k)
        else:
            rota[k] = name
    found = [v for v in check(m, rota) if v.rule == rule]
    assert len(found) >= 1, check(m, rota)
    assert zh in found[0].message and en in found[0].message_en


def test_a_seventh_day_in_a_row_is_refused_and_six_are_fine() -> None:
    m = month(14, clerks=(Clerk("cat", "综合", "x", skills=("A", "B"), display_name="张伟"),))
    working = [p for p in m.posts if p.window == 1 and p.kind in ("regular", "weekend", "holiday")]
    six = {p.key: "cat" for p in working if date(2026, 12, 7) <= p.day <= date(2026, 12, 12)}  # Mon 7 … Sat 12
    six |= {key(date(2026, 12, 14), "09:00", 1): "cat"}  # Sunday 13 rests (after the holiday): Monday 14 is fine
    assert [v.rule for v in check(m, six) if v.rule not in ("coverage", "fairness")] == []
    before = {"cat": {TUE - timedelta(days=n): 360 for n in range(1, 7)}}  # six days at the end of November
    late = month(14, before=before, clerks=m.hall.clerks)
    (breach,) = [v for v in check(late, {key(TUE, "09:00", 1): "cat"}) if v.rule == "days_in_a_row"]
    assert breach.message == "张伟（cat） 11月25日至12月1日 连续上班 7 天，最多 6 天。"
    assert breach.message_en == "张伟 (cat) works 7 days in a row, 25 Nov to 01 Dec; at most 6."
    assert breach.day == TUE


def test_saturday_then_monday_is_allowed_and_a_morning_and_evening_do_not_overlap() -> None:
    m, rota = a_good_week()
    rota[key(MON, "09:00", 1)] = "cat"  # Saturday's duty, Sunday off, then Monday's morning and evening
    assert check(m, rota) == []


def test_time_off_and_contracted_hours() -> None:
    clerks = (
        Clerk("ann", "一号", "x", windows=(1,), display_name="王芳", hours_per_week=5),
        Clerk("bob", "二号", "x", windows=(2,), display_name="李娜"),
    )
    m = month(7, leave={"bob": frozenset({TUE})}, clerks=clerks)
    rota = covered(m, w1="ann", w2="bob")
    found = check(m, rota)
    (off,) = [v for v in found if v.rule == "time_off"]
    assert off.message == "李娜（bob） 12月1日 已批准休假，不能排班。"
    assert off.message_en == "李娜 (bob) has approved time off on 01 Dec, and may not be on duty."
    hours = [v for v in found if v.rule == "hours"]
    # ann: 1–6 December are the week of 30 November (4 mornings, Saturday's 4 hours, Sunday's 3: 19 h); Monday
    # 7th starts the next (3 h morning + 1.5 h evening = 4.5 h, within 5).
    assert [v.message for v in hours] == ["王芳（ann） 11月30日起的一周排班 19 小时，超过合同工时 5 小时。"]
    assert hours[0].message_en == "王芳 (ann) has 19 hours in the week of 30 Nov, over the contracted 5."


def test_fair_duty_is_within_one_of_the_mean() -> None:
    clerks = (
        Clerk("ann", "一号", "x", windows=(1,), display_name="王芳"),
        Clerk("cat", "综合", "x", skills=("A",), display_name="张伟"),
    )
    m = month(14, clerks=clerks)  # two Monday evenings (7th, 14th) and two Saturdays at window 1
    evenings = [p for p in m.posts if p.kind == "evening"]
    assert len(evenings) == 2
    all_to_ann = {p.key: "ann" for p in evenings}
    tables = fairness(m, all_to_ann)
    assert tables["evening"].mean == 1.0
    assert {n: s.count for n, s in tables["evening"].shares.items()} == {"ann": 2, "cat": 0}
    # 2 and 0 against a mean of 1: both within one of it, so fair
    assert [v for v in check(m, all_to_ann) if v.rule == "fairness" and v.kind == "evening"] == []
    longer = month(31, clerks=clerks)  # four Monday evenings
    evenings = [p for p in longer.posts if p.kind == "evening"]
    unfair = {p.key: "ann" for p in evenings}
    breaches = [v for v in check(longer, unfair) if v.rule == "fairness" and v.kind == "evening"]
    assert [v.clerk for v in breaches] == ["ann", "cat"]
    assert breaches[0].message == "王芳（ann） 本月晚间值班 4 天，平均 2.0 天，应在 1.0–3.0 天之间。"
    assert breaches[1].message_en == "张伟 (cat) has 0 evening duties this month; the mean is 2.0, so 1.0–3.0."


def test_a_clerk_with_fewer_chances_than_the_mean_is_held_to_them() -> None:
    clerks = (
        Clerk("ann", "一号", "x", windows=(1,), display_name="王芳"),
        Clerk("eve", "综合", "x", skills=("A",), display_name="赵敏"),
        Clerk("bob", "二号", "x", windows=(2,), display_name="李娜"),  # never at window 1: no evening chance
    )
    leave = {"eve": frozenset(TUE + timedelta(days=i) for i in range(7, 31))}
    m = month(31, leave=leave, clerks=clerks)  # eve may take only the evening of 7 December
    evenings = sorted((p for p in m.posts if p.kind == "evening"), key=lambda p: p.day)
    rota = {p.key: "ann" for p in evenings}
    table = fairness(m, rota)["evening"]
    assert set(table.shares) == {"ann", "eve"}  # bob could take none: not in the mean
    assert (table.mean, table.shares["eve"].days, table.shares["eve"].low) == (2.0, 1, 1.0)
    assert [v.clerk for v in check(m, rota) if v.rule == "fairness" and v.kind == "evening"] == ["ann", "eve"]
    rota[evenings[0].key] = "eve"
    assert [v.clerk for v in check(m, rota) if v.rule == "fairness" and v.kind == "evening"] == []


def test_what_cannot_be_covered_is_said_with_the_reason() -> None:
    m = month(7, leave={"cat": frozenset({SAT})})
    rota = covered(m, w1="ann", w2="bob")
    del rota[key(SAT, "09:00", 1)]  # ann works 1–4 and 6–7 December: Saturday would be a seventh day
    (short,) = [s for s in shortages(m, rota)]
    assert (short.day, short.session, short.windows, short.short) == (SAT, "周末、赶场", (1,), 1)
    assert short.reason == (
        "缺 1 人：没有具备资格的人员空闲（王芳（ann）：将连续上班超过 6 天；张伟（cat）：休假；"
        "赵敏（eve）：可以值守，但排班时限内未排上）。"
    )
    assert short.reason_en.startswith("1 short: no qualified clerk is free (王芳 (ann) would work a seventh day in a ")
    nobody = month(1, clerks=(Clerk("ann", "一号", "x", windows=(1,)),))
    (short,) = shortages(nobody, covered(nobody, w1="ann"))
    assert short.windows == (2,)
    assert short.reason == "缺 1 人：没有人具备资格（2号窗口的本窗口人员，或具备 B 技能的人员）。"
    assert short.reason_en == "1 short: no clerk is qualified (window 2's own clerks, or skills in B)."


def test_sunday_duty_at_the_end_of_last_month_rests_the_first_monday() -> None:
    the_hall = hall()
    days = [MON + timedelta(days=i) for i in range(7)]  # a month that starts on a Monday, for the case
    m = Month(the_hall, tuple(days), tuple(posts(the_hall, days)), {}, {"eve": {SUN: 180}})
    (breach,) = [v for v in check(m, {key(MON, "09:00", 1): "eve"}) if v.rule == "rest_after_weekend"]
    assert breach.message == "赵敏（eve） 12月6日 周末或节假日值班，12月7日 应休息。"
