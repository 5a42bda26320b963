"""The server behind a real nginx running the configuration the docs ship (docs/nginx.conf): every visitor is known
by the address nginx saw, whatever X-Forwarded-For they write themselves, and the live channels pass through.

On one machine the "visitors" are other loopback addresses (127.0.0.2, 127.0.0.4); nginx reaches the server from
127.0.0.1, the hall's only trusted proxy, and the hall trusts no LAN, so everyone is an anonymous client.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from redis import Redis
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus
from websockets.typing import Origin

from queue_server.store.embedded_redis import free_port
from tests.server_process import ROOT, LineReadingProcess, ServerProcess

pytestmark = [pytest.mark.process]

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def proxied_config(backend: int, port: int, folder: Path) -> Path:
    """docs/nginx.conf on this test's ports, inside a main configuration that keeps everything in ``folder``."""
    site = (ROOT / "docs" / "nginx.conf").read_text(encoding="utf-8")
    for shipped, here in (("listen 80;", f"listen 127.0.0.1:{port};"), ("127.0.0.1:8000", f"127.0.0.1:{backend}")):
        assert site.count(shipped) == 1, f"docs/nginx.conf no longer says {shipped!r} once"
        site = site.replace(shipped, here)
    (folder / "tidequeue.conf").write_text(site, encoding="utf-8")
    temp = " ".join(
        f"{kind}_temp_path {folder}/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    main = folder / "nginx.conf"
    main.write_text(
        f"daemon off;\nworker_processes 1;\npid {folder}/nginx.pid;\nerror_log stderr notice;\n"
        f"user root;\nevents {{ worker_connections 256; }}\n"
        f"http {{ access_log off; {temp} include {folder}/tidequeue.conf; }}\n",
        encoding="utf-8",
    )
    return main


@pytest.fixture
def behind_nginx(tmp_path: Path, redis_url: str) -> Iterator[str]:
    """The demo hall behind nginx, trusting only nginx's forwarded addresses; answers nginx's URL."""
    Redis.from_url(redis_url).flushall()
    halls = tmp_path / "halls"
    halls.mkdir()
    text = (ROOT / "config" / "demo.toml").read_text(encoding="utf-8")
    shipped = 'networks = ["127.0.0.0/8", "::1/128"]'
    assert text.count(shipped) == 1
    text = text.replace(shipped, 'networks = []\ntrusted_proxies = ["127.0.0.1/32"]')
    (halls / "demo.toml").write_text(text.replace("tickets_per_hour = 10", "tickets_per_hour = 2"), encoding="utf-8")
    with ServerProcess(tmp_path / "var", redis_url=redis_url, config=halls) as server:
        server.ready()
        port = free_port()
        nginx_dir = tmp_path / "nginx"
        nginx_dir.mkdir()
        command = [NGINX, "-p", str(nginx_dir), "-c", str(proxied_config(server.port, port, nginx_dir))]
        with LineReadingProcess(command) as nginx:
            # nginx opens its listening sockets before it starts its workers, and says so on standard error.
            nginx.wait_for("start worker process", timeout=10)
            yield f"http://127.0.0.1:{port}"
            nginx.stop()


def visitor(address: str) -> httpx2.Client:
    return httpx2.Client(transport=httpx2.HTTPTransport(local_address=address), timeout=10)


def test_each_visitor_is_known_by_the_address_nginx_saw(behind_nginx: str) -> None:
    tickets = f"{behind_nginx}/api/halls/demo/tickets"
    with visitor("127.0.0.2") as liar, visitor("127.0.0.4") as neighbour:
        # Claiming to be someone else (or the proxy itself) in X-Forwarded-For changes nothing.
        claims = ("10.9.0.1", "127.0.0.1", "10.9.0.3")
        answers = [
            liar.post(tickets, json={"service": code}, headers={"X-Forwarded-For": claim})
            for code, claim in zip("ABC", claims, strict=True)
        ]
        assert [a.status_code for a in answers] == [201, 201, 429]
        assert answers[2].json()["error"] == "too_many_tickets" and int(answers[2].headers["Retry-After"]) >= 1
        # Another visitor has an allowance of their own.
        assert neighbour.post(tickets, json={"service": "A"}).status_code == 201
        # A browser page served through nginx may post: its Origin is the Host nginx passed on.
        page_origin = {"Origin": behind_nginx}
        assert neighbour.post(tickets, json={"service": "B"}, headers=page_origin).status_code == 201


def test_the_live_channels_pass_through_nginx(behind_nginx: str) -> None:
    ws_url = behind_nginx.replace("http://", "ws://") + "/ws/halls/demo"

    async def follow() -> tuple[dict[str, object], dict[str, object]]:
        async with connect(ws_url, origin=Origin(behind_nginx), local_addr=("127.0.0.2", 0)) as screen:
            snapshot = json.loads(await asyncio.wait_for(screen.recv(), 10))
            with visitor("127.0.0.4") as kiosk:
                assert kiosk.post(f"{behind_nginx}/api/halls/demo/tickets", json={"service": "D"}).status_code == 201
            while (issued := json.loads(await asyncio.wait_for(screen.recv(), 10)))["type"] == "heartbeat":
                pass
            return snapshot, issued

    snapshot, issued = asyncio.run(follow())
    assert snapshot["type"] == "snapshot"
    assert (issued["type"], issued["number"]) == ("issued", "D001")

    async def foreign() -> None:
        async with connect(ws_url, origin=Origin("https://evil.example")):
            pass

    with pytest.raises(InvalidStatus):  # another site's page may not open the channel through the proxy either
        asyncio.run(foreign())
