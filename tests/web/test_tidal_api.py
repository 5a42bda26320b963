"""The tidal desk's HTTP API: a supervisor approves or declines the controller's suggestions, back-office staff
(后台力量) list and accept alerts, and who may do which. The demo hall (as tests/store/test_tidal_desk.py pins it),
on a stopped clock; the controller's ticks and the alerts are made by the store in the test (the server's own
timers are off)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar, cast
from zoneinfo import ZoneInfo

import pytest
from redis import Redis as SyncRedis
from redis.asyncio import Redis
from starlette.testclient import TestClient

from queue_server.core import records, tidal_records
from queue_server.server.app import create_app
from queue_server.store import keys, reserve_desk, tidal_desk
from queue_server.store.hall_store import HallStore, Scripts
from queue_server.store.tidal_controller import TidalController
from tests.conftest import StoppedClock
from tests.store.test_tidal_desk import demo_hall
from tests.web.conftest import ADMIN, sign_in, take
from tests.web.test_openapi import fits

SHANGHAI = ZoneInfo("Asia/Shanghai")
TEN = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)  # a Monday: tidal windows 13 and 14 staffed
T = TypeVar("T")


@pytest.fixture
def clock() -> StoppedClock:
    return StoppedClock(TEN)


@pytest.fixture
def client(sync_redis: SyncRedis, redis_url: str, config_dir: Path, clock: StoppedClock) -> Iterator[TestClient]:
    halls = {"demo": demo_hall(config_dir)}
    app = create_app(halls, redis_url, clock, admin_token="supervisor-secret", background=False)
    with TestClient(app, raise_server_exceptions=False, client=("127.0.0.1", 50000)) as c:
        yield c


def in_store(redis_url: str, config_dir: Path, work: Callable[[HallStore], Awaitable[T]]) -> T:
    """Run ``work`` on the demo hall's store, as the server's controller would (its own connection and loop)."""

    async def go() -> T:
        redis = Redis.from_url(redis_url, decode_responses=True)
        try:
            return await work(HallStore(redis, Scripts(redis), demo_hall(config_dir)))
        finally:
            await redis.aclose()

    return asyncio.run(go())


def desk_sign_in(client: TestClient, username: str) -> dict[str, str]:
    """A windowless account (back office, supervisor) signs in as the guide desk does; its bearer header."""
    answer = client.post("/api/halls/demo/guide/sign-in", json={"username": username, "password": "tidequeue"})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def bearer(answer: Any) -> dict[str, str]:
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def window(client: TestClient, number: int) -> dict[str, Any]:
    found: dict[str, Any] = next(w for w in client.get("/api/halls/demo").json()["windows"] if w["number"] == number)
    return found


def suggest_open_13(client: TestClient, redis_url: str, config_dir: Path) -> dict[str, Any]:
    """40 wait for social insurance; the controller, in suggest mode, proposes window 13 for it."""
    for _ in range(40):
        take(client, "B")

    async def ticks(store: HallStore) -> list[Any]:
        controller = TidalController(store, replace(store.hall.tidal_policy, mode="suggest"), store.hall.seasons)
        await controller.tick(TEN)
        await controller.tick(TEN + timedelta(minutes=4))
        return list(await tidal_desk.suggestions(store))

    (proposal,) = in_store(redis_url, config_dir, ticks)
    return dict(proposal)


def test_a_supervisor_approves_a_suggested_switch(client: TestClient, redis_url: str, config_dir: Path) -> None:
    proposal = suggest_open_13(client, redis_url, config_dir)
    listed = client.get("/api/halls/demo/tidal/suggestions", headers=ADMIN)
    assert listed.status_code == 200
    fits(tidal_records.SuggestionList, listed.json())
    assert [s["id"] for s in listed.json()["suggestions"]] == [proposal["id"]]

    url = f"/api/halls/demo/tidal/suggestions/{proposal['id']}/approve"
    clerk = bearer(sign_in(client, "w13", 13))
    for who in (clerk, desk_sign_in(client, "b01")):
        refused = client.post(url, headers=who)
        assert (refused.status_code, refused.json()["error"]) == (403, "supervisors_only")
        assert window(client, 13)["switched_to"] is None

    approved = client.post(url, headers=desk_sign_in(client, "boss"))  # the 值班长's own account
    assert approved.status_code == 200, approved.text
    fits(tidal_records.SuggestionAnswer, approved.json())
    assert approved.json()["outcome"] == "approved"
    assert window(client, 13)["switched_to"]["service"] == "B"
    again = client.post(url, headers=ADMIN)
    assert (again.status_code, again.json()["error"]) == (404, "unknown_suggestion")
    assert "expired" in again.json()["message_en"] and "建议" in again.json()["message"]


def test_a_supervisor_declines_a_suggested_switch(client: TestClient, redis_url: str, config_dir: Path) -> None:
    proposal = suggest_open_13(client, redis_url, config_dir)
    declined = client.post(f"/api/halls/demo/tidal/suggestions/{proposal['id']}/decline", headers=ADMIN)
    assert declined.status_code == 200, declined.text
    assert (declined.json()["outcome"], declined.json()["suggestion"]["window"]) == ("declined", 13)
    assert client.get("/api/halls/demo/tidal/suggestions", headers=ADMIN).json()["suggestions"] == []
    assert window(client, 13)["switched_to"] is None


def test_back_office_staff_accept_an_alert_and_sign_out_to_hand_it_back(
    client: TestClient, redis_url: str, config_dir: Path, clock: StoppedClock, sync_redis: SyncRedis
) -> None:
    async def raise_alerts(store: HallStore) -> list[Any]:
        return [
            await tidal_desk.raise_alert(store, TEN, 15, "B", "拥堵预警 / congestion warning"),
            await tidal_desk.raise_alert(store, TEN, 16, "C", "拥堵预警 / congestion warning"),
        ]

    social, estate = in_store(redis_url, config_dir, raise_alerts)
    b01, b02 = desk_sign_in(client, "b01"), desk_sign_in(client, "b02")
    clerk = bearer(sign_in(client, "w01", 1))

    refused = client.get("/api/halls/demo/alerts", headers=clerk)
    assert (refused.status_code, refused.json()["error"]) == (403, "reserve_only")
    listed = client.get("/api/halls/demo/alerts", headers=b01)
    assert listed.status_code == 200
    fits(tidal_records.AlertList, listed.json())
    assert [(a["window"], a["service"], a["state"]) for a in listed.json()["alerts"]] == [
        (15, "B", "open"),
        (16, "C", "open"),
    ]
    assert client.get("/api/halls/demo/alerts", headers=ADMIN).status_code == 200

    def accept(alert: dict[str, Any], who: dict[str, str]) -> Any:
        return client.post(f"/api/halls/demo/alerts/{alert['id']}/accept", headers=who)

    lacking = accept(estate, b01)  # 不动产 is not among b01's skills
    assert (lacking.status_code, lacking.json()["error"]) == (403, "missing_skill")
    not_staff = accept(social, clerk)
    assert (not_staff.status_code, not_staff.json()["error"]) == (403, "reserve_only")
    unknown = client.post("/api/halls/demo/alerts/nope/accept", headers=b01)
    assert (unknown.status_code, unknown.json()["error"]) == (404, "unknown_alert")

    clock.moment = TEN + timedelta(minutes=1)
    accepted = accept(social, b01)
    assert accepted.status_code == 200, accepted.text
    fits(tidal_records.ReserveAccepted, accepted.json())
    assert (accepted.json()["window"], accepted.json()["caller"]) == (15, "/caller/demo?window=15")
    taken = accept(social, b02)
    assert (taken.status_code, taken.json()["error"]) == (409, "alert_taken")
    seat = window(client, 15)
    assert (seat["state"], seat["switched_to"]["service"], seat["clerk"]) == ("idle", "B", "孙悦")

    # The token is the web caller pad's session at window 15: the clerk calls the social-insurance line there.
    token = {"Authorization": f"Bearer {accepted.json()['token']}"}
    me = client.get("/api/halls/demo/whoami?window=15", headers=token).json()
    assert (me["window"], me["role"]) == (15, "reserve")
    take(client, "B")
    called = client.post("/api/halls/demo/windows/15/call-next", headers=token)
    assert called.status_code == 200 and called.json()["ticket"]["service"] == "B"
    client.post("/api/halls/demo/windows/15/complete", headers=token)

    assert client.post("/api/halls/demo/sign-out", headers=token).status_code == 200
    seat = window(client, 15)
    assert (seat["state"], seat["switched_to"], seat["clerk"]) == ("paused", None, None)
    assert [a["window"] for a in client.get("/api/halls/demo/alerts", headers=b01).json()["alerts"]] == [16]
    entries = cast(list[tuple[str, dict[str, str]]], sync_redis.xrange(keys.events("demo")))
    stream = [{**json.loads(f["data"]), "event_id": i} for i, f in entries]
    for event in stream:
        fits(records.Event, event)
    (released,) = [e for e in stream if e["type"] == "reserve_released"]
    assert (released["window"], released["clerk"], released["cause"]) == (15, "孙悦", "signed_out")
    assert [e["window"] for e in stream if e["type"] == "reserve_accepted"] == [15]


def test_a_reserve_window_opens_only_from_the_back_office(
    client: TestClient, redis_url: str, config_dir: Path, clock: StoppedClock
) -> None:
    # floater's account may sign in at any window, but not at a reserve window nobody opened from the back office
    refused = sign_in(client, "floater", 16)
    assert (refused.status_code, refused.json()["error"]) == (403, "wrong_window")
    assert "后台支援窗口" in refused.json()["message"]
    # nor does a supervisor switch one by hand: it would be open with nobody at it
    by_hand = client.post("/api/halls/demo/windows/16/tidal", json={"service": "C"}, headers=ADMIN)
    assert (by_hand.status_code, by_hand.json()["error"]) == (409, "not_a_tidal_window")


def test_a_reserve_window_handed_back_calls_nobody_more(
    client: TestClient, redis_url: str, config_dir: Path, clock: StoppedClock
) -> None:
    async def raise_alert(store: HallStore) -> Any:
        return await tidal_desk.raise_alert(store, TEN, 15, "B", "拥堵预警 / congestion warning")

    alert = in_store(redis_url, config_dir, raise_alert)
    accepted = client.post(f"/api/halls/demo/alerts/{alert['id']}/accept", headers=desk_sign_in(client, "b01"))
    token = {"Authorization": f"Bearer {accepted.json()['token']}"}
    take(client, "B")
    assert client.post("/api/halls/demo/windows/15/call-next", headers=token).json()["ticket"]["service"] == "B"
    take(client, "B")

    async def hand_back(store: HallStore) -> bool:  # the line went calm while the clerk was serving
        return await reserve_desk.release(store, TEN, 15, "calm", "无人等候 / nobody waiting")

    assert in_store(redis_url, config_dir, hand_back) is False  # waits for the visitor at the window
    # the clerk finishes that visitor, and may neither resume nor call anyone else: the window is closing
    assert client.post("/api/halls/demo/windows/15/complete", headers=token).status_code == 200
    again = client.post("/api/halls/demo/windows/15/call-next", headers=token)
    assert (again.status_code, again.json()["error"]) == (409, "window_paused")
