"""The tidal desk against a real Redis, driven by the controller's ticks at fixed times (never by sleeping): switches
suggested to a supervisor (suggest mode), alerts that call back-office staff (后台力量) to a reserve window, their
acceptance, and the window handed back when the line goes calm. The demo hall: tidal windows 13 and 14, reserve
windows 15 and 16, reserve clerks b01 (A, B, D, E, G) and b02 (B, C, D, F, G)."""

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
from queue_server.core.errors import Conflict, Forbidden, NotFound
from queue_server.core.hall import DayDuty, Hall, Seasonal, TidalPolicy
from queue_server.core.tidal import Action
from queue_server.store import keys, tidal_desk
from queue_server.store.hall_store import HallStore, Scripts
from queue_server.store.tidal_controller import TidalController
from tests.records import switched

pytestmark = pytest.mark.asyncio

SHANGHAI = ZoneInfo("Asia/Shanghai")
TEN = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)  # a Monday morning: tidal windows 13 and 14 are staffed
LUNCH = datetime(2026, 11, 23, 12, 30, tzinfo=SHANGHAI)  # only 1, 6, 7, 10 and 12 staffed: no tidal window free


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def demo_hall(config_dir: Path) -> Hall:
    """The demo hall as these tests read it, whatever tidal trials its file holds today: tidal windows 13 and 14,
    reserve windows 15 and 16, and the thresholds the tests' times are counted from (congested at a predicted wait
    of 15 minutes held 3, calm below 5 held 15, a window switched at most every 10 minutes, 2 per category)."""
    hall = load_halls(config_dir)["demo"]
    windows = tuple(replace(w, tidal=w.number in (13, 14) or w.reserve) for w in hall.windows)
    policy = TidalPolicy(
        open_at_minutes=15,
        open_after=minutes(3),
        close_below_minutes=5,
        close_after=minutes(15),
        min_between_switches=minutes(10),
        max_per_service=2,
    )
    seasons = (
        Seasonal("报税季", "D", date(2026, 3, 1), date(2026, 5, 31), (14,)),
        Seasonal("开学季", "A", date(2026, 8, 20), date(2026, 9, 10), (13,)),
    )
    return replace(hall, windows=windows, tidal_policy=policy, seasons=seasons)


@pytest.fixture
def hall(config_dir: Path) -> Hall:
    return demo_hall(config_dir)


@pytest.fixture
def store(redis: Redis, hall: Hall) -> HallStore:
    return HallStore(redis, Scripts(redis), hall)


def suggesting(store: HallStore) -> TidalController:
    hall = store.hall
    return TidalController(store, replace(hall.tidal_policy, mode="suggest"), hall.seasons)


async def events(redis: Redis, *types: str) -> list[dict[str, Any]]:
    entries = cast(list[tuple[str, dict[str, str]]], await redis.xrange(keys.events("demo")))
    return [json.loads(f["data"]) for _, f in entries if f["type"] in types]


async def window(store: HallStore, number: int, now: datetime) -> Any:
    return next(w for w in (await store.snapshot(now))["windows"] if w["number"] == number)


async def crowd(store: HallStore, now: datetime, service: str, n: int = 40) -> None:
    for _ in range(n):
        await store.issue(now, service)


# Suggest mode: the controller proposes, a supervisor decides.


async def test_suggest_mode_proposes_the_switch_and_approving_makes_it(store: HallStore, redis: Redis) -> None:
    await crowd(store, TEN, "B")  # social insurance: far past the congestion threshold
    controller = suggesting(store)
    assert await controller.tick(TEN) == []
    assert await controller.tick(TEN + minutes(4)) == []  # congested long enough, yet nothing is switched
    (proposal,) = await tidal_desk.suggestions(store)
    assert (proposal["kind"], proposal["window"], proposal["service"], proposal["cause"]) == (
        "open",
        13,
        "B",
        "congested",
    )
    assert (await window(store, 13, TEN + minutes(4)))["switched_to"] is None
    assert await events(redis, "tidal_opened") == []
    (told,) = await events(redis, "tidal_suggested")
    assert (told["id"], told["window"], told["service"]) == (proposal["id"], 13, "B")

    await controller.tick(TEN + minutes(5))  # made again: the same suggestion, the same id, no second event
    assert [s["id"] for s in await tidal_desk.suggestions(store)] == [proposal["id"]]
    assert len(await events(redis, "tidal_suggested")) == 1

    answer = await tidal_desk.approve(store, TEN + minutes(6), proposal["id"], "boss")
    assert (answer["outcome"], answer["suggestion"]["window"]) == ("approved", 13)
    assert switched(await window(store, 13, TEN + minutes(6)))["service"] == "B"
    (opened,) = await events(redis, "tidal_opened")
    assert (opened["window"], opened["service"], opened["cause"]) == (13, "B", "congested")
    (closed,) = await events(redis, "tidal_suggestion_closed")
    assert (closed["id"], closed["outcome"]) == (proposal["id"], "approved")
    assert await tidal_desk.suggestions(store) == []
    with pytest.raises(NotFound) as unknown:
        await tidal_desk.approve(store, TEN + minutes(6), proposal["id"], "boss")
    assert unknown.value.code == "unknown_suggestion" and "建议" in unknown.value.message


async def test_a_declined_suggestion_is_not_made_again_for_a_while(store: HallStore, redis: Redis) -> None:
    await crowd(store, TEN, "B")
    controller = suggesting(store)
    await controller.tick(TEN)
    await controller.tick(TEN + minutes(4))
    (proposal,) = await tidal_desk.suggestions(store)
    answer = await tidal_desk.decline(store, TEN + minutes(5), proposal["id"], "boss")
    assert answer["outcome"] == "declined"
    assert await tidal_desk.suggestions(store) == []
    await controller.tick(TEN + minutes(5))
    await controller.tick(TEN + minutes(14))
    assert await tidal_desk.suggestions(store) == [], "declined: not proposed again within min_between_switches"
    assert (await window(store, 13, TEN + minutes(14)))["switched_to"] is None
    await controller.tick(TEN + minutes(16))  # the demo hall's 10 minutes have passed: the line still needs help
    (again,) = await tidal_desk.suggestions(store)
    assert (again["window"], again["service"]) == (13, "B") and again["id"] != proposal["id"]
    outcomes = [e["outcome"] for e in await events(redis, "tidal_suggestion_closed")]
    assert outcomes == ["declined"]


async def test_a_suggestion_the_decision_no_longer_makes_expires(store: HallStore, redis: Redis) -> None:
    await crowd(store, TEN, "B")
    controller = suggesting(store)
    await controller.tick(TEN)
    await controller.tick(TEN + minutes(4))
    (proposal,) = await tidal_desk.suggestions(store)
    # A supervisor takes window 13 by hand meanwhile: the switch is no longer possible; the back office is asked.
    await store.tidal(TEN + minutes(5), 13, "G", manual=True, cause="manual", reason="by hand")
    await controller.tick(TEN + minutes(5))
    (instead,) = await tidal_desk.suggestions(store)
    assert (instead["kind"], instead["window"], instead["service"]) == ("reserve", 15, "B")
    closed = await events(redis, "tidal_suggestion_closed")
    assert [(e["id"], e["outcome"]) for e in closed] == [(proposal["id"], "expired")]
    # Approving the back-office suggestion raises the alert.
    await tidal_desk.approve(store, TEN + minutes(6), instead["id"], "boss")
    (alert,) = await tidal_desk.alerts(store)
    assert (alert["window"], alert["service"], alert["state"]) == (15, "B", "open")


async def test_approving_a_switch_whose_window_changed_is_refused(store: HallStore) -> None:
    await crowd(store, TEN, "B")
    controller = suggesting(store)
    await controller.tick(TEN)
    await controller.tick(TEN + minutes(4))
    (proposal,) = await tidal_desk.suggestions(store)
    await store.tidal(TEN + minutes(5), 13, "A", manual=True, cause="manual", reason="by hand")
    with pytest.raises(Conflict) as refused:
        await tidal_desk.approve(store, TEN + minutes(5), proposal["id"], "boss")
    assert refused.value.code == "tidal_changed"
    assert await tidal_desk.suggestions(store) == []  # it no longer holds: gone
    assert switched(await window(store, 13, TEN + minutes(5)))["service"] == "A"


async def test_seasonal_plans_still_switch_at_once_in_suggest_mode(store: HallStore) -> None:
    spring = datetime(2026, 4, 1, 9, 30, tzinfo=SHANGHAI)  # 报税季: window 14 serves tax (D)
    acted = await suggesting(store).tick(spring)
    assert [(a.window, a.service, a.cause) for a in acted] == [(14, "D", "seasonal")]
    assert await tidal_desk.suggestions(store) == []


# 后台力量: alerts, accepting, handing back.


async def alert_at_lunch(store: HallStore) -> dict[str, Any]:
    """40 visitors for social insurance at lunch, when no tidal window is staffed: the back office is called."""
    await crowd(store, LUNCH, "B")
    controller = TidalController(store, store.hall.tidal_policy, store.hall.seasons)
    await controller.tick(LUNCH)
    acted = await controller.tick(LUNCH + minutes(4))
    assert [(a.kind, a.window, a.service) for a in acted] == [("reserve", 15, "B")]
    (alert,) = await tidal_desk.alerts(store)
    return dict(alert)


async def test_the_controller_calls_the_back_office_and_a_clerk_opens_the_window(
    store: HallStore, redis: Redis
) -> None:
    alert = await alert_at_lunch(store)
    assert (alert["window"], alert["service"], alert["state"]) == (15, "B", "open")
    assert "拥堵预警" in alert["reason"] and "back-office staff wanted" in alert["reason"]
    (raised,) = await events(redis, "alert")
    assert (raised["id"], raised["window"], raised["service"]) == (alert["id"], 15, "B")
    assert (await window(store, 15, LUNCH + minutes(4)))["switched_to"] is None
    staff = {s["username"]: s["state"] for s in await tidal_desk.reserve_staff(store, LUNCH + minutes(4))}
    assert staff == {"b01": "back_office", "b02": "back_office", "b03": "back_office"}

    accepted = await tidal_desk.accept(store, LUNCH + minutes(5), alert["id"], "b01")
    assert (accepted["window"], accepted["role"], accepted["caller"]) == (15, "reserve", "/caller/demo?window=15")
    assert accepted["arrive_by"] == (LUNCH + minutes(10)).isoformat()
    seat = await window(store, 15, LUNCH + minutes(5))
    assert (seat["state"], switched(seat)["service"], switched(seat)["cause"], seat["clerk"]) == (
        "idle",
        "B",
        "reserve",
        "孙悦",
    )
    session = json.loads(await redis.get(keys.clerk_session("demo", accepted["token"])) or "{}")
    assert (session["username"], session["window"], session["role"]) == ("b01", 15, "reserve")
    (told,) = await events(redis, "reserve_accepted")
    assert (told["id"], told["window"], told["service"], told["clerk"]) == (alert["id"], 15, "B", "孙悦")
    assert told["arrive_by"] == accepted["arrive_by"]
    assert [e["clerk"] for e in await events(redis, "clerk_changed")] == ["孙悦"]
    (taken,) = await tidal_desk.alerts(store)
    assert (taken["state"], taken["clerk"]) == ("accepted", "b01")
    on_way = await tidal_desk.reserve_staff(store, LUNCH + minutes(6))
    assert [(s["username"], s["state"], s["window"]) for s in on_way] == [
        ("b01", "called", 15),
        ("b02", "back_office", None),
        ("b03", "back_office", None),
    ]
    seated = await tidal_desk.reserve_staff(store, LUNCH + minutes(10))
    assert seated[0]["state"] == "at_window"

    with pytest.raises(Conflict) as second:
        await tidal_desk.accept(store, LUNCH + minutes(5), alert["id"], "b02")
    assert second.value.code == "alert_taken"
    again = await tidal_desk.accept(store, LUNCH + minutes(6), alert["id"], "b01")  # b01's answer got lost
    assert again["window"] == 15 and again["token"] != accepted["token"]
    assert await redis.exists(keys.clerk_session("demo", again["token"]))


async def test_a_clerk_without_the_skill_may_not_accept(store: HallStore) -> None:
    alert = await tidal_desk.raise_alert(store, LUNCH, 16, "C", "test")  # real-estate: b02's, not b01's
    with pytest.raises(Forbidden) as refused:
        await tidal_desk.accept(store, LUNCH, alert["id"], "b01")
    assert refused.value.code == "missing_skill" and "不动产" in refused.value.message
    with pytest.raises(Forbidden) as not_reserve:
        await tidal_desk.accept(store, LUNCH, alert["id"], "w07")
    assert not_reserve.value.code == "reserve_only"
    assert (await tidal_desk.accept(store, LUNCH, alert["id"], "b02"))["window"] == 16


async def test_a_clerk_sits_at_one_reserve_window_at_a_time(store: HallStore) -> None:
    first = await tidal_desk.raise_alert(store, LUNCH, 15, "B", "test")
    second = await tidal_desk.raise_alert(store, LUNCH, 16, "D", "test")
    with pytest.raises(Conflict) as out:
        await tidal_desk.raise_alert(store, LUNCH, 15, "A", "test")
    assert out.value.code == "alert_out"
    await tidal_desk.accept(store, LUNCH, first["id"], "b01")
    with pytest.raises(Conflict) as busy:
        await tidal_desk.accept(store, LUNCH, second["id"], "b01")
    assert busy.value.code == "reserve_busy" and "15" in busy.value.message


async def test_an_alert_nobody_accepts_expires_and_one_withdrawn_goes(store: HallStore, redis: Redis) -> None:
    alert = await alert_at_lunch(store)
    controller = TidalController(store, store.hall.tidal_policy, store.hall.seasons)
    await controller.tick(LUNCH + minutes(18))
    assert await events(redis, "alert_closed") == []  # raised at 12:34: still open for a quarter of an hour
    await controller.tick(LUNCH + minutes(19))
    closed = await events(redis, "alert_closed")
    assert [(e["id"], e["outcome"]) for e in closed] == [(alert["id"], "expired")]
    (fresh,) = await tidal_desk.alerts(store)  # still congested: the same tick asks again
    assert fresh["id"] != alert["id"] and fresh["window"] == 15
    close = Action("close", 15, "B", "calm", "calm")
    await tidal_desk.apply(store, LUNCH + minutes(19), close, "B")
    assert await tidal_desk.alerts(store) == []
    assert [e["outcome"] for e in await events(redis, "alert_closed")] == ["expired", "withdrawn"]


async def test_the_line_goes_calm_and_the_clerk_goes_back_after_the_visitor(store: HallStore, redis: Redis) -> None:
    alert = await alert_at_lunch(store)
    accepted = await tidal_desk.accept(store, LUNCH + minutes(5), alert["id"], "b01")
    controller = TidalController(store, store.hall.tidal_policy, store.hall.seasons)
    seat = store.hall.window(15)
    assert seat is not None
    at = LUNCH + minutes(10)
    while await store.waiting("B") > 1:  # window 15 works the line down
        await store.call_next(at, seat)
        await store.complete(at, 15)
    assert (await store.call_next(at, seat))["ticket"] is not None  # window 15 serves the last visitor
    await controller.tick(at)  # calm from here on
    await controller.tick(at + minutes(14))
    assert (await window(store, 15, at + minutes(14)))["state"] == "serving"
    acted = await controller.tick(at + minutes(16))
    assert [(a.kind, a.window, a.cause, a.after_current) for a in acted] == [("close", 15, "calm", True)]
    view = await window(store, 15, at + minutes(16))
    assert (view["state"], view["switched_to"], view["clerk"]) == ("paused", None, "孙悦")  # finishing the visitor
    assert await events(redis, "reserve_released") == []

    await store.complete(at + minutes(17), 15)
    await controller.tick(at + minutes(17))
    view = await window(store, 15, at + minutes(17))
    assert (view["state"], view["switched_to"], view["clerk"]) == ("paused", None, None)
    (released,) = await events(redis, "reserve_released")
    assert (released["window"], released["clerk"], released["service"]) == (15, "孙悦", "B")
    assert not await redis.exists(keys.clerk_session("demo", accepted["token"])), "the window token has ended"
    assert await tidal_desk.alerts(store) == []
    staff = await tidal_desk.reserve_staff(store, at + minutes(17))
    assert staff[0]["state"] == "back_office"
    assert [e["type"] for e in await events(redis, "tidal_closed", "paused")] == ["tidal_closed", "paused"]


async def test_only_the_back_office_clerks_on_duty_by_the_rota_are_called_and_may_accept(store: HallStore) -> None:
    """The day's rota has b02 alone on back-office duty at lunch: the alert is for what b02 can serve, b01 is shown
    off duty and refused, b02 accepts."""
    today = LUNCH.date()
    store.hall = replace(store.hall, duty={today: DayDuty({}, {}, {"午间不间断": ("b02",)})})
    alert = await alert_at_lunch(store)  # social insurance (B): b02's skills cover it
    staff = {s["username"]: s["state"] for s in await tidal_desk.reserve_staff(store, LUNCH + minutes(4))}
    assert staff == {"b01": "off_duty", "b02": "back_office", "b03": "off_duty"}
    with pytest.raises(Forbidden) as refused:
        await tidal_desk.accept(store, LUNCH + minutes(5), alert["id"], "b01")
    assert refused.value.code == "off_duty" and "排班表" in refused.value.message
    assert (await tidal_desk.accept(store, LUNCH + minutes(5), alert["id"], "b02"))["window"] == 15


async def test_no_alert_for_what_the_back_office_on_duty_cannot_serve(store: HallStore) -> None:
    """b03 alone on duty at lunch (ID cards, marriage and licences: no social insurance): a social-insurance crowd
    raises no alert, since nobody who could answer it is on duty."""
    store.hall = replace(store.hall, duty={LUNCH.date(): DayDuty({}, {}, {"午间不间断": ("b03",)})})
    await crowd(store, LUNCH, "B")
    controller = TidalController(store, store.hall.tidal_policy, store.hall.seasons)
    await controller.tick(LUNCH)
    assert [a.kind for a in await controller.tick(LUNCH + minutes(4))] == []
    assert await tidal_desk.alerts(store) == []
