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


def hall_file(folder: Path, demo: bool) -> Path:
    """A copy of the shipped demo hall, marked a demo or not."""
    shipped = (Path(__file__).resolve().parent.parent.parent / "config" / "demo.toml").read_text(encoding="utf-8")
    text = shipped if demo else shipped.replace("\ndemo = true\n", "\n")
    assert (text != shipped) != demo
    folder.mkdir(exist_ok=True)
    (folder / "hall.toml").write_text(text, encoding="utf-8")
    return folder


def test_a_hall_that_is_not_a_demo_may_not_keep_the_demo_password(tmp_path: Path) -> None:
    config = hall_file(tmp_path / "config", demo=False)
    env = {**os.environ, "QUEUE_ADMIN_TOKEN": "x" * 20}
    args = [sys.executable, "-m", "queue_server.server.cli", "--port", str(free_port()), "--config", str(config)]
    with LineReadingProcess([*args, "--data-dir", str(tmp_path / "var")], env=env) as server:
        assert server.process.wait(60) == 2
        assert "hall 'demo': clerks w01, w02" in server.output
        assert "still have the public demo password 'tidequeue'" in server.output


def test_a_demo_hall_starts_with_a_loud_warning(tmp_path: Path, redis_url: str) -> None:
    config = hall_file(tmp_path / "config", demo=True)
    with ServerProcess(tmp_path / "var", redis_url=redis_url, config=config) as server:
        warning = server.wait_for("DEMO HALL demo")
        assert "public 'tidequeue'" in warning
        server.ready()
        pad = httpx2.get(f"{server.url}/caller/demo")
        assert "演示大厅：窗口人员使用公开的演示密码" in pad.text
        assert "Demo hall: the clerks' password is the public" in httpx2.get(f"{server.url}/caller/demo?lang=en").text


def test_a_real_halls_caller_pad_has_no_demo_warning(tmp_path: Path, redis_url: str) -> None:
    config = hall_file(tmp_path / "config", demo=False)
    password = "a-real-password-1"
    from queue_server.core.passwords import hash_password

    text = (config / "hall.toml").read_text(encoding="utf-8")
    hashes = set(line.split('"')[1] for line in text.splitlines() if line.startswith("password_hash"))
    own = hash_password(password)
    for old in hashes:
        text = text.replace(old, own)
    (config / "hall.toml").write_text(text, encoding="utf-8")
    with ServerProcess(tmp_path / "var", redis_url=redis_url, config=config) as server:
        server.ready()
        assert "demo-warning" not in httpx2.get(f"{server.url}/caller/demo").text
        assert not any("DEMO HALL" in line for line in server.err)
