"""Statistics (统计): a small history made through the real scripts, every figure computed by hand; and the pure
parts (percentiles, window open time) as tables."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from redis.asyncio import Redis

from queue_server.core.hall import Hall, Service, Session, Window
from queue_server.core.statistics.summary import summarise
from queue_server.core.statistics.visits import nearest_rank
from queue_server.core.statistics.windows import open_intervals
from queue_server.store import keys
from queue_server.store.hall_store import HallStore, Scripts
from queue_server.web.stats.api import load_statistics
from tests.conftest import SHANGHAI

DAY = date(2026, 11, 23)  # a Monday: the morning session runs
MORNING_SESSION = Session("上午", "Morning", time(9, 0), time(12, 0))  # all windows, 30 min extension


def at(hh: int, mm: int, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=SHANGHAI)


def small_hall() -> Hall:
    """Window 1 serves A; window 2 serves B and is tidal; one morning session staffs both."""
    return Hall(
        id="st",
        name="统计测试中心",
        name_en="Statistics Test Centre",
        timezone=SHANGHAI,
        rollover=time(3, 0),
        services=(Service("A", "公安户政", "ID cards", 6), Service("B", "社保", "Social insurance", 10)),
        windows=(Window(1, ("A",)), Window(2, ("B",), tidal=True)),
        sessions=(MORNING_SESSION,),
    )


@pytest.fixture
def st(redis: Redis) -> HallStore:
    return HallStore(redis, Scripts(redis), small_hall())


def by_code(summary: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["code"]: c for c in summary["categories"]}


def by_window(summary: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {w["number"]: w for w in summary["windows"]}


def hours(summary: dict[str, Any], key: str, *wanted: str) -> list[Any]:
    return [summary[key][h] for h in wanted]


@pytest.mark.asyncio
async def test_a_small_day_matches_the_hand_computed_figures(st: HallStore, redis: Redis) -> None:
    w1, w2 = st.hall.windows
    await st.issue(at(9, 0), "A")  # A001
    await st.issue(at(9, 5), "A")  # A002
    await st.issue(at(9, 10), "B")  # B001
    await st.call_next(at(9, 10), w1)  # A001 to window 1: waited 10
    await st.call_next(at(9, 12), w2)  # B001 to window 2: waited 2
    await st.complete(at(9, 20), 1)  # A001 served in 10
    await st.issue(at(9, 20), "A")  # A003
    await st.tidal(at(9, 25), 2, "A", manual=True, cause="manual", reason="by hand")  # 潮汐: window 2 now calls A
    await st.call_next(at(9, 30), w2)  # completes B001 (18), calls A002 while switched: waited 25, tidal
    await st.call_next(at(9, 32), w1)  # A003 to window 1: waited 12
    await st.skip(at(9, 35), 1)  # A003 did not come (过号): window 1 held it 3 minutes

    # --- at 09:36, a day in progress ------------------------------------------------------------------------
    early = await load_statistics(st, DAY, DAY, at(9, 36))
    # Both windows were open 09:00-09:36 = 36 min. Window 1 served 10 (A001) + 3 (A003) = 13: 13/36 = 0.3611.
    # Window 2 served B001 09:12-09:30 and holds A002 since 09:30, counted up to now: 18 + 6 = 24: 24/36 = 0.6667.
    windows = by_window(early)
    assert [(w["open_minutes"], w["serving_minutes"], w["busy_ratio"]) for w in windows.values()] == [
        (36.0, 13.0, 0.3611),
        (36.0, 24.0, 0.6667),
    ]
    assert [(w["served"], w["mean_handling"]) for w in windows.values()] == [(1, 10.0), (1, 18.0)]
    a = by_code(early)["A"]
    # A: issued A001-A003; A001 served, A002 at window 2, A003 skipped. Waits 10, 25, 12 → sorted 10, 12, 25:
    # p50 = ⌈0.5·3⌉ = 2nd = 12, p90 = ⌈0.9·3⌉ = 3rd = 25, mean 47/3 = 15.67.
    assert (a["issued"], a["served"], a["skipped"], a["at_window"], a["waiting_now"]) == (3, 1, 1, 1, 0)
    assert (a["wait_p50"], a["wait_p90"], a["wait_max"], a["wait_mean"]) == (12.0, 25.0, 25.0, 15.67)
    # Waiting in hour 09: A001 10 + A002 25 + B001 2 + A003 12 = 49 visitor-minutes over the 36 minutes observed.
    assert hours(early, "waiting_per_hour", "08", "09", "10") == [0.0, round(49 / 36, 4), None]

    await st.complete(at(9, 40), 2)  # A002 served in 10, at a switched tidal window
    await st.pause(at(10, 0), 1)  # 暂停

    # --- at 10:15 window 1 is paused; its pause is not recorded yet, the loader counts it up to now ---------------
    paused = by_window(await load_statistics(st, DAY, DAY, at(10, 15)))[1]
    # open 09:00-10:15 = 75 min − 15 paused = 60; serving 13 → 13/60 = 0.2167.
    assert (paused["open_minutes"], paused["paused_minutes"], paused["busy_ratio"]) == (60.0, 15.0, 0.2167)

    await st.resume(at(10, 30), 1)  # paused 30 minutes in all
    await st.issue(at(11, 50), "A")  # A004
    await st.call_next(at(11, 55), w1)  # A004: waited 5
    await st.issue(at(11, 58), "B")  # B002: window 2 is switched to A, nobody calls B any more
    await st.complete(at(12, 10), 1)  # A004 served in 15, after the session's end (延时服务)
    await st.roll_over(at(3, 0, DAY + timedelta(days=1)))  # the next business day: B002 expires
    for booking in (
        {"code": "K1", "service": "A", "date": "2026-11-23", "slot": "09:00", "state": "checked_in"},
        {"code": "K2", "service": "A", "date": "2026-11-23", "slot": "09:30", "state": "no_show"},
        {"code": "K3", "service": "B", "date": "2026-11-23", "slot": "10:00", "state": "cancelled"},
        {"code": "K4", "service": "B", "date": "2026-11-23", "slot": "11:00", "state": "booked"},
        {"code": "K5", "service": "B", "date": "2026-11-24", "slot": "09:00", "state": "booked"},  # another day
    ):
        await redis.hset(keys.bookings("st"), booking["code"], json.dumps(booking))
    await redis.hset(keys.bookings("st"), "K6", "not json")  # read defensively: left out

    # --- the whole day, read the next morning ------------------------------------------------------------------
    day = await load_statistics(st, DAY, DAY, at(10, 0, DAY + timedelta(days=1)))
    assert day["period"] == {
        "first": "2026-11-23", "last": "2026-11-23", "session": None, "days": 1, "active_days": 1,
        "now": "2026-11-24T10:00:00+08:00",
    }  # fmt: skip
    a, b = by_code(day)["A"], by_code(day)["B"]
    # A: A001-A004 issued; A001, A002, A004 served; A003 skipped. Waits 10, 25, 12, 5 → sorted 5, 10, 12, 25:
    # p50 = ⌈0.5·4⌉ = 2nd = 10, p90 = ⌈0.9·4⌉ = 4th = 25, mean 52/4 = 13. Handling 10, 10, 15 → 35/3 = 11.67.
    assert (a["issued"], a["served"], a["skipped"], a["expired"], a["waiting_now"]) == (4, 3, 1, 0, 0)
    assert (a["wait_p50"], a["wait_p90"], a["wait_max"], a["wait_mean"], a["mean_handling"]) == (
        10.0, 25.0, 25.0, 13.0, 11.67,
    )  # fmt: skip
    # B: B001 served (waited 2, handled 18); B002 expired at the rollover.
    assert (b["issued"], b["served"], b["skipped"], b["expired"]) == (2, 1, 0, 1)
    assert (b["wait_p50"], b["wait_p90"], b["wait_max"], b["mean_handling"]) == (2.0, 2.0, 2.0, 18.0)
    # All: 6 issued, 4 served, 1 skipped, 1 expired. Waits 2, 5, 10, 12, 25: p50 = 3rd = 10, p90 = ⌈4.5⌉ = 5th = 25,
    # mean 54/5 = 10.8. Handling 10, 18, 10, 15 → 53/4 = 13.25.
    assert day["overall"] == {
        "issued": 6, "served": 4, "skipped": 1, "expired": 1, "at_window": 0, "still_waiting": 0,
        "wait_p50": 10.0, "wait_p90": 25.0, "wait_max": 25.0, "wait_mean": 10.8, "mean_handling": 13.25,
    }  # fmt: skip

    # Window 1: staffed 09:00-12:00, open on until A004 left at 12:10 (延时服务) = 190 min, minus 30 paused = 160.
    # Serving: 10 (A001) + 3 (A003, until the skip) + 15 (A004) = 28 → 28/160 = 0.175. Served A001, A004: (10+15)/2.
    # Window 2: open 09:00-12:00 = 180; serving B001 09:12-09:30 + A002 09:30-09:40 = 28 → 28/180 = 0.1556.
    assert day["windows"] == [
        {
            "number": 1, "tidal": False, "services": ["A"], "open_minutes": 160.0, "serving_minutes": 28.0,
            "paused_minutes": 30.0, "busy_ratio": 0.175, "served": 2, "tidal_served": 0, "mean_handling": 12.5,
        },
        {
            "number": 2, "tidal": True, "services": ["B"], "open_minutes": 180.0, "serving_minutes": 28.0,
            "paused_minutes": 0.0, "busy_ratio": 0.1556, "served": 2, "tidal_served": 1, "mean_handling": 14.0,
        },
    ]  # fmt: skip
    # 忙闲率差异: 0.175 − 28/180 = 0.019444 → 0.0194; two windows: the population stdev is half of it, 0.0097.
    assert day["busy_spread"] == {"windows": 2, "max": 0.175, "min": 0.1556, "max_minus_min": 0.0194, "stdev": 0.0097}
    # Served 4; A002 was called at window 2 while switched: 1/4. At the tidal window at all: B001, A002 = 2/4.
    assert day["tidal_share"] == {
        "served": 4, "tidal_served": 1, "share": 0.25, "at_tidal_windows": 2, "at_tidal_windows_share": 0.5,
    }  # fmt: skip
    # Bookings for the 23rd: K1 checked in, K2 missed, K3 cancelled, K4 still booked → booked = 3 (all but K3).
    assert day["appointments"] == {"booked": 3, "checked_in": 1, "missed": 1, "cancelled": 1, "pending": 1}
    # Arrivals: 09:00, 09:05, 09:10, 09:20 in hour 09; 11:50, 11:58 in hour 11.
    assert hours(day, "arrivals_per_hour", "08", "09", "10", "11", "12") == [0, 4, 0, 2, 0]
    # Waiting: hour 09 as above, 49/60. Hour 11: A004 11:50-11:55 (5) + B002 from 11:58 (2) = 7/60. B002, never
    # called, waits until the hall closed: the session's end 12:00 + 30 min extension = 12:30 → 30/60 in hour 12.
    assert hours(day, "waiting_per_hour", "08", "09", "10", "11", "12", "13") == [
        0.0, round(49 / 60, 4), 0.0, round(7 / 60, 4), 0.5, 0.0,
    ]  # fmt: skip


T0 = 1_800_000_000.0  # a moment; the open-time tables count in minutes after it


def m(minute: float) -> float:
    return T0 + minute * 60


def spans(*pairs: tuple[float, float]) -> list[tuple[float, float]]:
    return [(m(a), m(b)) for a, b in pairs]


@pytest.mark.parametrize(
    ("staffed", "visits", "selected", "expected"),
    [
        # no session staffs the window (a hall without sessions): first call to last visitor leaving
        ([], [(10, 20), (50, 55)], None, [(10, 55)]),
        ([], [], None, []),
        ([], [(10, 20)], {"上午"}, []),
        # staffed 0-180; an idle window is open all the same
        ([(0, 180, "上午")], [], None, [(0, 180)]),
        # 延时服务: a visitor called at 175 leaves at 190, a later one called at 192 leaves at 200: open until 200
        ([(0, 180, "上午")], [(175, 190), (192, 200)], None, [(0, 200)]),
        # a visitor called before the session opens it early
        ([(0, 180, "上午")], [(-10, 5)], None, [(-10, 180)]),
        # two sessions that touch form one stretch: only its end is extended
        ([(0, 180, "上午"), (180, 270, "午间")], [(170, 185), (265, 280)], None, [(0, 280)]),
        # a lunch break between two stretches: a visitor called at 178 keeps the window open until 195 only
        ([(0, 180, "上午"), (270, 480, "下午")], [(178, 195)], None, [(0, 195), (270, 480)]),
        # one session of a stretch: the morning gets the early opening, the lunch session the time after its end
        ([(0, 180, "上午"), (180, 270, "午间")], [(-5, 2), (265, 280)], {"上午"}, [(-5, 180)]),
        ([(0, 180, "上午"), (180, 270, "午间")], [(-5, 2), (265, 280)], {"午间"}, [(180, 280)]),
        ([(0, 180, "上午"), (270, 480, "下午")], [(178, 195)], {"下午"}, [(270, 480)]),
    ],
)
def test_when_a_window_is_open(
    staffed: list[tuple[float, float, str]],
    visits: list[tuple[float, float]],
    selected: set[str] | None,
    expected: list[tuple[float, float]],
) -> None:
    times = [(m(a), m(b), name) for a, b, name in staffed]
    assert open_intervals(times, spans(*visits), selected) == spans(*expected)


@pytest.mark.parametrize(
    ("values", "percent", "expected"),
    [
        ([], 50, None),
        ([7], 50, 7),
        ([7], 90, 7),
        ([3, 1, 2], 50, 2),  # ⌈1.5⌉ = 2nd
        ([1, 2, 3, 4], 50, 2),  # ⌈2⌉ = 2nd: nearest rank never averages
        ([1, 2, 3, 4], 90, 4),  # ⌈3.6⌉ = 4th
        (list(range(1, 71)), 90, 63),  # ⌈63⌉ exactly: 0.9 · 70 in floating point would give the 64th
        (list(range(1, 11)), 90, 9),
        (list(range(1, 12)), 90, 10),  # ⌈9.9⌉ = 10th
    ],
)
def test_nearest_rank_percentiles(values: list[float], percent: int, expected: float | None) -> None:
    assert nearest_rank(values, percent) == expected


def ticket(number: str, issued: datetime, **more: Any) -> dict[str, Any]:
    """A stored ticket as the scripts write it (only the fields the statistics read)."""
    called = more.pop("called", None)
    data: dict[str, Any] = {
        "id": f"h.{number}", "number": number, "service": number[0], "state": "waiting",
        "business_day": issued.date().isoformat(), "issued_at": issued.isoformat(),
    }  # fmt: skip
    if called is not None:
        data.update(called_at=called.isoformat(), state="served")
    data.update(more)
    return data


def lunch_hall() -> Hall:
    """Window 1 serves A in the morning and at lunch; window 2 serves A in the morning only."""
    return Hall(
        id="h",
        name="午间测试",
        name_en="Lunch test",
        timezone=SHANGHAI,
        rollover=time(3, 0),
        services=(Service("A", "公安户政", "ID cards", 6),),
        windows=(Window(1, ("A",)), Window(2, ("A",))),
        sessions=(
            MORNING_SESSION,
            Session("午间", "Lunch", time(12, 0), time(13, 0), windows=(1,), extension_minutes=10),
        ),
    )


def test_a_session_narrows_tickets_and_windows_to_its_hours() -> None:
    tickets = [
        ticket("A001", at(9, 0), called=at(9, 10), window=1, finished_at=at(9, 30).isoformat()),
        ticket("A002", at(11, 50), called=at(11, 58), window=1, finished_at=at(12, 20).isoformat()),
        ticket("A003", at(12, 30), called=at(12, 50), window=1, finished_at=at(13, 5).isoformat()),
        ticket("A004", at(12, 40)),  # still waiting at 14:00
    ]
    now = at(14, 0)
    paused = {"2026-11-23|1": 40 * 60_000}
    whole = summarise(lunch_hall(), tickets, DAY, DAY, paused_ms=paused, now=now)
    lunch = summarise(lunch_hall(), tickets, DAY, DAY, paused_ms=paused, now=now, session="Lunch")
    # Whole day, window 1: 09:00-13:00 staffed, A003 leaves at 13:05 → 245 min − 40 paused = 205; serving 20+22+15.
    assert by_window(whole)[1]["open_minutes"] == 205.0
    assert by_window(whole)[1]["serving_minutes"] == 57.0
    # Lunch only: 12:00-13:05 = 65 min, its share of the pause 40·65/245 = 10.61; serving A002 12:00-12:20 and A003.
    one = by_window(lunch)[1]
    assert (one["open_minutes"], one["paused_minutes"], one["serving_minutes"]) == (
        round(65 - 40 * 65 / 245, 2), round(40 * 65 / 245, 2), 35.0,
    )  # fmt: skip
    assert one["served"] == 1  # A003 was called at lunch; A002 in the morning
    # Window 2 is not staffed at lunch.
    assert by_window(lunch)[2]["open_minutes"] == 0.0
    assert by_window(lunch)[2]["busy_ratio"] is None
    assert lunch["busy_spread"]["windows"] == 1
    # Tickets issued at lunch: A003 (waited 20) and A004, still waiting.
    assert (lunch["overall"]["issued"], lunch["overall"]["wait_max"], lunch["overall"]["still_waiting"]) == (2, 20.0, 1)
    assert lunch["period"]["session"] == "Lunch"
    # A004 waits 12:40 until the hall closed: the lunch session's end 13:00 + 10 = 13:10 → 20 min in hour 12,
    # 10 in hour 13; A003 waited 12:30-12:50. Hour 12: (20 + 20) / 60; hour 13: 10/60.
    assert hours(lunch, "waiting_per_hour", "12", "13") == [round(40 / 60, 4), round(10 / 60, 4)]


def test_a_ticket_left_at_a_window_overnight_counts_until_the_window_closes() -> None:
    """A clerk went home without pressing 办结; the next morning's 呼叫下一位 completed the ticket."""
    tickets = [
        ticket("A001", at(11, 0), called=at(11, 50), window=1, finished_at=at(9, 0, DAY + timedelta(1)).isoformat())
    ]
    summary = summarise(lunch_hall(), tickets, DAY, DAY, now=at(12, 0, DAY + timedelta(1)))
    window = by_window(summary)[1]
    # Window 1 closes at 13:00 + 10 min: serving 11:50-13:10 = 80 min; its handling time is unknown.
    assert (window["open_minutes"], window["serving_minutes"], window["served"]) == (250.0, 80.0, 1)
    assert window["mean_handling"] is None
    assert summary["overall"]["mean_handling"] is None


def test_summarise_refuses_a_backwards_period_and_an_unknown_session() -> None:
    with pytest.raises(ValueError, match="ends"):
        summarise(lunch_hall(), [], DAY, DAY - timedelta(days=1))
    with pytest.raises(ValueError, match="no session"):
        summarise(lunch_hall(), [], DAY, DAY, session="夜间")


def test_an_empty_period_has_counts_of_zero_and_no_ratios() -> None:
    summary = summarise(lunch_hall(), [{"garbage": True}, {"business_day": "2026-11-23"}], DAY, DAY, now=at(8, 0))
    assert summary["overall"]["issued"] == 0
    assert summary["overall"]["wait_p50"] is None
    assert summary["tidal_share"]["share"] is None
    assert summary["busy_spread"]["max_minus_min"] is None
    assert set(summary["waiting_per_hour"].values()) == {None}
    assert sum(summary["arrivals_per_hour"].values()) == 0
