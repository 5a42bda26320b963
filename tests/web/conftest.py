"""What the API tests share: a client that is one of the demo hall's kiosks, and the calls it makes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from redis import Redis
from starlette.testclient import TestClient

from queue_server.config.loader import load_halls
from queue_server.runtime.clock import Clock
from queue_server.server.app import create_app
from tests.conftest import MORNING

ADMIN = {"Authorization": "Bearer supervisor-secret"}


@pytest.fixture
def sync_redis(redis_url: str) -> Iterator[Redis]:
    client = Redis.from_url(redis_url, decode_responses=True)
    client.flushall()
    yield client
    client.close()


@pytest.fixture
def client(sync_redis: Redis, redis_url: str, config_dir: Path) -> Iterator[TestClient]:
    app = create_app(load_halls(config_dir), redis_url, Clock(MORNING), admin_token="supervisor-secret")
    # A kiosk of the hall: on its LAN (the demo hall trusts this machine), so no anonymous limit applies.
    with TestClient(app, raise_server_exceptions=False, client=("127.0.0.1", 50000)) as c:
        yield c


def take(client: TestClient, service: str = "A", **extra: Any) -> dict[str, Any]:
    response = client.post("/api/halls/demo/tickets", json={"service": service, **extra})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def act(client: TestClient, window: int, action: str, headers: dict[str, str] = ADMIN, **body: Any) -> Any:
    return client.post(f"/api/halls/demo/windows/{window}/{action}", headers=headers, json=body or None)


def sign_in(client: TestClient, username: str, window: int, password: str = "tidequeue") -> Any:
    return client.post("/api/halls/demo/sign-in", json={"username": username, "password": password, "window": window})
