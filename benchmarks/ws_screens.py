"""The hall screens of the WebSocket benchmark: load processes, each holding many WebSocket clients.

Every screen follows ``/ws/halls/{hall}`` as a browser would (no compression, no pings), takes the snapshot and
then logs each message: for a ``called`` event, the ticket and when its bytes reached the process
(``time.monotonic_ns``, one clock for all processes on Linux, so the parent can set it against the clerk's).
The parent drives the processes with the commands below, over a pipe to each; the connections stay open
between commands.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any, cast

from load_pool import WorkerPool, cpu_seconds, loop_factory, raise_open_files_limit
from websockets.asyncio.client import ClientConnection, connect

CONNECT_TIMEOUT = 60.0  # per client: the handshake and the first message (the snapshot)
CONNECT_CONCURRENCY = 100  # handshakes under way at once in each load process


class StampedConnection(ClientConnection):
    """A client that notes when bytes last reached it, before the library parses and queues them."""

    stamp: int = 0

    def data_received(self, data: bytes) -> None:
        self.stamp = time.monotonic_ns()
        super().data_received(data)


@dataclass
class ScreenLog:
    """What one screen saw since the last mark. ``calls``: (ticket_id, stamp_ns, event_id) per ``called``."""

    calls: list[tuple[str, int, str]] = field(default_factory=list)
    snapshots: int = 0  # after the first one: the server resynchronised this screen
    heartbeats: int = 0
    events: int = 0  # other events
    closed: str = ""  # why the connection ended; empty while it is open


@dataclass
class Connect:
    url: str
    count: int


@dataclass
class Mark:
    """Start a fresh log on every screen and a fresh CPU count."""


@dataclass
class Collect:
    """Answer every screen's log and the CPU seconds used since the mark."""


@dataclass
class AwaitCall:
    """Answer each screen's first stamp for ``ticket_id`` once all have it or at ``deadline_ns``."""

    ticket_id: str
    deadline_ns: int


@dataclass
class Disconnect:
    """Close every connection."""


@dataclass
class Connected:
    opened: int
    failures: Counter[str]


@dataclass
class Collected:
    logs: list[ScreenLog]
    cpu_seconds: float


class ScreenGroup:
    """The screens of one load process."""

    def __init__(self) -> None:
        self.logs: list[ScreenLog] = []
        self.first_seen: list[dict[str, int]] = []
        self.connections: list[ClientConnection] = []
        self.tasks: set[asyncio.Task[None]] = set()
        self.cpu_mark = cpu_seconds()

    async def handle(self, command: object) -> object:
        if isinstance(command, Connect):
            return await self.connect(command)
        if isinstance(command, Mark):
            for log, seen in zip(self.logs, self.first_seen, strict=True):
                log.calls, log.snapshots, log.heartbeats, log.events = [], 0, 0, 0
                seen.clear()
            self.cpu_mark = cpu_seconds()
            return None
        if isinstance(command, Collect):
            return Collected(self.logs, cpu_seconds() - self.cpu_mark)
        if isinstance(command, AwaitCall):
            return await self.await_call(command)
        if isinstance(command, Disconnect):
            return await self.disconnect()
        raise TypeError(f"unknown command {command!r}")

    async def connect(self, command: Connect) -> Connected:
        gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
        waiting: list[asyncio.Future[bool]] = []
        loop = asyncio.get_running_loop()
        for _ in range(command.count):
            log, seen, opened = ScreenLog(), dict[str, int](), loop.create_future()
            self.logs.append(log)
            self.first_seen.append(seen)
            waiting.append(opened)
            task = asyncio.create_task(self.follow(command.url, log, seen, gate, opened))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
        results = await asyncio.gather(*waiting)
        failures = Counter(log.closed.split(":")[0] for log in self.logs[-command.count :] if log.closed)
        return Connected(sum(results), failures)

    async def follow(
        self, url: str, log: ScreenLog, seen: dict[str, int], gate: asyncio.Semaphore, opened: asyncio.Future[bool]
    ) -> None:
        """Connect, take the snapshot, then log every message until the connection ends."""
        try:
            async with gate:
                # Browsers neither compress nor ping: neither does a screen here.
                ws = cast(
                    StampedConnection,
                    await connect(
                        url,
                        compression=None,
                        ping_interval=None,
                        open_timeout=CONNECT_TIMEOUT,
                        create_connection=StampedConnection,
                    ),
                )
                self.connections.append(ws)
                async with asyncio.timeout(CONNECT_TIMEOUT):
                    first = json.loads(await ws.recv())
            if first.get("type") != "snapshot":
                raise ValueError(f"first message is {first.get('type')!r}, not a snapshot")
            opened.set_result(True)
            async for message in ws:
                stamp = ws.stamp
                parsed = json.loads(message)
                # Events that happened together come as one array, in order.
                for data in parsed if isinstance(parsed, list) else [parsed]:
                    kind = data.get("type")
                    if kind == "called":
                        log.calls.append((data["ticket_id"], stamp, data.get("event_id", "")))
                        seen.setdefault(data["ticket_id"], stamp)
                    elif kind == "heartbeat":
                        log.heartbeats += 1
                    elif kind == "snapshot":
                        log.snapshots += 1
                    else:
                        log.events += 1
            log.closed = f"closed: code {ws.close_code} {ws.close_reason}".strip()
        except asyncio.CancelledError:
            log.closed = log.closed or "cancelled"
            raise
        except Exception as e:  # a benchmark counts every way a screen fails, and carries on
            log.closed = f"{type(e).__name__}: {e}"
        finally:
            if not opened.done():
                opened.set_result(False)

    async def await_call(self, command: AwaitCall) -> list[int | None]:
        while time.monotonic_ns() < command.deadline_ns:
            if all(
                command.ticket_id in seen or log.closed for log, seen in zip(self.logs, self.first_seen, strict=True)
            ):
                break
            await asyncio.sleep(0.02)
        return [
            stamp if (stamp := seen.get(command.ticket_id)) is not None and stamp <= command.deadline_ns else None
            for seen in self.first_seen
        ]

    async def disconnect(self) -> int:
        connections, self.connections = self.connections, []
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(30):
                await asyncio.gather(*(ws.close() for ws in connections), return_exceptions=True)
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        self.logs, self.first_seen = [], []
        return len(connections)


async def serve_commands(pipe: Connection) -> None:
    group = ScreenGroup()
    loop = asyncio.get_running_loop()
    while True:
        try:
            # The loop keeps serving the connections (heartbeats, pings) while this waits for the parent.
            command = await loop.run_in_executor(None, pipe.recv)
        except EOFError:
            command = None
        if command is None:
            await group.disconnect()
            return
        pipe.send(await group.handle(command))


def worker_main(pipe: Connection) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    raise_open_files_limit()
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        runner.run(serve_commands(pipe))


class ScreenPool(WorkerPool):
    """``size`` load processes that keep their connections between commands."""

    def __init__(self, size: int) -> None:
        super().__init__(size, worker_main, "ws_fanout")

    def ask(self, commands: Sequence[object], timeout: float) -> list[Any]:
        """Send the k-th command to the k-th process; their answers, in the same order."""
        for pipe, command in zip(self.pipes, commands, strict=True):
            pipe.send(command)
        deadline = time.monotonic() + timeout
        answers = []
        for pipe in self.pipes:
            if not pipe.poll(max(0.0, deadline - time.monotonic())):
                raise SystemExit(f"{self.prog}: a load process gave no answer within {timeout:g} s")
            answers.append(self.receive(pipe))
        return answers

    def tell_all(self, command: object, timeout: float) -> list[Any]:
        return self.ask([command] * len(self.pipes), timeout)

    def connect(self, url: str, count: int) -> tuple[int, Counter[str], float]:
        """Open ``count`` screens, split evenly; (opened, failures by kind, seconds it took)."""
        k = len(self.pipes)
        started = time.monotonic()
        # bounded, yet roomy: at least 20 handshakes a second in each process
        answers: list[Connected] = self.ask(
            [Connect(url, count // k + (i < count % k)) for i in range(k)], 2 * CONNECT_TIMEOUT + count / k / 20
        )
        failures: Counter[str] = Counter()
        for answer in answers:
            failures.update(answer.failures)
        return sum(a.opened for a in answers), failures, time.monotonic() - started

    def collect(self) -> tuple[list[ScreenLog], list[float]]:
        answers: list[Collected] = self.tell_all(Collect(), 120)
        return [log for a in answers for log in a.logs], [a.cpu_seconds for a in answers]
