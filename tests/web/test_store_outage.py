"""The web edge while the embedded Redis is down: ``/api/health`` answers 503 saying that it restarts, since when
and how often it tried, and 200 again, counting the restart, once it is back; a screen that connects meanwhile is
told to try again later (1013), in one line of log. A real redis-server whose restarts fail until the test lets
them succeed holds the outage open for as long as the test looks."""

from __future__ import annotations

import logging
import os
import signal
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from queue_server.config.loader import load_halls
from queue_server.runtime.clock import Clock
from queue_server.runtime.log_throttle import LogThrottle
from queue_server.server.app import create_app
from queue_server.store.redis_keeper import RedisKeeper
from queue_server.web import responses
from tests.conftest import MORNING


def test_health_says_the_embedded_redis_is_restarting_then_is_healthy_again(
    keeper: RedisKeeper, config_dir: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(responses, "STORE_OUTAGE", LogThrottle())  # this test's outage, not an earlier test's
    app = create_app(
        load_halls(config_dir), keeper.redis.url, Clock(MORNING), background=False, redis_state=keeper.state
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/api/health").json() == {"ok": True, "halls": ["allday", "demo"], "redis_restarts": 0}
        good = list(keeper.redis._args)
        keeper.redis._args = [*good, "--no-such-option", "yes"]  # its restarts fail until the test says
        assert keeper.redis.process is not None
        os.kill(keeper.redis.process.pid, signal.SIGKILL)
        assert keeper.wait(lambda state: state.attempts >= 2, 10), keeper.state()

        answer = client.get("/api/health")
        assert answer.status_code == 503
        body = answer.json()
        assert (body["error"], body["restarting"], body["redis_exit"]) == (
            "store_unavailable",
            True,
            "signal 9, SIGKILL",
        )
        assert body["restart_attempts"] >= 2
        down_since = datetime.fromisoformat(body["down_since"])
        assert MORNING - timedelta(seconds=1) <= down_since <= MORNING + timedelta(seconds=60)  # the server's clock
        assert body["message"].startswith(f"内置 Redis 于 {body['down_since']} 停止（signal 9, SIGKILL），正在")
        assert f"(restart attempts so far: {body['restart_attempts']})" in body["message_en"]

        caplog.set_level(logging.INFO)
        for _ in range(3):  # a hall screen reconnecting during the outage
            with client.websocket_connect("/ws/halls/demo") as ws, pytest.raises(WebSocketDisconnect) as closed:
                ws.receive_text()
            assert closed.value.code == 1013  # try again later
        refused = [r for r in caplog.records if r.name == "tidequeue.http"]
        assert [(r.levelname, r.exc_info) for r in refused] == [("ERROR", None)]
        assert refused[0].getMessage().startswith("Redis unavailable during WebSocket /ws/halls/demo: ")

        keeper.redis._args = good
        assert keeper.wait(lambda state: state.up, 15), keeper.state()
        assert client.get("/api/health").json() == {"ok": True, "halls": ["allday", "demo"], "redis_restarts": 1}
