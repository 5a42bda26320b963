"""The tidal controller against a real Redis, driven tick by tick with a fixed clock (never by sleeping)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

import pytest
from redis.asyncio import Redis

from queue_server.config.loader import load_halls
from queue_server.core.hall import Clerk
from queue_server.store import arrivals, keys
from queue_server.store.bookings import Bookings
from queue_server.store.hall_store import HallStore, Scripts
from queue_server.store.tidal_controller import TidalController
from tests.conftest import MORNING, make_hall
from tests.records import switched
from tests.store.test_tidal_desk import demo_hall

pytestmark = pytest.mark.asyncio


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


async def tidal_events(redis: Redis, hall_id: str) -> list[dict[str, Any]]:
    entries = cast(list[tuple[str, dict[str, str]]], await redis.xrange(keys.events(hall_id)))
    return [json.loads(f["data"]) for _, f in entries if f["type"].startswith("tidal_")]


async def test_a_congested_line_gets_the_tidal_window_and_gives_it_back(store: HallStore, redis: Redis) -> None:
    for _ in range(20):
        await store.issue(MORNING, "A")  # 20 × 6 min ÷ 3 windows serving A = 40 min predicted wait
    controller = TidalController(store)
    assert await controller.tick(MORNING) == []  # congested, but not for long enough yet
    assert await controller.tick(MORNING + minutes(4)) == []
    opened = await controller.tick(MORNING + minutes(5))
    assert [(a.kind, a.window, a.service, a.cause) for a in opened] == [("open", 5, "A", "congested")]
    window = (await store.snapshot(MORNING + minutes(5)))["windows"][4]
    assert (window["services"], switched(window)["manual"]) == (["A", "C"], False)  # A first, then its own C
    (event,) = await tidal_events(redis, "t1")
    assert (event["type"], event["window"], event["service"]) == ("tidal_opened", 5, "A")
    assert "40" in event["reason"]

    # Window 5 now calls A; the line empties, stays calm, and the window goes back to C.
    tidal = store.hall.window(5)
    assert tidal is not None
    while (await store.call_next(MORNING + minutes(6), tidal))["ticket"]:
        pass
    for number in (1, 3, 4):
        regular = store.hall.window(number)
        assert regular is not None
        while (await store.call_next(MORNING + minutes(6), regular))["ticket"]:
            pass
    assert await controller.tick(MORNING + minutes(10)) == []  # calm from now on
    assert await controller.tick(MORNING + minutes(19)) == []
    closed = await controller.tick(MORNING + minutes(21))
    assert [(a.kind, a.window, a.service, a.cause) for a in closed] == [("close", 5, "A", "calm")]
    assert [e["type"] for e in await tidal_events(redis, "t1")] == ["tidal_opened", "tidal_closed"]
    assert (await store.snapshot(MORNING + minutes(21)))["windows"][4]["services"] == ["C"]


async def test_a_hand_made_switch_is_left_alone(store: HallStore, redis: Redis) -> None:
    await store.tidal(MORNING, 5, "B", manual=True, cause="manual", reason="supervisor")
    controller = TidalController(store)
    for t in range(0, 60, 5):  # an hour of an empty hall: B is calm, yet the supervisor's switch stays
        assert await controller.tick(MORNING + minutes(t)) == []
    assert switched((await store.snapshot(MORNING))["windows"][4])["service"] == "B"


async def test_the_controller_remembers_across_processes(store: HallStore) -> None:
    for _ in range(20):
        await store.issue(MORNING, "A")
    await TidalController(store).tick(MORNING)  # this process notices the congestion, then dies
    successor = TidalController(store)  # another process, with the memory kept in Redis
    assert [a.window for a in await successor.tick(MORNING + minutes(5))] == [5]


async def test_a_seasonal_plan_from_the_hall_file_switches_its_window(redis: Redis, config_dir: Path) -> None:
    """报税季 in the demo hall's file pre-assigns window 14 to tax (D), whatever the lines."""
    hall = load_halls(config_dir)["demo"]
    store = HallStore(redis, Scripts(redis), hall)
    controller = TidalController(store, hall.tidal_policy, hall.seasons)
    spring = datetime(2026, 4, 1, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    opened = await controller.tick(spring)
    assert [(a.window, a.service, a.cause) for a in opened] == [(14, "D", "seasonal")]
    assert "报税季" in opened[0].reason
    assert (await controller.tick(spring.replace(month=6)))[0].kind == "close"  # the season is over


@pytest.mark.parametrize(
    ("moment", "switched"),
    [
        (datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")), True),  # a weekday: 13 and 14 staffed
        (datetime(2026, 11, 23, 12, 30, tzinfo=ZoneInfo("Asia/Shanghai")), False),  # lunch: 1, 6, 7, 10, 12 only
    ],
)
async def test_an_unstaffed_tidal_window_is_never_switched(
    redis: Redis, config_dir: Path, moment: datetime, switched: bool
) -> None:
    """A tidal window that no running session staffs looks idle, but nobody sits there to call anyone: at lunch
    the back office is asked for help instead (后台力量: an alert for reserve window 15)."""
    hall = demo_hall(config_dir)
    store = HallStore(redis, Scripts(redis), hall)
    controller = TidalController(store, hall.tidal_policy, hall.seasons)
    for _ in range(40):
        await store.issue(moment, "B")  # social insurance: far past the congestion threshold
    await controller.tick(moment)
    acted = await controller.tick(moment + minutes(4))
    assert [a.service for a in acted if a.kind == "open"] == (["B"] if switched else [])
    assert [(a.kind, a.window) for a in acted if a.kind != "open"] == ([] if switched else [("reserve", 15)])


async def test_a_switched_window_goes_home_when_its_session_ends(redis: Redis, config_dir: Path) -> None:
    """Tuesday: window 13 was switched to ID cards; at 17:00 nobody staffs it any more, so once it has finished its
    visitor the screens must stop sending people there."""
    hall = load_halls(config_dir)["demo"]
    store = HallStore(redis, Scripts(redis), hall)
    controller = TidalController(store, hall.tidal_policy, hall.seasons)
    afternoon = datetime(2026, 11, 24, 16, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    for _ in range(30):
        await store.issue(afternoon, "A")  # the line is still long at closing: it is not "calm"
    await store.tidal(afternoon, 13, "A", manual=False, cause="congested", reason="test")
    window = hall.window(13)
    assert window is not None
    await store.call_next(afternoon, window)
    evening = afternoon.replace(hour=17, minute=5)
    assert await controller.tick(evening) == []  # still serving its visitor after hours: it finishes first
    await store.pause(evening, 13)  # the clerk pauses the window on the way out: no one at it any more either
    await store.complete(evening, 13)
    released = await controller.tick(evening + minutes(1))
    # (the ID-card line left with no window after hours calls the back office too: 后台力量, reserve window 15)
    assert [(a.kind, a.window, a.cause) for a in released if a.kind != "reserve"] == [("close", 13, "unstaffed")]
    assert (await store.snapshot(evening))["windows"][12]["switched_to"] is None
    assert [e["type"] for e in await tidal_events(redis, hall.id)][-1] == "tidal_closed"


async def test_a_hand_made_switch_outlives_the_session(redis: Redis, config_dir: Path) -> None:
    hall = load_halls(config_dir)["demo"]
    store = HallStore(redis, Scripts(redis), hall)
    evening = datetime(2026, 11, 24, 17, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    await store.tidal(evening, 13, "A", manual=True, cause="manual", reason="test")
    assert await TidalController(store, hall.tidal_policy, hall.seasons).tick(evening) == []
    assert switched((await store.snapshot(evening))["windows"][12])["manual"] is True


async def test_a_seasonal_window_stays_assigned_overnight(redis: Redis, config_dir: Path) -> None:
    """A seasonal plan (报税季) assigns its window for the season: it is not sent home each evening only to be
    switched again (and announced) the next tick."""
    hall = load_halls(config_dir)["demo"]
    store = HallStore(redis, Scripts(redis), hall)
    controller = TidalController(store, hall.tidal_policy, hall.seasons)
    wednesday = datetime(2026, 4, 1, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert [(a.window, a.cause) for a in await controller.tick(wednesday)] == [(14, "seasonal")]
    for later in (wednesday.replace(hour=19), wednesday.replace(hour=19, minute=1), wednesday + timedelta(days=1)):
        assert await controller.tick(later) == []
    assert switched((await store.snapshot(wednesday + timedelta(days=1)))["windows"][13])["service"] == "D"


MONDAY_TEN = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.mark.parametrize("busy_mondays", [True, False])
async def test_the_forecast_switches_before_the_line_builds_up(
    redis: Redis, config_dir: Path, busy_mondays: bool
) -> None:
    """Two visitors wait for tax (D) at two windows: 12 minutes, no congestion. But on the last four Mondays 40 came
    for tax between 10 and 11: with that history the controller switches a tidal window before the rush."""
    hall = demo_hall(config_dir)
    store = HallStore(redis, Scripts(redis), hall)
    if busy_mondays:
        for weeks in (4, 3, 2, 1):
            for _ in range(40):
                await store.issue(MONDAY_TEN - timedelta(weeks=weeks) + minutes(5), "D")
    for _ in range(2):
        await store.issue(MONDAY_TEN, "D")
    controller = TidalController(store, hall.tidal_policy, hall.seasons)
    assert await controller.tick(MONDAY_TEN) == []
    acted = await controller.tick(MONDAY_TEN + minutes(4))
    assert [(a.kind, a.service) for a in acted] == ([("open", "D")] if busy_mondays else [])
    if busy_mondays:
        assert "预计来人增多" in acted[0].reason  # the forecast tripped it, and the reason says so


async def test_bookings_due_within_the_hour_are_counted(redis: Redis, config_dir: Path) -> None:
    hall = load_halls(config_dir)["demo"]
    store = HallStore(redis, Scripts(redis), hall)
    friday = datetime(2026, 11, 27, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    saturday = date(2026, 11, 28)
    booked = await Bookings(store).book(friday, "B", saturday, "09:00", "张三", "13800001234")
    await Bookings(store).book(friday, "D", saturday, "10:00", "李四", "13800005678")
    at = datetime(2026, 11, 28, 8, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert await arrivals.booked_next_hour(store, at) == {"B": 1}
    assert await arrivals.booked_next_hour(store, at.replace(hour=8, minute=0)) == {}  # 09:00 is an hour away
    assert await arrivals.booked_next_hour(store, at.replace(hour=9, minute=10)) == {"D": 1}  # 09:00 has begun
    await Bookings(store).check_in(at.replace(minute=45), booked["code"])
    assert await arrivals.booked_next_hour(store, at) == {}, "checked in: the visitor is in the line already"


async def test_a_tidal_window_takes_only_what_its_clerk_can_serve(redis: Redis) -> None:
    """Window 5 (tax, tidal) may take ID cards (A) only if the clerk signed in there can serve them."""
    clerks = (Clerk("c05", "5号窗口", "x", (5,), "赵敏", skills=("C", "B")), Clerk("c06", "替班", "x", (5,)))
    store = HallStore(redis, Scripts(redis), replace(make_hall(), clerks=clerks))
    await store.clerk_arrived(MORNING, 5, "c05", "赵敏")
    for _ in range(20):
        await store.issue(MORNING, "A")  # 20 × 6 min ÷ 3 windows serving A = 40 min predicted wait
    controller = TidalController(store)
    await controller.tick(MORNING)
    assert await controller.tick(MORNING + minutes(5)) == []  # c05 has no ID-card skill
    await store.clerk_arrived(MORNING + minutes(6), 5, "c06", "")  # a colleague with no skills listed: any
    assert [a.window for a in await controller.tick(MORNING + minutes(6))] == [5]
