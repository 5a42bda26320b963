"""The WebSocket channels against real server processes: snapshot, live events, resume with ``since``,
fan-out across processes, a reader that is cut off, a client that stops reading, and a phone following a ticket.
"""

from __future__ import annotations

import asyncio
import json
import socket
from pathlib import Path
from typing import Any

import httpx2
import pytest
from websockets.asyncio.client import ClientConnection, connect

from queue_server.feed.hub import QUEUE_SIZE, RESYNC, Event, Subscription
from queue_server.store import keys
from queue_server.store.redis_client import is_cluster
from tests.redis_cluster import node_clients, sync_client
from tests.server_process import ServerProcess

pytestmark = [pytest.mark.process, pytest.mark.asyncio]


def ws_url(server: ServerProcess, path: str) -> str:
    return server.url.replace("http://", "ws://") + path


_pending: dict[int, list[dict[str, Any]]] = {}


async def receive(ws: ClientConnection, within: float = 5) -> dict[str, Any]:
    """The next event or snapshot that is not a heartbeat; events that came together as one array are handed out
    one by one, in order."""
    queued = _pending.setdefault(id(ws), [])
    async with asyncio.timeout(within):
        while True:
            while not queued:
                message = json.loads(await ws.recv())
                queued.extend(message if isinstance(message, list) else [message])
            item = queued.pop(0)
            if item["type"] != "heartbeat":
                return item


async def test_snapshot_then_live_events(live_server: ServerProcess) -> None:
    live_server.take("A")
    async with connect(ws_url(live_server, "/ws/halls/allday")) as ws:
        snapshot = await receive(ws)
        assert snapshot["type"] == "snapshot"
        assert snapshot["event_id"] == snapshot["last_event_id"] != "0-0"
        assert next(c for c in snapshot["categories"] if c["code"] == "A")["waiting"] == 1
        ticket = live_server.take("B")
        live_server.act(4)  # window 4 serves B
        issued, called = await receive(ws), await receive(ws)
        assert (issued["type"], issued["number"], issued["ahead"]) == ("issued", "B001", 0)
        assert {k: called[k] for k in ("type", "ticket_id", "number", "service", "window")} == {
            "type": "called", "ticket_id": ticket["id"], "number": "B001", "service": "B", "window": 4,
        }  # fmt: skip
        assert called["at"] and called["event_id"] > issued["event_id"] > snapshot["event_id"]


async def test_a_screen_that_reconnects_gets_what_it_missed_once(live_server: ServerProcess) -> None:
    async with connect(ws_url(live_server, "/ws/halls/allday")) as ws:
        seen = (await receive(ws))["event_id"]
        live_server.take("A")
        seen = (await receive(ws))["event_id"]
    # cut off: three calls happen meanwhile
    for _ in range(3):
        live_server.take("A")
    for window in (1, 2, 3):
        live_server.act(window)
    async with connect(ws_url(live_server, f"/ws/halls/allday?since={seen}")) as ws:
        missed = [await receive(ws) for _ in range(6)]
        assert [m["type"] for m in missed] == ["issued"] * 3 + ["called"] * 3
        assert [m["number"] for m in missed[3:]] == ["A001", "A002", "A003"]
        ids = [m["event_id"] for m in missed]
        assert ids == sorted(ids) and len(set(ids)) == 6
        live_server.act(1)  # completes A001 and calls A004
        live = [await receive(ws), await receive(ws)]
        assert [m["type"] for m in live] == ["completed", "called"]
        assert live[0]["event_id"] > ids[-1]


@pytest.mark.parametrize("since", ["0-0", "1-0", "99999999999999-0", "garbage", ""])
async def test_a_place_the_stream_cannot_resume_from_gets_a_snapshot(
    live_server: ServerProcess, redis_url: str, since: str
) -> None:
    live_server.take("A")
    live_server.take("A")
    redis = sync_client(redis_url)
    redis.xtrim(keys.events("allday"), maxlen=1, approximate=False)  # as if the stream had been trimmed long ago
    redis.close()
    async with connect(ws_url(live_server, f"/ws/halls/allday?since={since}")) as ws:
        first = await receive(ws)
        assert first["type"] == "snapshot"
        assert next(c for c in first["categories"] if c["code"] == "A")["waiting"] == 2


async def test_a_screen_that_connected_before_the_first_event_misses_nothing(live_server: ServerProcess) -> None:
    async with connect(ws_url(live_server, "/ws/halls/allday")) as ws:
        assert (await receive(ws))["event_id"] == "0-0"  # a brand-new hall
    live_server.take("A")
    async with connect(ws_url(live_server, "/ws/halls/allday?since=0-0")) as ws:
        assert (await receive(ws))["type"] == "issued"


async def test_a_call_through_one_process_reaches_a_screen_on_another(
    live_server: ServerProcess, tmp_path: Path, redis_url: str
) -> None:
    with ServerProcess(tmp_path / "second", redis_url=redis_url) as second:
        second.ready()
        async with connect(ws_url(second, "/ws/halls/allday")) as ws:
            await receive(ws)
            live_server.take("C")
            live_server.act(7)  # window 7 serves C
            assert (await receive(ws))["type"] == "issued"
            called = await receive(ws)
            assert (called["type"], called["number"], called["window"]) == ("called", "C001", 7)


async def test_a_reader_cut_off_from_redis_restarts_and_misses_nothing(
    live_server: ServerProcess, redis_url: str
) -> None:
    async with connect(ws_url(live_server, "/ws/halls/allday")) as ws:
        await receive(ws)
        for redis in node_clients(redis_url):  # every connection of the server, the reader's too
            redis.client_kill_filter(_type="normal", skipme=True)
            redis.close()
        live_server.take("A")
        live_server.act(1)
        messages = [await receive(ws, within=10), await receive(ws, within=10)]
        assert [m["type"] for m in messages] == ["issued", "called"]
    # One line for the readers cut off together (whichever failed first), without a traceback. A cluster client
    # reconnects and reads again by itself, so there the readers never fail; but redis-py 8.1's cluster client
    # sometimes hands a task a connection that another one's reconnection has just closed (AttributeError on
    # `_writer`), which a background task logs with its traceback before its supervisor restarts it.
    if not is_cluster(redis_url):
        assert "cannot reach Redis (Connection closed by server.); retrying every 1 s" in live_server.output
        assert "Traceback" not in live_server.output


async def test_a_client_that_stops_reading_never_holds_up_the_others(live_server: ServerProcess) -> None:
    hall_url = ws_url(live_server, "/ws/halls/allday")
    # The stalled screen reads nothing: its small buffers fill and the server's sends to it block.
    tiny = socket.socket()
    tiny.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    tiny.connect(("127.0.0.1", live_server.port))
    async with connect(hall_url, sock=tiny, max_queue=1) as stalled, connect(hall_url) as healthy:
        await receive(stalled)
        await receive(healthy)
        events = QUEUE_SIZE * 3
        async with httpx2.AsyncClient(base_url=live_server.url) as client:
            for _ in range(events):
                await client.post("/api/halls/allday/tickets", json={"service": "D"})
        numbers = [(await receive(healthy))["number"] for _ in range(events)]
        assert numbers == [f"D{n:03d}" for n in range(1, events + 1)]
        # Once the stalled screen reads again it catches up: every event in order, or, where it fell too far
        # behind for its bounded queue, a fresh snapshot from which it goes on.
        expected = 1
        while expected <= events:
            message = await receive(stalled, within=10)
            if message["type"] == "snapshot":
                expected = next(c for c in message["categories"] if c["code"] == "D")["waiting"] + 1
            else:
                assert message["number"] == f"D{expected:03d}"
                expected += 1


async def test_an_overflowing_queue_holds_only_the_resync_signal() -> None:
    subscription = Subscription()
    for n in range(QUEUE_SIZE + 5):
        subscription.offer(Event(f"1-{n}", {"type": "issued", "at": "2026-11-23T09:00:00+08:00"}, "{}"))
    # the 256 queued and the one that did not fit are replaced by the signal; the 4 after it wait behind it
    assert subscription.queue.qsize() == 5
    assert subscription.queue.get_nowait() is RESYNC
    assert subscription.dropped == QUEUE_SIZE + 1


async def test_unknown_hall_is_refused(live_server: ServerProcess) -> None:
    async with connect(ws_url(live_server, "/ws/halls/nowhere")) as ws:
        assert (await receive(ws))["error"] == "unknown_hall"
        await ws.wait_closed()
        assert ws.close_code == 4404


async def test_a_phone_follows_its_ticket(live_server: ServerProcess) -> None:
    first, second, mine = live_server.take("E"), live_server.take("E"), live_server.take("E")
    async with connect(ws_url(live_server, f"/ws/tickets/{mine['id']}")) as ws:
        start = await receive(ws)
        assert (start["type"], start["event"]) == ("ticket", "snapshot")
        ticket = start["ticket"]
        assert (ticket["number"], ticket["state"], ticket["ahead"]) == ("E003", "waiting", 2)
        assert ticket["estimated_wait_minutes"] == 10  # 2 ahead × 10 min ÷ 2 windows serving E (3 and 12)
        live_server.take("A")  # another category: no message for this phone
        live_server.act(12)
        update = await receive(ws)
        assert (update["event"], update["ticket"]["ahead"]) == ("called", 1)
        live_server.act(12)
        assert (await receive(ws))["ticket"]["ahead"] == 0
        live_server.act(12)
        called = await receive(ws)
        assert (called["event"], called["ticket"]["state"], called["ticket"]["window"]) == ("called", "called", 12)
        live_server.act(12, "recall")
        assert (await receive(ws))["event"] == "recalled"

    # A paused window serves nobody, so the estimate counts only the windows still open for E.
    live_server.take("E")
    later = live_server.take("E")
    live_server.act(3, "pause")
    async with connect(ws_url(live_server, f"/ws/tickets/{later['id']}")) as ws:
        start = (await receive(ws))["ticket"]
        assert (start["ahead"], start["estimated_wait_minutes"]) == (1, 10)  # 1 ahead × 10 min ÷ window 12 alone
        live_server.act(3, "resume")
        update = await receive(ws)
        assert (update["event"], update["ticket"]["estimated_wait_minutes"]) == ("resumed", 5)
    assert first["number"] == "E001" and second["number"] == "E002"


async def test_a_phone_with_an_unknown_ticket_is_told_so(live_server: ServerProcess) -> None:
    for ticket_id in ("allday.nosuchticket", "garbage", "nowhere.abc"):
        async with connect(ws_url(live_server, f"/ws/tickets/{ticket_id}")) as ws:
            assert (await receive(ws))["error"] == "unknown_ticket"


async def test_a_server_with_screens_connected_stops_promptly_and_cleanly(live_server: ServerProcess) -> None:
    """Screens are told the server is going and their handlers end at once: no waiting out a heartbeat, no
    error per screen in the log."""
    async with connect(ws_url(live_server, "/ws/halls/allday")) as ws, connect(ws_url(live_server, "/ws/halls/demo")):
        await receive(ws)
        stopping = asyncio.get_running_loop().time()
        assert await asyncio.to_thread(live_server.stop) == 0
        assert asyncio.get_running_loop().time() - stopping < 2.5  # uvicorn would cancel stragglers at 3 s
        await ws.wait_closed()
    assert "Exception in ASGI application" not in live_server.output
    assert "graceful shutdown exceeded" not in live_server.output
