"""The embedded Redis killed under load: the server restarts it, no acknowledged ticket is lost, no number is issued
twice, screens miss nothing, and the log says it in a few lines. Stopping the server never restarts it."""

from __future__ import annotations

import json
import os
import signal
import socket
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any, cast

import httpx2
import pytest
from redis import Redis
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from queue_server.feed.hub import event_id_key
from queue_server.store import keys
from tests.server_process import ServerProcess, wait_until_gone

pytestmark = [pytest.mark.process]

KIOSKS = 6
SERVICES = "ABCDEFG"  # the allday hall's categories


class Kiosks:
    """Kiosks taking tickets in the allday hall, each on a thread, each retrying a failed request (a 503, or no
    answer) with the same Idempotency-Key until it has its ticket."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.stop = threading.Event()
        self.changed = threading.Condition()
        self.requests: list[tuple[float, float, int]] = []  # (sent, answered, status), monotonic
        self.tickets: dict[str, str] = {}  # id -> number, of every 201 answer
        self.threads = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(KIOSKS)]
        for thread in self.threads:
            thread.start()

    def _run(self, index: int) -> None:
        with httpx2.Client(base_url=self.url, timeout=30) as client:
            k = 0
            while not self.stop.is_set():
                body = {"service": SERVICES[(index + k) % len(SERVICES)]}
                headers = {"Idempotency-Key": uuid.uuid4().hex}
                k += 1
                for _ in range(1000):  # the same ticket until it is issued, even while stopping
                    sent = time.monotonic()
                    try:
                        answer = client.post("/api/halls/allday/tickets", json=body, headers=headers)
                        status = answer.status_code
                    except httpx2.TransportError:
                        status = 0
                    with self.changed:
                        self.requests.append((sent, time.monotonic(), status))
                        if status == 201:
                            ticket = answer.json()
                            assert self.tickets.setdefault(ticket["id"], ticket["number"]) == ticket["number"]
                            self.changed.notify_all()
                    if status == 201:
                        break
                    assert status in (0, 503), answer.text

    def wait_for(self, tickets: int, timeout: float = 30) -> None:
        with self.changed:
            assert self.changed.wait_for(lambda: len(self.tickets) >= tickets, timeout), len(self.tickets)

    def finish(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(60)


class Screen:
    """A hall screen following ``/ws/halls/allday`` on a thread: its snapshot, then every event it is sent."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.snapshot: dict[str, Any] = json.loads(self.ws.recv(timeout=10))
        assert self.snapshot["type"] == "snapshot"
        self.events: list[dict[str, Any]] = []
        self.changed = threading.Condition()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        try:
            for message in self.ws:
                data = json.loads(message)
                with self.changed:
                    self.events += [e for e in (data if isinstance(data, list) else [data]) if e["type"] != "heartbeat"]
                    self.changed.notify_all()
        except ConnectionClosed:
            pass

    def wait_for(self, event_id: str, timeout: float = 15) -> None:
        """Until the screen has been sent ``event_id`` (or a later event)."""
        wanted = event_id_key(event_id)

        def seen() -> bool:
            return bool(self.events) and event_id_key(self.events[-1].get("event_id", "0-0")) >= wanted

        with self.changed:
            assert self.changed.wait_for(seen, timeout), (event_id, self.events[-3:])

    def close(self) -> None:
        self.ws.close()
        self.thread.join(10)


def hall_channel(server: ServerProcess) -> ClientConnection:
    return connect(server.url.replace("http://", "ws://") + "/ws/halls/allday")


def test_killed_under_load_the_embedded_redis_comes_back_and_nothing_is_lost(tmp_path: Path) -> None:
    data = tmp_path / "var"
    with ServerProcess(data) as server:
        server.ready()
        first = server.redis_child()
        assert os.getsid(first) != os.getsid(server.process.pid)  # Ctrl-C in the server's terminal misses it
        with hall_channel(server) as ws:
            screen = Screen(ws)
            kiosks = Kiosks(server.url)
            try:
                kiosks.wait_for(60)
                logged = len(server.err)
                os.kill(first, signal.SIGKILL)
                killed = time.monotonic()
                assert wait_until_gone(first, 5)
                server.wait_for("embedded Redis is back after", timeout=10)
                assert not Path(f"/proc/{first}").exists(), "the killed redis-server was left a zombie"
                with kiosks.changed:
                    before = len(kiosks.tickets)
                kiosks.wait_for(before + 60)
            finally:
                kiosks.finish()
            outage_log = server.err[logged:]

            # Service was back within 5 s: the first ticket issued for a request sent after the kill.
            back = min(done for sent, done, status in kiosks.requests if sent > killed and status == 201)
            assert back - killed < 5, back - killed
            assert server.redis_child() != first

            # Every acknowledged ticket is in the hall's stream and state, every number once.
            redis = Redis.from_url(f"unix://{data / 'redis.sock'}", decode_responses=True)
            entries = cast(list[tuple[str, dict[str, str]]], redis.xrange(keys.events("allday")))
            stream = [(event_id, json.loads(fields["data"])) for event_id, fields in entries]
            issued = {e["ticket_id"]: e["number"] for _, e in stream if e["type"] == "issued"}
            assert Counter(e["number"] for _, e in stream if e["type"] == "issued").most_common(1)[0][1] == 1
            assert issued == kiosks.tickets  # nothing acknowledged is missing, nothing issued went unacknowledged
            with httpx2.Client(base_url=server.url) as client:
                for ticket_id, number in kiosks.tickets.items():
                    assert client.get(f"/api/tickets/{ticket_id}").json()["number"] == number

            # The screen was sent every event after its snapshot, in order, none twice: across the restart too.
            newest = stream[-1][0]
            screen.wait_for(newest)
            screen.close()
            since = event_id_key(screen.snapshot["event_id"])
            assert [e["event_id"] for e in screen.events] == [i for i, _ in stream if event_id_key(i) > since]
            redis.close()

        # A few lines about the outage, no traceback.
        assert len(outage_log) <= 6, "\n".join(outage_log)
        assert any("embedded Redis exited (signal 9, SIGKILL); restarting" in line for line in outage_log)
        assert "Traceback" not in server.output

        restarted = server.redis_child()
        assert server.stop(signal.SIGTERM) == 0
        assert wait_until_gone(restarted, 10)


def test_a_restarted_redis_still_dies_with_the_server_and_a_stopping_server_restarts_nothing(tmp_path: Path) -> None:
    data = tmp_path / "var"
    with ServerProcess(data) as server:
        server.ready()
        os.kill(server.redis_child(), signal.SIGKILL)
        server.wait_for("embedded Redis is back after", timeout=10)
        restarted = server.redis_child()
        server.stop(signal.SIGKILL)
        assert wait_until_gone(restarted, 10), "the restarted redis-server outlived its killed server"

    with ServerProcess(data) as server:  # the same data directory: a killed server holds no lock
        server.ready()
        redis_pid = server.redis_child()
        # A request in flight, its body awaited (the server said "100 Continue"): the graceful shutdown waits for
        # it (3 s), long after Redis has gone, which the keeper must not take for a death to repair.
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as slow:
            slow.sendall(
                b"POST /api/halls/allday/tickets HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                b"Content-Length: 20\r\nExpect: 100-continue\r\n\r\n"
            )
            assert slow.recv(100).startswith(b"HTTP/1.1 100 Continue")
            # As systemd stops a service: every process of it is sent SIGTERM.
            server.process.send_signal(signal.SIGTERM)
            os.kill(redis_pid, signal.SIGTERM)
            assert server.process.wait(30) == 0
        assert wait_until_gone(redis_pid, 10)
        assert "restarting" not in server.output, server.output  # (uvicorn's cancel of the request has a traceback)
