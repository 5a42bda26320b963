"""One server process behind a real nginx running the configuration the docs ship (docs/nginx.conf, its upstream
cut to one line): every visitor is known by the address nginx saw, whatever X-Forwarded-For they write themselves,
and the live channels pass through.

On one machine the "visitors" are other loopback addresses (127.0.0.2, 127.0.0.4); nginx reaches the server from
127.0.0.1, the hall's only trusted proxy, and the hall trusts no LAN, so everyone is an anonymous client.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus
from websockets.typing import Origin

from tests.server.behind_nginx import proxied_hall

pytestmark = [pytest.mark.process]


@pytest.fixture
def behind_nginx(tmp_path: Path, redis_url: str) -> Iterator[str]:
    """The demo hall on one server process behind nginx, trusting only nginx's forwarded addresses; answers nginx's
    URL. (Several processes: test_proxy_several_processes.py.)"""
    with proxied_hall(tmp_path, redis_url, processes=1) as hall:
        yield hall.url


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
