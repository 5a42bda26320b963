"""Several server processes on one Redis behind a real nginx running the site the docs ship (docs/nginx.conf, one
upstream line per process): any process serves any hall, with no affinity and no sticky sessions.

nginx spreads requests over the processes in turn, and its log says which process answered each request a test
marked (tests/server/behind_nginx.py). Visitors are other loopback addresses (127.0.0.2, 127.0.0.4); nginx reaches
the processes from 127.0.0.1, the hall's only trusted proxy, and the hall trusts no LAN.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx2
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Origin

from tests.server.behind_nginx import ProxiedHall, proxied_hall

pytestmark = [pytest.mark.process]

SUPERVISOR = {"Authorization": "Bearer supervisor-secret"}


def visitor(address: str) -> httpx2.Client:
    return httpx2.Client(transport=httpx2.HTTPTransport(local_address=address), timeout=10)


def channel(hall: ProxiedHall, path: str, probe: str, address: str = "127.0.0.2") -> connect:
    """A live channel opened through nginx, as a page served by nginx opens it."""
    url = hall.url.replace("http://", "ws://") + path
    return connect(url, origin=Origin(hall.url), local_addr=(address, 0), additional_headers={"X-Probe": probe})


async def next_event(socket: ClientConnection, kind: str) -> dict[str, Any]:
    """The next event of ``kind`` on a hall channel (events that came together arrive as one JSON array)."""
    async with asyncio.timeout(10):
        while True:
            message = json.loads(await socket.recv())
            for event in message if isinstance(message, list) else [message]:
                if event["type"] == kind:
                    return dict(event)


async def ticket_in_state(socket: ClientConnection, state: str) -> dict[str, Any]:
    """The ticket channel's next message showing the ticket ``state``."""
    async with asyncio.timeout(10):
        while True:
            message = json.loads(await socket.recv())
            if message["type"] == "ticket" and message["ticket"]["state"] == state:
                return dict(message)


def test_requests_are_spread_over_every_process(tmp_path: Path, redis_url: str) -> None:
    with proxied_hall(tmp_path, redis_url, processes=3) as hall, visitor("127.0.0.2") as screen:
        for n in range(6):
            answer = screen.get(f"{hall.url}/api/halls/demo", headers={"X-Probe": f"look-{n}"})
            assert answer.status_code == 200 and answer.json()["hall"]["id"] == "demo"
        landings = [hall.nginx.landed(f"look-{n}") for n in range(6)]
        processes = {server.port for server in hall.servers}
    # Each process answered some of them, each at the first try.
    assert {landing.served_by for landing in landings} == processes
    assert all(len(landing.upstreams) == 1 for landing in landings)


def test_a_ticket_taken_through_one_process_is_followed_live_through_another(tmp_path: Path, redis_url: str) -> None:
    with proxied_hall(tmp_path, redis_url, processes=2) as hall:
        tickets = f"{hall.url}/api/halls/demo/tickets"

        async def follow() -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
            with visitor("127.0.0.2") as phone:
                taken = phone.post(tickets, json={"service": "A"}, headers={"X-Probe": "take"})
            assert taken.status_code == 201, taken.text
            ticket = taken.json()
            async with channel(hall, f"/ws/tickets/{ticket['id']}", "follow") as socket:
                waiting = await ticket_in_state(socket, "waiting")
                # The clerk signs in through one process and calls through another: the session is in Redis.
                with visitor("127.0.0.4") as desk:
                    signed_in = desk.post(
                        f"{hall.url}/api/halls/demo/sign-in",
                        json={"username": "w01", "password": "tidequeue", "window": 1},
                        headers={"X-Probe": "sign-in"},
                    )
                    assert signed_in.status_code == 200, signed_in.text
                    called = desk.post(
                        f"{hall.url}/api/halls/demo/windows/1/call-next",
                        headers={"Authorization": f"Bearer {signed_in.json()['token']}", "X-Probe": "call"},
                    )
                assert called.status_code == 200, called.text
                assert called.json()["ticket"]["number"] == ticket["number"]
                return ticket, waiting, await ticket_in_state(socket, "called")

        ticket, waiting, update = asyncio.run(follow())
        served_by = {probe: hall.nginx.landed(probe).served_by for probe in ("take", "follow", "sign-in", "call")}
    assert waiting["ticket"]["number"] == ticket["number"]
    # The phone, following through the other process, is told at once where to go.
    assert (update["event"], update["ticket"]["number"], update["ticket"]["window"]) == ("called", ticket["number"], 1)
    assert served_by["take"] != served_by["follow"]
    assert served_by["sign-in"] != served_by["call"]


def test_every_process_knows_a_visitor_by_the_address_nginx_saw(tmp_path: Path, redis_url: str) -> None:
    with (
        proxied_hall(tmp_path, redis_url, processes=2) as hall,
        visitor("127.0.0.2") as liar,
        visitor("127.0.0.4") as neighbour,
    ):
        tickets = f"{hall.url}/api/halls/demo/tickets"
        # Claiming to be someone else, or the proxy itself, changes nothing on any process.
        claims = ("10.9.0.1", "127.0.0.1", "10.9.0.3")
        answers = [
            liar.post(
                tickets,
                json={"service": code},
                headers={"X-Forwarded-For": claim, "X-Real-IP": claim, "X-Probe": f"liar-{code}"},
            )
            for code, claim in zip("ABC", claims, strict=True)
        ]
        # Another visitor has an allowance of their own.
        neighbour_answer = neighbour.post(tickets, json={"service": "A"}, headers={"X-Forwarded-For": "127.0.0.2"})
        served_by = [hall.nginx.landed(f"liar-{code}").served_by for code in "AB"]
    # Two tickets an hour per address, counted in Redis: the two taken through different processes use it up.
    assert [a.status_code for a in answers] == [201, 201, 429]
    assert answers[2].json()["error"] == "too_many_tickets" and int(answers[2].headers["Retry-After"]) >= 1
    assert served_by[0] != served_by[1]
    assert neighbour_answer.status_code == 201


def test_when_a_process_stops_nginx_sends_everyone_to_the_other(tmp_path: Path, redis_url: str) -> None:
    with proxied_hall(tmp_path, redis_url, processes=2) as hall, visitor("127.0.0.4") as desk:
        ports = [server.port for server in hall.servers]
        tickets, call_next = f"{hall.url}/api/halls/demo/tickets", f"{hall.url}/api/halls/demo/windows/1/call-next"

        async def stop_one() -> tuple[int, int, dict[str, Any], dict[str, Any]]:
            async with channel(hall, "/ws/halls/demo", "screen") as screen:
                seen = (await next_event(screen, "snapshot"))["event_id"]
                taken = desk.post(tickets, json={"service": "A"}, headers={"X-Probe": "take"})
                assert taken.status_code == 201, taken.text
                seen = (await next_event(screen, "issued"))["event_id"]
                # nginx takes the processes in turn: the screen is on the process the ticket did not go to, and the
                # next request goes there too. Stop that one.
                (stopped,) = set(ports) - {hall.nginx.landed("take").served_by}
                assert await asyncio.to_thread(hall.server_on(stopped).stop) == 0
                # Told that the server is going (1012, through nginx), the screen reconnects.
                with pytest.raises(ConnectionClosed) as closed:
                    await next_event(screen, "called")
                assert closed.value.rcvd is not None and closed.value.rcvd.code == 1012
            called = desk.post(call_next, headers={**SUPERVISOR, "X-Probe": "call"})
            assert called.status_code == 200, called.text
            # It lands on the other process and catches up on what it missed.
            async with channel(hall, f"/ws/halls/demo?since={seen}", "screen-again") as screen:
                missed = await next_event(screen, "called")
            return stopped, taken.json()["number"], called.json(), missed

        stopped, number, called, missed = asyncio.run(stop_one())
        looks = [desk.get(f"{hall.url}/api/halls/demo", headers={"X-Probe": f"look-{n}"}) for n in range(4)]
        landed = {probe: hall.nginx.landed(probe) for probe in ("screen", "call", "screen-again")}
        looked = [hall.nginx.landed(f"look-{n}") for n in range(4)]
    (survivor,) = set(ports) - {stopped}
    assert landed["screen"].served_by == stopped
    # The call was sent to the stopped process first: refused, nginx passed it on, and the clerk saw no error.
    assert called["ticket"]["number"] == number
    call = landed["call"]
    assert (call.upstreams, call.answers, call.status) == ([stopped, survivor], ["502", "200"], 200)
    assert (missed["number"], missed["window"]) == (number, 1)
    assert landed["screen-again"].upstreams == [survivor]
    # Then the stopped process is left alone: everything goes to the other at the first try.
    assert [look.status_code for look in looks] == [200] * 4
    assert all(look.upstreams == [survivor] for look in looked)
