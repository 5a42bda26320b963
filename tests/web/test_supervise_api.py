"""The supervisor console's read model (值班长控制台, GET /api/halls/{hall}/supervise): who may read it, and the
figures a 值班长 acts on: what each window is doing, each line's predicted wait and trend, and today's busy spread
and tidal share, which must agree with the statistics page."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from redis import Redis
from redis.asyncio import Redis as AsyncRedis
from starlette.testclient import TestClient

from queue_server.config.loader import load_halls
from queue_server.core.console import Console
from queue_server.core.tidal import Action
from queue_server.server.app import create_app
from queue_server.store import keys, tidal_desk
from queue_server.store.hall_store import HallStore, Scripts
from tests.conftest import SHANGHAI, StoppedClock
from tests.web.test_openapi import fits

ADMIN = {"Authorization": "Bearer supervisor-secret"}
CONSOLE = "/api/halls/demo/supervise"
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)  # the demo hall's weekday morning: windows 1–14 staffed


@pytest.fixture
def clock() -> StoppedClock:
    return StoppedClock(MONDAY)


@pytest.fixture
def client(sync_redis: Redis, redis_url: str, config_dir: Path, clock: StoppedClock) -> Iterator[TestClient]:
    # No timers: the tidal controller must not switch windows while a test sets them up.
    app = create_app(load_halls(config_dir), redis_url, clock, "supervisor-secret", background=False)
    with TestClient(app, raise_server_exceptions=False, client=("127.0.0.1", 50000)) as c:
        yield c


def token(client: TestClient, username: str, window: int | None = None) -> dict[str, str]:
    body: dict[str, Any] = {"username": username, "password": "tidequeue"}
    path = "/api/halls/demo/guide/sign-in"  # where an account without a window signs in
    if window is not None:
        path, body["window"] = "/api/halls/demo/sign-in", window
    answer = client.post(path, json=body)
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def console(client: TestClient, headers: dict[str, str] = ADMIN) -> dict[str, Any]:
    answer = client.get(CONSOLE, headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    body: dict[str, Any] = answer.json()
    return body


def take(client: TestClient, service: str, n: int = 1) -> None:
    for _ in range(n):
        assert client.post("/api/halls/demo/tickets", json={"service": service}).status_code == 201


def act(client: TestClient, window: int, action: str, **body: Any) -> Any:
    answer = client.post(f"/api/halls/demo/windows/{window}/{action}", headers=ADMIN, json=body or None)
    assert answer.status_code == 200, answer.text
    return answer.json()


def line(view: dict[str, Any], code: str) -> dict[str, Any]:
    found: dict[str, Any] = next(c for c in view["categories"] if c["code"] == code)
    return found


def window(view: dict[str, Any], number: int) -> dict[str, Any]:
    found: dict[str, Any] = next(w for w in view["windows"] if w["number"] == number)
    return found


def in_store(redis_url: str, config_dir: Path, work: Callable[[HallStore], Awaitable[Any]]) -> Any:
    """Run ``work`` on the demo hall's store, as the tidal controller would (it raises alerts and suggestions)."""

    async def run() -> Any:
        redis = AsyncRedis.from_url(redis_url, decode_responses=True)
        try:
            return await work(HallStore(redis, Scripts(redis), load_halls(config_dir)["demo"]))
        finally:
            await redis.aclose()

    return asyncio.run(run())


def test_only_a_supervisor_reads_the_console(client: TestClient) -> None:
    missing = client.get(CONSOLE)
    assert (missing.status_code, missing.json()["error"]) == (401, "missing_token")
    for who in (token(client, "w01", 1), token(client, "guide"), token(client, "b01")):
        refused = client.get(CONSOLE, headers=who)
        assert (refused.status_code, refused.json()["error"]) == (403, "supervisors_only")
        assert refused.json()["message"] == "只有值班长可以查看值班长控制台。"
    # the hall's 值班长 account, and the admin token, see the same hall
    boss = console(client, token(client, "boss"))
    assert boss["hall"]["id"] == "demo" and boss["mode"] == "auto"
    assert boss["windows"] == console(client)["windows"]
    assert [w["number"] for w in boss["windows"]] == list(range(1, 17))
    assert client.get("/api/halls/nowhere/supervise", headers=ADMIN).status_code == 404


def test_each_window_says_what_it_is_doing(client: TestClient) -> None:
    clerk = token(client, "w04", 4)
    take(client, "B")
    assert client.post("/api/halls/demo/windows/4/call-next", headers=clerk).status_code == 200
    act(client, 8, "pause")
    act(client, 13, "tidal", service="C")
    view = console(client)
    serving = window(view, 4)
    assert (serving["state"], serving["clerk"], serving["ticket"]["number"]) == ("serving", "刘洋", "B001")
    assert serving["ticket"]["called_at"].startswith("2026-11-23T10:00")
    assert (window(view, 1)["state"], window(view, 1)["ticket"], window(view, 1)["clerk"]) == ("idle", None, None)
    assert window(view, 8)["state"] == "paused"
    switched = window(view, 13)
    assert (switched["tidal"], switched["services"], switched["home_services"]) == (True, ["C", "G"], ["G"])
    assert (switched["switched_to"]["service"], switched["switched_to"]["manual"]) == ("C", True)
    # the back office's windows stay closed until a reserve clerk opens one
    assert [(w["state"], w["reserve"]) for w in (window(view, 15), window(view, 16))] == [("closed", True)] * 2
    assert (window(view, 14)["reserve"], window(view, 14)["tidal"]) == (False, True)


def test_out_of_hours_every_window_is_closed(client: TestClient, clock: StoppedClock) -> None:
    clock.moment = MONDAY.replace(hour=21)
    assert {w["state"] for w in console(client)["windows"]} == {"closed"}


def test_the_predicted_wait_is_waiting_times_recent_minutes_over_windows_serving(
    client: TestClient, sync_redis: Redis
) -> None:
    take(client, "C", 6)
    # 不动产 takes 20 minutes a visitor (configured; nobody served yet), windows 7 and 8 serve it
    c = line(console(client), "C")
    assert (c["waiting"], c["windows_serving"], c["minutes_per_visitor"], c["predicted_wait"]) == (6, 2, 20.0, 60.0)
    act(client, 8, "pause")
    assert line(console(client), "C")["predicted_wait"] == 120.0
    # the recent handling times the tidal controller reads: 10 and 14 minutes, 12 on average
    sync_redis.hset(keys.handling_times("demo"), "C", json.dumps([10, 14]))
    assert line(console(client), "C")["predicted_wait"] == 72.0
    act(client, 13, "tidal", service="C")  # a tidal window helps: two windows again
    view = console(client)
    assert (line(view, "C")["windows_serving"], line(view, "C")["predicted_wait"]) == (2, 36.0)
    # 13 still serves its own 公积金 whenever nobody waits for C, so G keeps it as well as window 6
    assert line(view, "G")["windows_serving"] == 2
    act(client, 7, "pause")
    act(client, 13, "pause")
    stuck = line(console(client), "C")
    assert (stuck["windows_serving"], stuck["predicted_wait"]) == (0, None)  # nobody serves a line of six
    assert line(console(client), "A")["predicted_wait"] == 0.0


def test_the_trend_compares_the_last_quarter_hours_arrivals_with_calls(client: TestClient, clock: StoppedClock) -> None:
    clock.moment = MONDAY - timedelta(minutes=20)
    take(client, "A", 2)  # before the quarter hour: not counted
    clock.moment = MONDAY - timedelta(minutes=10)
    take(client, "A", 4)
    clock.moment = MONDAY
    rising = line(console(client), "A")
    assert (rising["trend"], rising["arrived_recently"], rising["called_recently"]) == ("rising", 4, 0)
    for number in (1, 2):  # two calls: four in, two out, the line grew by two only
        act(client, number, "call-next")
    assert line(console(client), "A")["trend"] == "steady"
    clock.moment = MONDAY + timedelta(minutes=11)  # the four arrivals are past the quarter hour; the calls are not
    for number in (1, 2):
        act(client, number, "complete")
        act(client, number, "call-next")
    act(client, 3, "call-next")
    falling = line(console(client), "A")
    assert (falling["trend"], falling["arrived_recently"], falling["called_recently"]) == ("falling", 0, 5)
    assert line(console(client), "B")["trend"] == "steady"


def test_the_busy_spread_and_tidal_share_are_the_statistics_of_today(client: TestClient, clock: StoppedClock) -> None:
    clock.moment = MONDAY - timedelta(minutes=60)  # 09:00, the session opens
    take(client, "A", 3)
    take(client, "B", 3)
    act(client, 13, "tidal", service="B")
    for minutes, number, action in (
        (5, 1, "call-next"), (5, 4, "call-next"), (6, 13, "call-next"), (25, 1, "complete"), (30, 13, "complete"),
        (31, 13, "call-next"), (40, 2, "call-next"), (50, 4, "complete"),
    ):  # fmt: skip
        clock.moment = MONDAY - timedelta(minutes=60 - minutes)
        act(client, number, action)
    clock.moment = MONDAY
    view = console(client)
    stats = client.get("/api/halls/demo/stats", headers=ADMIN).json()
    assert view["busy_spread"] == stats["busy_spread"]
    assert view["tidal_share"] == stats["tidal_share"]
    assert view["tidal_share"]["tidal_served"] == 1 and view["busy_spread"]["max_minus_min"] > 0
    by_number = {w["number"]: w for w in stats["windows"]}
    for w in view["windows"]:
        row = by_number[w["number"]]
        assert (w["busy_ratio"], w["serving_minutes"], w["open_minutes"]) == (
            row["busy_ratio"], row["serving_minutes"], row["open_minutes"],
        ), w["number"]  # fmt: skip
    # window 1 served A001 from 09:05 to 09:25 of the hour it has been open
    assert (window(view, 1)["serving_minutes"], window(view, 1)["busy_ratio"]) == (20.0, round(20 / 60, 4))
    assert window(view, 15)["busy_ratio"] is None  # a reserve window nobody opened


def test_the_console_shows_alerts_suggestions_and_the_back_office_staff(
    client: TestClient, redis_url: str, config_dir: Path
) -> None:
    reason = "预计等候 40 分钟 ≥ 15 分钟 / predicted wait 40 min ≥ 15 min"
    view = console(client)
    assert (view["alerts"], view["suggestions"]) == ([], [])
    assert [(p["username"], p["name"], p["state"]) for p in view["reserve_staff"]] == [
        ("b01", "后台一", "back_office"), ("b02", "后台二", "back_office"), ("b03", "后台三", "back_office"),
    ]  # fmt: skip
    alert = in_store(redis_url, config_dir, lambda s: tidal_desk.raise_alert(s, MONDAY, 15, "B", reason))
    switch = Action("open", 13, "B", "congested", reason)
    made = in_store(redis_url, config_dir, lambda s: tidal_desk.propose(s, MONDAY, [switch], {13: ""}))
    view = console(client)
    assert [(a["id"], a["window"], a["service"], a["state"], a["reason"]) for a in view["alerts"]] == [
        (alert["id"], 15, "B", "open", reason)
    ]
    assert [(s["id"], s["kind"], s["window"], s["service"]) for s in view["suggestions"]] == [
        (made[0]["id"], "open", 13, "B")
    ]
    before = line(view, "B")["windows_serving"]
    # 孙悦 (b01) accepts: reserve window 15 opens for 社保 with her at it
    in_store(redis_url, config_dir, lambda s: tidal_desk.accept(s, MONDAY, alert["id"], "b01"))
    view = console(client)
    seat = window(view, 15)
    assert (seat["state"], seat["clerk"], seat["services"], seat["reserve"]) == ("idle", "孙悦", ["B"], True)
    assert [(a["state"], a["clerk_name"]) for a in view["alerts"]] == [("accepted", "孙悦")]
    assert (view["reserve_staff"][0]["state"], view["reserve_staff"][0]["window"]) == ("called", 15)
    assert line(view, "B")["windows_serving"] == before + 1
    fits(Console, view)  # the answer is what the OpenAPI document declares, no more, no less
