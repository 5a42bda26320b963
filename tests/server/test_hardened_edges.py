"""The server's edges as an attacker meets them: headers, frame sizes, the supervisors' token, secrets in logs."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import httpx2
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from queue_server.store.embedded_redis import free_port
from tests.server_process import LineReadingProcess, ServerProcess

pytestmark = [pytest.mark.process]


def test_every_answer_carries_the_security_headers(live_server: ServerProcess) -> None:
    for path in ("/kiosk/demo", "/book/demo", "/stats/demo", "/caller/demo", "/api/docs"):
        page = httpx2.get(f"{live_server.url}{path}")
        assert page.status_code == 200, path
        policy = page.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy, path
        assert "unsafe-inline" not in policy
        assert page.headers["x-content-type-options"] == "nosniff"
        assert page.headers["referrer-policy"] == "same-origin"
        assert "server" not in page.headers, path  # no "Server: uvicorn"
    screen = httpx2.get(f"{live_server.url}/display/demo")
    assert "frame-ancestors *" in screen.headers["content-security-policy"]  # signage players embed it
    api = httpx2.get(f"{live_server.url}/api/halls/demo")
    assert api.headers["x-content-type-options"] == "nosniff" and "server" not in api.headers
    assert "content-security-policy" not in api.headers  # JSON is not a page


def test_a_channel_refuses_a_large_frame(live_server: ServerProcess) -> None:
    async def send_big() -> int | None:
        url = live_server.url.replace("http://", "ws://") + "/ws/halls/demo"
        async with connect(url) as ws:
            await ws.recv()  # the snapshot
            await ws.send("x" * 64 * 1024)
            try:
                while True:
                    await asyncio.wait_for(ws.recv(), 5)
            except ConnectionClosed as closed:
                return closed.rcvd.code if closed.rcvd else None

    assert asyncio.run(send_big()) == 1009  # message too big: the server closed the channel


@pytest.mark.parametrize("token", ["x", "fifteen-chars!!"])
def test_a_short_supervisors_token_stops_the_server(tmp_path: Path, token: str) -> None:
    env = {**os.environ, "QUEUE_ADMIN_TOKEN": token}
    args = [sys.executable, "-m", "queue_server.server.cli", "--port", str(free_port()), "--data-dir", str(tmp_path)]
    with LineReadingProcess(args, env=env) as server:
        assert server.process.wait(30) == 2
        assert f"QUEUE_ADMIN_TOKEN is {len(token)} characters; use at least 16" in server.output


def test_a_password_in_redis_url_is_never_printed(tmp_path: Path) -> None:
    env = {**os.environ, "REDIS_URL": "redis://:hunter2-secret@127.0.0.1:1/0", "QUEUE_ADMIN_TOKEN": "x" * 20}
    args = [sys.executable, "-m", "queue_server.server.cli", "--port", str(free_port()), "--data-dir", str(tmp_path)]
    with LineReadingProcess(args, env=env) as server:
        assert server.process.wait(30) == 1
        assert "cannot reach the Redis in REDIS_URL (redis://:***@127.0.0.1:1/0)" in server.output
        assert "hunter2" not in server.output
