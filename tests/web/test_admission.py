"""Tickets are refused outside a category's sessions, and when a newcomer could no longer be served tonight."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from redis import Redis as SyncRedis
from redis.asyncio import Redis
from starlette.testclient import TestClient

from queue_server.config.loader import load_halls
from queue_server.core.errors import Conflict
from queue_server.core.hours import max_waiting
from queue_server.runtime.clock import Clock
from queue_server.server.app import create_app
from queue_server.store.hall_store import HallStore, Scripts

SHANGHAI = ZoneInfo("Asia/Shanghai")
SUNDAY_AFTERNOON = datetime(2026, 11, 22, 12, 30, tzinfo=SHANGHAI)  # the weekend session ended at 12:00
FRIDAY_NIGHT = datetime(2026, 11, 27, 19, 0, tzinfo=SHANGHAI)  # Saturday's session takes appointments
MONDAY_EVENING = datetime(2026, 11, 23, 18, 0, tzinfo=SHANGHAI)  # the evening extension runs until 18:30
MONDAY_FIVE = datetime(2026, 11, 23, 17, 0, tzinfo=SHANGHAI)


@pytest.fixture
def client_at(redis_url: str, config_dir: Path) -> Iterator[Any]:
    clients: list[TestClient] = []
    SyncRedis.from_url(redis_url).flushall()

    def start(moment: datetime, address: str = "127.0.0.1") -> TestClient:
        """A client at ``moment``; by default a kiosk on the hall's LAN, else an anonymous client (a phone)."""
        app = create_app(load_halls(config_dir), redis_url, Clock(moment), admin_token="supervisor-secret")
        client = TestClient(app, raise_server_exceptions=False, client=(address, 50000)).__enter__()
        clients.append(client)
        return client

    yield start
    for client in clients:
        client.__exit__(None, None, None)


def test_a_closed_category_says_when_it_opens(client_at: Any) -> None:
    client = client_at(SUNDAY_AFTERNOON)
    answer = client.post("/api/halls/demo/tickets", json={"service": "A"})
    assert answer.status_code == 409
    body = answer.json()
    assert body["error"] == "closed"
    assert body["next_opening"] == "2026-11-23T09:00:00+08:00"
    assert body["next_opening_text"] == "11月23日 周一 09:00"
    assert "11月23日 周一 09:00" in body["message"] and "Mon 23 Nov 09:00" in body["message_en"]
    assert body["booking"] is None  # weekday sessions take no appointments
    # nothing was issued: the next ticket on Monday is still the first
    monday = client_at(datetime(2026, 11, 23, 9, 5, tzinfo=SHANGHAI))
    assert monday.post("/api/halls/demo/tickets", json={"service": "A"}).json()["number"] == "A001"


def test_a_refusal_before_a_session_with_appointments_points_to_booking(client_at: Any) -> None:
    body = client_at(FRIDAY_NIGHT).post("/api/halls/demo/tickets", json={"service": "A"}).json()
    assert (body["error"], body["next_opening"]) == ("closed", "2026-11-28T09:00:00+08:00")
    assert body["booking"] == "/book/demo?service=A"
    assert "可预约" in body["message"]


def test_issuing_stops_when_the_line_could_not_be_served_tonight(client_at: Any) -> None:
    # Monday 18:00: real estate (C, 20 minutes) has one window in the evening extension, which ends at 18:30 with
    # 30 minutes' grace: 60 minutes serve three visitors, and a newcomer must be served in time, so two tickets
    # are issued and the third is refused.
    client = client_at(MONDAY_EVENING)
    numbers = [client.post("/api/halls/demo/tickets", json={"service": "C"}) for _ in range(3)]
    assert [a.status_code for a in numbers] == [201, 201, 409]
    refused = numbers[2].json()
    assert refused["error"] == "issuing_closed"
    assert refused["next_opening"] == "2026-11-24T09:00:00+08:00"
    assert "今日已停止取号" in refused["message"]
    # The hall is still open for categories with room, and its snapshot says C no longer issues.
    assert client.post("/api/halls/demo/tickets", json={"service": "A"}).status_code == 201
    snapshot = client.get("/api/halls/demo").json()
    estate = next(c for c in snapshot["categories"] if c["code"] == "C")["opening"]
    assert (estate["open"], estate["issuing"]) == (True, False)


def test_phones_leave_the_walk_ins_their_share_of_the_evening(client_at: Any) -> None:
    """Monday 17:00, real estate (C, 20 minutes a visitor): five newcomers can still be served tonight, and 30% of
    them, rounded up, are kept for walk-ins. A crowd of phones, each on its own address, takes the other three;
    visitors at the hall kiosk still get their two."""
    phones = iter(range(1, 255))

    def from_a_phone() -> Any:
        phone = client_at(MONDAY_FIVE, f"203.0.113.{next(phones)}")
        return phone.post("/api/halls/demo/tickets", json={"service": "C"})

    online = 0
    while (answer := from_a_phone()).status_code == 201:
        online += 1
    assert answer.json()["error"] == "walk_ins_only"
    assert "请到大厅自助取号机取号" in answer.json()["message"] and "hall kiosk" in answer.json()["message_en"]
    kiosk = client_at(MONDAY_FIVE)
    walk_ins = 0
    while (answer := kiosk.post("/api/halls/demo/tickets", json={"service": "C"})).status_code == 201:
        walk_ins += 1
    assert answer.json()["error"] == "issuing_closed"  # now the session is full for everyone
    assert (online, walk_ins) == (3, 2)
    assert from_a_phone().json()["error"] == "issuing_closed"


def test_a_retried_request_still_gets_its_ticket_after_the_cutoff(client_at: Any) -> None:
    headers = {"Idempotency-Key": "kiosk-3-0042"}
    first = client_at(MONDAY_EVENING).post("/api/halls/demo/tickets", json={"service": "C"}, headers=headers)
    late = client_at(datetime(2026, 11, 23, 19, 0, tzinfo=SHANGHAI))  # after the session: closed
    again = late.post("/api/halls/demo/tickets", json={"service": "C"}, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert late.post("/api/halls/demo/tickets", json={"service": "C"}).json()["error"] == "closed"


@pytest.mark.asyncio
async def test_kiosks_racing_for_the_last_places_never_overfill_the_session(redis: Redis, config_dir: Path) -> None:
    store = HallStore(redis, Scripts(redis), load_halls(config_dir)["demo"])
    late = datetime(2026, 11, 23, 17, 50, tzinfo=SHANGHAI)  # C: 70 minutes left at one window
    limit = max_waiting(late, store.hall, "C")
    assert limit == 2  # 70 / 20 = 3.5 served in time: a newcomer fits behind at most two

    async def one() -> str:
        try:
            await store.issue(late, "C", max_waiting=limit)
        except Conflict as e:
            return e.code
        return "issued"

    results = await asyncio.gather(*(one() for _ in range(40)))
    assert results.count("issued") == limit + 1
    assert set(results) == {"issued", "issuing_closed"}
    assert await store.waiting("C") == limit + 1
