"""Switching a tidal window (潮汐窗口) in Redis: the atomic script, call-next on a switched window, and the
supervisors' API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest
from redis.asyncio import Redis
from starlette.testclient import TestClient

from queue_server.config.loader import load_halls
from queue_server.core.errors import Conflict
from queue_server.runtime.clock import Clock
from queue_server.server.app import create_app
from queue_server.store import keys
from queue_server.store.hall_store import HallStore
from tests.conftest import MORNING
from tests.records import called, switched
from tests.redis_cluster import sync_client

ADMIN = {"Authorization": "Bearer supervisor-secret"}


async def last_event(redis: Redis, hall_id: str) -> dict[str, Any]:
    entries = cast(list[tuple[str, dict[str, str]]], await redis.xrevrange(keys.events(hall_id), count=1))
    data: dict[str, Any] = json.loads(entries[0][1]["data"])
    return data


@pytest.mark.asyncio
async def test_a_switched_window_calls_its_new_category_first_and_its_own_when_nobody_waits_there(
    store: HallStore, redis: Redis
) -> None:
    c_ticket = (await store.issue(MORNING, "C"))["ticket"]
    a_ticket = (await store.issue(MORNING, "A"))["ticket"]
    window = store.hall.window(5)  # tidal, serves C at home
    assert window is not None
    reason = "predicted wait 40 min ≥ 30 min for 6 min"
    await store.tidal(MORNING, 5, "A", manual=False, cause="congested", reason=reason, expected="")
    opened = await last_event(redis, "t1")
    assert {k: opened[k] for k in ("type", "window", "service", "cause", "reason", "manual")} == {
        "type": "tidal_opened", "window": 5, "service": "A", "cause": "congested", "reason": reason, "manual": False,
    }  # fmt: skip
    snapshot = (await store.snapshot(MORNING))["windows"][4]
    assert (snapshot["services"], snapshot["home_services"], switched(snapshot)["service"]) == (["A", "C"], ["C"], "A")
    later_a = (await store.issue(MORNING, "A"))["ticket"]
    first = called(await store.call_next(MORNING, window))
    assert (first["id"], first["tidal"]) == (a_ticket["id"], True)  # C waited longer, but A comes first now
    assert called(await store.call_next(MORNING, window))["id"] == later_a["id"]
    own = called(await store.call_next(MORNING, window))  # nobody left in A: the clerk serves the window's own C
    assert (own["id"], own.get("tidal")) == (c_ticket["id"], None)  # not counted as tidal work

    await store.tidal(MORNING, 5, None, manual=False, cause="calm", reason="nobody waiting", expected="A")
    assert (await last_event(redis, "t1"))["type"] == "tidal_closed"
    c_again = (await store.issue(MORNING, "C"))["ticket"]
    await store.issue(MORNING, "A")
    assert called(await store.call_next(MORNING, window))["id"] == c_again["id"]


@pytest.mark.asyncio
async def test_the_controller_never_acts_on_what_it_did_not_see(store: HallStore) -> None:
    await store.tidal(MORNING, 5, "A", manual=False, cause="congested", reason="r", expected="")
    for service, expected in (("B", ""), (None, "B")):
        with pytest.raises(Conflict) as error:
            await store.tidal(MORNING, 5, service, manual=False, cause="c", reason="r", expected=expected)
        assert error.value.code == "tidal_changed"
    with pytest.raises(Conflict) as error:
        await store.tidal(MORNING, 5, "A", manual=False, cause="c", reason="r", expected="A")
    assert error.value.code == "tidal_already_open"


@pytest.mark.asyncio
async def test_a_hand_made_switch_stays_until_a_person_releases_it(store: HallStore) -> None:
    await store.tidal(MORNING, 5, "B", manual=True, cause="manual", reason="by hand")
    with pytest.raises(Conflict) as error:
        await store.tidal(MORNING, 5, None, manual=False, cause="calm", reason="r", expected="B")
    assert error.value.code == "tidal_manual"
    await store.tidal(MORNING, 5, None, manual=True, cause="manual", reason="released")
    with pytest.raises(Conflict) as error:
        await store.tidal(MORNING, 5, None, manual=True, cause="manual", reason="again")
    assert error.value.code == "tidal_not_open"


@pytest.fixture
def client(redis_url: str, config_dir: Path) -> Iterator[TestClient]:
    sync_client(redis_url).flushall()
    app = create_app(load_halls(config_dir), redis_url, Clock(MORNING), admin_token="supervisor-secret")
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def test_a_supervisor_switches_a_tidal_window_by_hand(client: TestClient) -> None:
    opened = client.post("/api/halls/demo/windows/13/tidal", json={"service": "C"}, headers=ADMIN)
    assert opened.status_code == 200, opened.text
    assert opened.json()["window"]["switched_to"]["service"] == "C"
    window = next(w for w in client.get("/api/halls/demo").json()["windows"] if w["number"] == 13)
    assert window["services"] == ["C", "G"] and switched(window)["manual"] is True  # C first, then its own G
    released = client.delete("/api/halls/demo/windows/13/tidal", headers=ADMIN)
    assert (released.status_code, released.json()["window"]["switched_to"]) == (200, None)
    again = client.delete("/api/halls/demo/windows/13/tidal", headers=ADMIN)
    assert (again.status_code, again.json()["error"]) == (409, "tidal_not_open")


@pytest.mark.parametrize(
    ("window", "body", "headers", "status", "code"),
    [
        (13, {"service": "C"}, {}, 401, "missing_token"),
        (13, {"service": "Z"}, ADMIN, 404, "unknown_service"),
        (13, {}, ADMIN, 422, "missing_field"),
        (99, {"service": "C"}, ADMIN, 404, "unknown_window"),
    ],
)
def test_tidal_switch_errors(
    client: TestClient, window: int, body: dict[str, Any], headers: dict[str, str], status: int, code: str
) -> None:
    response = client.post(f"/api/halls/demo/windows/{window}/tidal", json=body, headers=headers)
    assert (response.status_code, response.json()["error"]) == (status, code)


def test_a_window_not_marked_tidal_is_never_switched(client: TestClient) -> None:
    response = client.post("/api/halls/allday/windows/1/tidal", json={"service": "B"}, headers=ADMIN)
    assert (response.status_code, response.json()["error"]) == (409, "not_a_tidal_window")


def test_a_clerk_may_not_switch_a_tidal_window(client: TestClient) -> None:
    token = client.post(
        "/api/halls/demo/sign-in", json={"username": "w13", "password": "tidequeue", "window": 13}
    ).json()["token"]
    response = client.post(
        "/api/halls/demo/windows/13/tidal", json={"service": "C"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert (response.status_code, response.json()["error"]) == (403, "supervisors_only")
