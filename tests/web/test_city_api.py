"""The city overview's API (GET /api/city) on a real Redis with the shipped halls (demo, allday) and a stopped
clock: each hall's state, waiting, longest wait, windows open, tidal switches and served count, the halls in
needs-help order, and only the admin token let in."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from redis import Redis
from starlette.testclient import TestClient

from queue_server.config.loader import load_halls
from queue_server.server.app import create_app
from tests.conftest import MORNING, SHANGHAI, StoppedClock
from tests.web.conftest import ADMIN, act, sign_in

CITY = "/api/city"


@pytest.fixture
def clock() -> StoppedClock:
    return StoppedClock(MORNING)  # Monday 2026-11-23, 09:00: the demo hall's weekday morning has just opened


@pytest.fixture
def client(sync_redis: Redis, redis_url: str, config_dir: Path, clock: StoppedClock) -> Iterator[TestClient]:
    app = create_app(load_halls(config_dir), redis_url, clock, admin_token="supervisor-secret", background=False)
    with TestClient(app, raise_server_exceptions=False, client=("127.0.0.1", 50000)) as c:
        yield c


def take(client: TestClient, hall: str, service: str = "A") -> dict[str, Any]:
    answer = client.post(f"/api/halls/{hall}/tickets", json={"service": service})
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


def city(client: TestClient) -> dict[str, dict[str, Any]]:
    answer = client.get(CITY, headers=ADMIN)
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    return {h["id"]: h for h in answer.json()["halls"]}


def order(client: TestClient) -> list[str]:
    return [h["id"] for h in client.get(CITY, headers=ADMIN).json()["halls"]]


def test_every_hall_with_its_figures_and_the_one_that_needs_help_first(client: TestClient, clock: StoppedClock) -> None:
    for _ in range(2):
        take(client, "demo")
    for _ in range(3):
        take(client, "allday")
    # window 1's clerk signs in, calls the first demo visitor and serves them
    clerk = {"Authorization": f"Bearer {sign_in(client, 'w01', 1).json()['token']}"}
    clock.moment = MORNING + timedelta(minutes=5)
    assert act(client, 1, "call-next", clerk).status_code == 200
    clock.moment = MORNING + timedelta(minutes=10)
    assert act(client, 1, "complete", clerk).status_code == 200
    # the supervisor sends tidal window 13 to help real estate (C)
    switched = client.post("/api/halls/demo/windows/13/tidal", headers=ADMIN, json={"service": "C"})
    assert switched.status_code == 200, switched.text

    clock.moment = MORNING + timedelta(minutes=20)
    halls = city(client)
    demo, allday = halls["demo"], halls["allday"]
    assert (demo["name"], demo["name_en"]) == ("滨江区政务服务中心", "Binjiang District Government Service Centre")
    assert demo["state"] == "open" and demo["sessions"] == ["工作日上午"]
    assert (demo["waiting"], demo["longest_wait_minutes"], demo["target_minutes"]) == (1, 20.0, 15.0)
    assert (demo["windows_open"], demo["windows"], demo["tidal_switched"], demo["served_today"]) == (1, 16, 1, 1)
    assert demo["needs_help"] == 1.33  # 20 minutes against a 15-minute target
    # allday: three wait 20 minutes and nobody is at a window
    assert allday["state"] == "open"
    assert (allday["waiting"], allday["longest_wait_minutes"], allday["windows_open"]) == (3, 20.0, 0)
    assert (allday["tidal_switched"], allday["served_today"]) == (0, 0)
    assert allday["needs_help"] == round(20 / allday["target_minutes"] + 1, 2)
    assert order(client) == ["allday", "demo"]

    # a clerk opens an allday window and serves two: it needs less help than demo now
    allday_clerk = client.post(
        "/api/halls/allday/sign-in", json={"username": "w01", "password": "tidequeue", "window": 1}
    )
    assert allday_clerk.status_code == 200, allday_clerk.text
    headers = {"Authorization": f"Bearer {allday_clerk.json()['token']}"}
    for _ in range(2):
        assert client.post("/api/halls/allday/windows/1/call-next", headers=headers).status_code == 200
        assert client.post("/api/halls/allday/windows/1/complete", headers=headers).status_code == 200
    for _ in range(3):
        take(client, "demo")
    clock.moment = MORNING + timedelta(minutes=30)
    halls = city(client)
    assert (halls["allday"]["waiting"], halls["allday"]["served_today"], halls["allday"]["windows_open"]) == (1, 2, 1)
    assert halls["demo"]["waiting"] == 4 and halls["demo"]["longest_wait_minutes"] == 30.0
    assert order(client) == ["demo", "allday"]


def test_a_hall_past_its_last_session_is_extended_then_closed(client: TestClient, clock: StoppedClock) -> None:
    clock.moment = datetime(2026, 11, 23, 17, 10, tzinfo=SHANGHAI)  # Monday's evening extension (晚间延时)
    take(client, "demo")
    clock.moment = datetime(2026, 11, 23, 18, 40, tzinfo=SHANGHAI)  # past 18:30: still one in line
    demo = city(client)["demo"]
    assert (demo["state"], demo["waiting"], demo["longest_wait_minutes"]) == ("extended", 1, 90.0)
    assert demo["windows_open"] == 0 and demo["needs_help"] == 7.0  # 90/15, +1: nobody serves them
    assert order(client)[0] == "demo"
    # the clerk of window 1 serves the last visitor; the hall closes until Tuesday morning
    clerk = {"Authorization": f"Bearer {sign_in(client, 'w01', 1).json()['token']}"}
    assert act(client, 1, "call-next", clerk).status_code == 200
    assert act(client, 1, "complete", clerk).status_code == 200
    clock.moment = datetime(2026, 11, 23, 21, 0, tzinfo=SHANGHAI)
    demo = city(client)["demo"]
    assert (demo["state"], demo["waiting"], demo["needs_help"], demo["served_today"]) == ("closed", 0, 0.0, 1)
    assert datetime.fromisoformat(demo["next_opening"]) == datetime(2026, 11, 24, 9, 0, tzinfo=SHANGHAI)
    assert city(client)["allday"]["state"] == "open"  # the all-day hall never closes


def test_only_the_admin_token_reads_the_city(client: TestClient) -> None:
    missing = client.get(CITY)
    assert (missing.status_code, missing.json()["error"]) == (401, "missing_token")
    assert missing.json()["message"].startswith("请先登录")
    assert missing.json()["message_en"].startswith("Sign in first")
    boss = client.post("/api/halls/demo/guide/sign-in", json={"username": "boss", "password": "tidequeue"})
    assert boss.status_code == 200, boss.text
    for token in ("not-the-token", boss.json()["token"]):  # a hall's own 值班长 sees their hall's console, not the city
        refused = client.get(CITY, headers={"Authorization": f"Bearer {token}"})
        assert (refused.status_code, refused.json()["error"]) == (403, "supervisors_only")
        assert refused.json()["message"] == "只有全市值班长（管理员令牌 QUEUE_ADMIN_TOKEN）可以查看全市概览。"
        assert "admin token" in refused.json()["message_en"]
