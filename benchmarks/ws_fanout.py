"""WebSocket benchmark for a tidequeue server: how fast a call reaches many hall screens, and what idle screens cost.

Two phases, each on a fresh server process when this script starts the server:

1. ``fanout``: ``--screens`` real WebSocket clients (the ``websockets`` asyncio client) follow
   ``/ws/halls/{hall}``, spread over ``--client-procs`` load processes. A clerk (this process) issues
   ``--calls`` ``call-next`` requests at window ``--window``, ``--interval`` seconds apart, on tickets issued
   beforehand. For each (screen, call) pair the latency runs from just before the clerk's request is written to
   the moment the ``called`` event with that ticket's id reaches the screen's process. Every screen's calls are
   checked: each received exactly once, and in the order the clerk made them.
2. ``idle``: ``--idle`` clients connect and stay quiet for ``--idle-hold`` seconds (past the server's 15 s
   heartbeat and uvicorn's 20 s ping). The server process's resident memory (VmRSS) before and after gives
   the memory per connection; at the end one call must reach every client within 5 s.

Clocks: every process reads ``time.monotonic_ns()``, CLOCK_MONOTONIC, which on Linux is one clock for the whole
machine, so stamps taken in different processes compare directly. A screen's stamp is taken when its bytes
reach the client library (``data_received``), before the library parses them, so the client's own work on
the other screens of its process adds as little as it can; it still adds some, and the load processes share
the machine with the server: their CPU is reported beside the results.

``--ws-impl`` picks uvicorn's WebSocket implementation: ``auto`` runs ``queue-server`` as shipped (uvicorn's
default, today ``websockets-sansio``); the others run the same app from this script's ``serve`` launcher
(``uvicorn.run(create_app(...), ws=...)`` with ``queue-server``'s other settings: no per-message-deflate, no
access log, 3 s graceful shutdown; keep them in step with queue_server/cli.py). Several, comma
separated, are measured one after another. The launcher also records every garbage collection of the server
(``gc.callbacks``), and the report shows those that began while calling, connecting or holding: on a heap of
thousands of connections a full collection stops the server for a long time. ``wsproto`` is not a dependency
of tidequeue: put it on PYTHONPATH to measure it.

Beside the results it prints the CPU each party used while calling (the server, its Redis, the load processes
and the rest of the machine), and warns when other processes took a noticeable share.

Run it from the repository root::

    .venv/bin/python benchmarks/ws_fanout.py                       # 1000 screens, 50 calls, 10000 idle
    .venv/bin/python benchmarks/ws_fanout.py --screens 200 --calls 10 --idle 0 --json result.json
    .venv/bin/python benchmarks/ws_fanout.py --ws-impl websockets-sansio,websockets --keep-logs logs/
    .venv/bin/python benchmarks/ws_fanout.py --server http://127.0.0.1:8000 --token ... --server-pid 1234

It only talks to loopback addresses, and every wait in it has a limit. The exit status is 1 when a screen
missed a call, saw one twice or out of order, failed to connect, or the server logged an error.
"""

from __future__ import annotations

import argparse
import array
import asyncio
import contextlib
import gc
import http.client
import ipaddress
import json
import logging
import math
import multiprocessing
import os
import platform
import re
import resource
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Literal, cast
from urllib.parse import quote, urlsplit

from websockets.asyncio.client import ClientConnection, connect

WS_IMPLS = ("auto", "websockets-sansio", "websockets", "wsproto")
CONNECT_TIMEOUT = 60.0  # per client: the handshake and the first message (the snapshot)
CONNECT_CONCURRENCY = 100  # handshakes under way at once in each load process
DELIVERY_TIMEOUT = 5.0  # how long after a call every screen must have it
GOAL_P99_MS = 50.0
OTHER_WARN = 15.0  # % of a core used by processes not of this benchmark, past which the report warns
ServeImpl = Literal["websockets-sansio", "websockets", "wsproto"]


def raise_open_files_limit() -> int:
    """Lift this process's soft RLIMIT_NOFILE to the hard limit (each client holds a socket); returns it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else 1_048_576
    if target > soft:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def cpu_seconds() -> float:
    use = resource.getrusage(resource.RUSAGE_SELF)
    return use.ru_utime + use.ru_stime


# --- the screens: load processes, each holding many WebSocket clients ---------------------------------


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


class ScreenPool:
    """``size`` load processes that keep their connections between commands."""

    def __init__(self, size: int) -> None:
        context = multiprocessing.get_context("spawn")
        self.pipes: list[Connection] = []
        self.processes: list[multiprocessing.process.BaseProcess] = []
        for _ in range(size):
            parent, child = context.Pipe()
            process = context.Process(target=worker_main, args=(child,), daemon=True)
            process.start()
            child.close()
            self.pipes.append(parent)
            self.processes.append(process)

    def ask(self, commands: Sequence[object], timeout: float) -> list[Any]:
        """Send the k-th command to the k-th process; their answers, in the same order."""
        for pipe, command in zip(self.pipes, commands, strict=True):
            pipe.send(command)
        deadline = time.monotonic() + timeout
        answers = []
        for pipe in self.pipes:
            if not pipe.poll(max(0.0, deadline - time.monotonic())):
                raise SystemExit(f"ws_fanout: a load process gave no answer within {timeout:g} s")
            try:
                answers.append(pipe.recv())
            except (EOFError, OSError) as e:
                raise SystemExit(f"ws_fanout: a load process died ({e!r}); see its traceback above") from None
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

    def close(self) -> None:
        for pipe in self.pipes:
            with contextlib.suppress(OSError):
                pipe.send(None)
        for process in self.processes:
            process.join(60)
            if process.is_alive():
                process.terminate()
                process.join()


# --- the server under test ----------------------------------------------------------------------------


@dataclass
class Server:
    host: str
    port: int
    token: str
    pid: int | None
    impl: str
    process: subprocess.Popen[bytes] | None = None
    command: list[str] = field(default_factory=list)
    log: Path | None = None
    gc_log: Path | None = None  # the launcher's record of the server's garbage collections

    @property
    def hall_url(self) -> str:
        return f"ws://{self.host}:{self.port}/ws/halls/"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start_server(impl: str, data_dir: Path, config: Path, log_level: str | None) -> Server:
    port = free_port()
    token = secrets.token_urlsafe(24)
    if impl == "auto":
        script = Path(sys.executable).with_name("queue-server")
        command = [str(script)] if script.exists() else [sys.executable, "-m", "queue_server.cli"]
        gc_log = None
    else:
        gc_log = data_dir / "gc.log"
        command = [sys.executable, str(Path(__file__).resolve()), "serve", impl, "--gc-log", str(gc_log)]
    command += ["--port", str(port), "--data-dir", str(data_dir / "redis"), "--config", str(config)]
    if log_level:
        command += ["--log-level", log_level]
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env["QUEUE_ADMIN_TOKEN"] = token
    data_dir.mkdir(parents=True, exist_ok=True)
    log = data_dir / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=out)
    server = Server("127.0.0.1", port, token, process.pid, impl, process, command, log, gc_log)
    deadline = time.monotonic() + 30
    while True:
        if process.poll() is not None:
            raise SystemExit(f"ws_fanout: the server exited at start-up:\n{tail(log)}")
        with contextlib.suppress(OSError, http.client.HTTPException, ValueError):
            if get_json(server.host, server.port, "/api/ping", timeout=1) == {"pong": True}:
                return server
        if time.monotonic() > deadline:
            stop_server(server)
            raise SystemExit(f"ws_fanout: the server did not answer /api/ping within 30 s:\n{tail(log)}")
        time.sleep(0.1)  # a child that gives no other sign of readiness


def stop_server(server: Server) -> int | None:
    process = server.process
    if process is None:
        return None
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            print("ws_fanout: the server ignored SIGTERM for 30 s; killing it", file=sys.stderr)
            process.kill()
            process.wait()
    return process.returncode


def tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def logged_errors(log: Path | None, start: int = 0, end: int | None = None, limit: int = 5) -> dict[str, int]:
    """The most frequent ERROR/CRITICAL messages (numbers folded) in bytes ``start:end`` of the server's log.

    A message followed by a traceback gets the traceback's last line (the exception) appended.
    """
    counts: Counter[str] = Counter()
    try:
        lines = log.read_bytes()[start:end].decode(errors="replace").splitlines() if log else []
    except OSError:
        return {}
    record = re.compile(r"\d{4}-\d\d-\d\d |[A-Z]+:")  # how a line of either of the server's log formats starts
    message = exception = ""
    for line in [*lines, "END:"]:
        if message and not record.match(line):
            exception = line.strip() or exception
            continue
        if message:
            counts[re.sub(r"\d+", "N", message + (f" -- {exception}" if exception else ""))] += 1
        level = " ERROR " if " ERROR " in line else " CRITICAL " if " CRITICAL " in line else ""
        message = exception = ""
        if level or line.startswith(("ERROR:", "CRITICAL:")):
            message = line.partition(level)[2].strip() if level else line.strip()
    return dict(counts.most_common(limit))


def proc_status_kib(pid: int | None, key: str) -> int | None:
    if pid is None:
        return None
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def open_files(pid: int | None) -> tuple[int | None, int | None]:
    """(file descriptors the process holds, its soft RLIMIT_NOFILE)."""
    if pid is None:
        return None, None
    try:
        held = len(os.listdir(f"/proc/{pid}/fd"))
        limits = Path(f"/proc/{pid}/limits").read_text()
    except OSError:
        return None, None
    found = re.search(r"^Max open files\s+(\d+)", limits, re.MULTILINE)
    return held, int(found.group(1)) if found else None


class CpuWatch:
    """CPU seconds from /proc: the server's, its children's (the embedded Redis), and the whole machine's."""

    def __init__(self, pid: int | None) -> None:
        self.pid = pid
        self.tick = os.sysconf("SC_CLK_TCK")

    def _process(self, pid: int) -> float:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / self.tick

    def sample(self) -> dict[str, float]:
        ticks = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
        sample = {"machine": (sum(ticks) - ticks[3] - ticks[4]) / self.tick, "wall": time.monotonic()}
        if self.pid is not None:
            sample["server"] = self._process(self.pid)
            try:
                children = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()
            except OSError:
                children = []
            sample["redis"] = sum(self._process(int(c)) for c in children)
        return sample


# --- the clerk and the HTTP side ----------------------------------------------------------------------


def get_json(host: str, port: int, path: str, timeout: float = 10) -> Any:
    client = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        client.request("GET", path)
        answer = client.getresponse()
        body = answer.read()
        if answer.status != 200:
            raise ValueError(f"GET {path} answered {answer.status}: {body[:200]!r}")
        return json.loads(body)
    finally:
        client.close()


class Clerk:
    """One keep-alive HTTP connection to the server, as a caller pad would hold."""

    def __init__(self, server: Server, hall: str) -> None:
        self.client = http.client.HTTPConnection(server.host, server.port, timeout=30)
        self.hall_path = f"/api/halls/{quote(hall, safe='')}"
        self.auth = {"Authorization": f"Bearer {server.token}"}

    def post(self, path: str, body: dict[str, Any] | None = None, auth: bool = False) -> tuple[int, Any]:
        headers = {"Content-Type": "application/json", **(self.auth if auth else {})}
        self.client.request("POST", self.hall_path + path, json.dumps(body or {}).encode(), headers)
        answer = self.client.getresponse()
        data = answer.read()
        try:
            return answer.status, json.loads(data)
        except ValueError:
            return answer.status, data[:200].decode(errors="replace")

    def warm(self) -> None:
        """A fresh connection, used once: uvicorn closes a keep-alive connection after 5 quiet seconds."""
        self.client.close()
        self.client.request("GET", "/api/ping")
        self.client.getresponse().read()

    def issue(self, service: str, count: int) -> None:
        for _ in range(count):
            status, body = self.post("/tickets", {"service": service})
            if status != 201:
                raise SystemExit(f"ws_fanout: issuing a ticket answered {status}: {body}")

    def call_next(self, window: int) -> tuple[str | None, int, int, int]:
        """(ticket id or None, HTTP status, monotonic ns just before sending, ns when the answer was read)."""
        started = time.monotonic_ns()
        status, body = self.post(f"/windows/{window}/call-next", auth=True)
        finished = time.monotonic_ns()
        ticket = body.get("ticket") if status == 200 and isinstance(body, dict) else None
        return (ticket["id"] if ticket else None), status, started, finished

    def close(self) -> None:
        self.client.close()


def service_of(server: Server, hall: str, window: int) -> str:
    snapshot = get_json(server.host, server.port, f"/api/halls/{quote(hall, safe='')}")
    for w in snapshot["windows"]:
        if w["number"] == window:
            return str(w["services"][0])
    raise SystemExit(f"ws_fanout: hall {hall!r} has no window {window}")


# --- the phases ---------------------------------------------------------------------------------------


def percentiles(values: Sequence[float], qs: Sequence[float] = (0.5, 0.9, 0.99)) -> dict[str, float | None]:
    """Nearest-rank percentiles and the maximum, rounded to µs when the values are ms."""
    ordered = sorted(values)
    out: dict[str, float | None] = {}
    for q in qs:
        out[f"p{round(q * 100)}"] = round(ordered[max(0, math.ceil(q * len(ordered)) - 1)], 3) if ordered else None
    out["max"] = round(ordered[-1], 3) if ordered else None
    out["n"] = len(ordered)
    return out


def cpu_shares(before: dict[str, float], after: dict[str, float], clients: float) -> dict[str, float | None]:
    """Each party's CPU over the span, in % of one core."""
    wall = max(after["wall"] - before["wall"], 1e-9)

    def pct(key: str) -> float | None:
        return round(100 * (after[key] - before[key]) / wall, 1) if key in after else None

    server, redis, machine = pct("server"), pct("redis"), pct("machine") or 0.0
    other = max(0.0, machine - (server or 0.0) - (redis or 0.0) - 100 * clients / wall)
    return {"server": server, "redis": redis, "clients": round(100 * clients / wall, 1), "other": round(other, 1)}


def check_delivery(logs: list[ScreenLog], order: list[str], sent: dict[str, int]) -> tuple[list[float], dict[str, Any]]:
    """Latencies in ms over (screen, call) pairs, and how each screen's calls compare with the clerk's."""
    latencies: list[float] = []
    missing = duplicates = out_of_order = foreign = 0
    per_call: dict[str, list[int]] = {ticket: [] for ticket in order}
    for log in logs:
        firsts: list[str] = []
        seen: set[str] = set()
        for ticket, stamp, _ in log.calls:
            if ticket not in sent:
                foreign += 1
            elif ticket in seen:
                duplicates += 1
            else:
                seen.add(ticket)
                firsts.append(ticket)
                latencies.append((stamp - sent[ticket]) / 1e6)
                per_call[ticket].append(stamp)
        missing += len(order) - len(seen)
        if firsts != [t for t in order if t in seen]:
            out_of_order += 1
    closed = Counter(log.closed.split(":")[0] for log in logs if log.closed)
    first = [(min(s) - sent[t]) / 1e6 for t, s in per_call.items() if s]
    spread = [(max(s) - min(s)) / 1e6 for s in per_call.values() if s]
    return latencies, {
        "pairs_expected": len(order) * len(logs),
        "pairs_received": len(latencies),
        "missing": missing,
        "duplicates": duplicates,
        "screens_out_of_order": out_of_order,
        "resync_snapshots": sum(log.snapshots for log in logs),
        "calls_from_elsewhere": foreign,
        "screens_closed": dict(closed),
        "first_screen_ms": percentiles(first),
        "spread_ms": percentiles(spread),
    }


def fanout_phase(args: argparse.Namespace, pool: ScreenPool, server: Server) -> dict[str, Any]:
    clerk = Clerk(server, args.hall)
    service = service_of(server, args.hall, args.window)
    clerk.issue(service, args.calls)  # before the screens connect, so they see only the calls
    opened, failures, connect_s = pool.connect(server.hall_url + quote(args.hall, safe=""), args.screens)
    progress(f"fanout: {opened}/{args.screens} screens connected in {connect_s:.1f} s")
    cpu = CpuWatch(server.pid)
    pool.tell_all(Mark(), 30)
    clerk.warm()
    before = cpu.sample()
    calls_began = time.monotonic_ns()
    wall_offset = time.time_ns() - time.monotonic_ns()  # to place Redis's stream ids (wall-clock ms)
    calls: list[tuple[str | None, int, int, int]] = []
    start = time.monotonic()
    for i in range(args.calls):
        time.sleep(max(0.0, start + i * args.interval - time.monotonic()))
        calls.append(clerk.call_next(args.window))
    made = [(t, s, f) for t, status, s, f in calls if t is not None and status == 200]
    if made:
        pool.tell_all(AwaitCall(made[-1][0], made[-1][1] + int(DELIVERY_TIMEOUT * 1e9)), DELIVERY_TIMEOUT + 30)
    after = cpu.sample()
    calls_ended = time.monotonic_ns()
    logs, client_cpu = pool.collect()
    progress(f"fanout: {len(made)} calls made; closing the screens")
    pool.tell_all(Disconnect(), 120)
    clerk.close()

    order = [t for t, _, _ in made]
    sent = {t: s for t, s, _ in made}
    latencies, delivery = check_delivery(logs, order, sent)
    in_redis: list[float] = []
    for log in logs[:1]:
        in_redis = [
            (int(eid.split("-")[0]) * 1e6 - wall_offset - sent[t]) / 1e6 for t, _, eid in log.calls if t in sent
        ]
    messages = sum(len(log.calls) + log.events + log.heartbeats + log.snapshots for log in logs)
    lat = percentiles(latencies)
    return {
        "screens": args.screens,
        "connected": opened,
        "connect_failures": dict(failures),
        "connect_seconds": round(connect_s, 2),
        "calls": {"asked": len(calls), "made": len(made), "statuses": dict(Counter(str(c[1]) for c in calls))},
        "latency_ms": lat,
        "goal_met": lat["p99"] is not None and lat["p99"] <= GOAL_P99_MS and delivery["pairs_received"] > 0,
        "clerk_answer_ms": percentiles([(f - s) / 1e6 for _, s, f in made]),
        "event_in_redis_ms": percentiles(in_redis),
        **delivery,
        "cpu_percent": cpu_shares(before, after, sum(client_cpu)),
        "server_cpu_ms_per_call": (
            round(1000 * (after["server"] - before["server"]) / len(made), 2) if made and "server" in after else None
        ),
        "messages_per_screen_per_call": round(messages / max(1, len(logs) * len(made)), 2),
        "client_cpu_us_per_message": round(1e6 * sum(client_cpu) / messages, 1) if messages else None,
        "client_cpu_seconds": [round(c, 3) for c in client_cpu],
        "windows": {"calls": (calls_began, calls_ended)},
    }


def idle_phase(args: argparse.Namespace, pool: ScreenPool, server: Server) -> dict[str, Any]:
    clerk = Clerk(server, args.hall)
    clerk.issue(service_of(server, args.hall, args.window), 1)  # for the call at the end
    url = server.hall_url + quote(args.hall, safe="")
    # Warm up: the first connections import and allocate what every later one reuses.
    pool.connect(url, 20 * len(pool.pipes))
    pool.tell_all(Disconnect(), 60)
    time.sleep(1)
    rss_before = proc_status_kib(server.pid, "VmRSS")
    windows = {"connect": (time.monotonic_ns(), 0), "hold": (0, 0), "final_call": (0, 0)}
    opened, failures, connect_s = pool.connect(url, args.idle)
    windows["connect"] = (windows["connect"][0], time.monotonic_ns())
    rss_connected = proc_status_kib(server.pid, "VmRSS")
    held_files, nofile = open_files(server.pid)
    progress(f"idle: {opened}/{args.idle} connected in {connect_s:.1f} s; holding them {args.idle_hold:g} s")
    pool.tell_all(Mark(), 30)
    windows["hold"] = (time.monotonic_ns(), time.monotonic_ns() + int(args.idle_hold * 1e9))
    time.sleep(args.idle_hold)
    rss_held = proc_status_kib(server.pid, "VmRSS")
    logs, _ = pool.collect()
    still_open = sum(1 for log in logs if not log.closed)
    clerk.warm()
    cpu = CpuWatch(server.pid)
    before = cpu.sample()
    windows["final_call"] = (time.monotonic_ns(), 0)
    ticket, status, sent, _ = clerk.call_next(args.window)
    stamps: list[int | None] = []
    if ticket is not None:
        answers = pool.tell_all(AwaitCall(ticket, sent + int(DELIVERY_TIMEOUT * 1e9)), DELIVERY_TIMEOUT + 30)
        stamps = [s for answer in answers for s in answer]
    after = cpu.sample()
    windows["final_call"] = (windows["final_call"][0], time.monotonic_ns())
    pool.tell_all(Disconnect(), 180)
    clerk.close()
    got = [(s - sent) / 1e6 for s in stamps if s is not None]

    def per_connection(rss: int | None) -> float | None:
        return round((rss - rss_before) / opened, 2) if rss is not None and rss_before is not None and opened else None

    return {
        "target": args.idle,
        "connected": opened,
        "connect_failures": dict(failures),
        "connect_seconds": round(connect_s, 2),
        "server_rss_kib": {"before": rss_before, "connected": rss_connected, "after_hold": rss_held},
        "kib_per_connection": {"connected": per_connection(rss_connected), "after_hold": per_connection(rss_held)},
        "server_fds_held": held_files,
        "server_nofile_limit": nofile,
        "hold_seconds": args.idle_hold,
        "open_after_hold": still_open,
        "closed_during_hold": dict(Counter(log.closed.split(":")[0] for log in logs if log.closed)),
        "heartbeats_per_client": round(sum(log.heartbeats for log in logs) / max(1, len(logs)), 2),
        "final_call": {
            "status": status,
            "ticket": ticket,
            "received_within_5s": len(got),
            "latency_ms": percentiles(got),
            "server_cpu_ms": round(1000 * (after["server"] - before["server"]), 1) if "server" in after else None,
        },
        "windows": windows,
    }


# --- running and reporting ----------------------------------------------------------------------------


def progress(line: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {line}", file=sys.stderr, flush=True)


def machine_facts() -> dict[str, Any]:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.partition(":")[2].strip()
                break
    import uvicorn
    from websockets.version import version as websockets_version

    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_model": model or platform.processor() or "unknown",
        "python": platform.python_version(),
        "client_event_loop": "uvloop" if loop_factory() else "asyncio",
        "kernel": platform.release(),
        "uvicorn": uvicorn.__version__,
        "websockets": websockets_version,
        "nofile_hard_limit": resource.getrlimit(resource.RLIMIT_NOFILE)[1],
    }


def run_impl(args: argparse.Namespace, pool: ScreenPool, impl: str, tmp: Path, given: Server | None) -> dict[str, Any]:
    result: dict[str, Any] = {"ws_impl": impl}
    phases = [("fanout", fanout_phase, args.screens), ("idle", idle_phase, args.idle)]
    for name, phase, clients in phases:
        if not clients:
            continue
        server = given or start_server(impl, tmp / f"{impl}-{name}", args.config, args.server_log_level)
        progress(f"{name} on {impl}: server pid {server.pid} at {server.host}:{server.port}")
        try:
            result[name] = phase(args, pool, server)
        finally:
            stopping = time.monotonic()
            cut = server.log.stat().st_size if server.log and server.log.exists() else 0
            status = stop_server(server)
            if server.process is not None:
                progress(f"{name} on {impl}: server stopped")
        if server.process is not None:
            result[name]["server_command"] = server.command
            result[name]["server_exit_status"] = status
            result[name]["server_stop_seconds"] = round(time.monotonic() - stopping, 1)
            result[name]["server_log_errors"] = logged_errors(server.log, end=cut)
            # e.g. the handlers of departed screens, cancelled when graceful shutdown runs out of time
            result[name]["server_log_errors_while_stopping"] = logged_errors(server.log, start=cut)
        if args.keep_logs:
            args.keep_logs.mkdir(parents=True, exist_ok=True)
            for kept in (server.log, server.gc_log):
                if kept is not None and kept.exists():
                    shutil.copy(kept, args.keep_logs / f"{impl}-{name}-{kept.name}")
        if server.gc_log is not None:
            windows = result[name].get("windows", {})
            result[name]["server_gc"] = {w: gc_in_window(server.gc_log, *span) for w, span in windows.items()}
    return result


def gc_in_window(gc_log: Path, start_ns: int, end_ns: int) -> dict[str, Any]:
    """The server's garbage collections that began within the window: per generation, count and ms."""
    out: dict[str, Any] = {}
    with contextlib.suppress(OSError, ValueError):
        for line in gc_log.read_text().splitlines():
            generation, started, took = (int(v) for v in line.split())
            if start_ns <= started <= end_ns:
                gen = out.setdefault(f"gen{generation}", {"count": 0, "ms": 0.0, "max_ms": 0.0})
                gen["count"] += 1
                gen["ms"] = round(gen["ms"] + took / 1e6, 1)
                gen["max_ms"] = round(max(gen["max_ms"], took / 1e6), 1)
    return dict(sorted(out.items()))


def fmt(p: dict[str, float | None]) -> str:
    return "  ".join(f"{k} {'-' if v is None else v}" for k, v in p.items())


def fmt_gc(collections: dict[str, dict[str, float]]) -> str:
    if not collections:
        return "none"
    return ", ".join(f"{g} {c['count']}x {c['ms']} ms (max {c['max_ms']})" for g, c in collections.items())


def print_report(results: list[dict[str, Any]], facts: dict[str, Any], args: argparse.Namespace) -> bool:
    ok = True
    for r in results:
        print(f"=== ws implementation: {r['ws_impl']}")
        if f := r.get("fanout"):
            print(
                f"fanout: {f['connected']}/{f['screens']} screens in {args.client_procs} load processes, "
                f"{f['calls']['made']}/{f['calls']['asked']} calls {args.interval * 1000:g} ms apart"
            )
            print(f"  latency ms (screen, call):   {fmt(f['latency_ms'])}")
            print(f"  first screen per call, ms:   {fmt(f['first_screen_ms'])}")
            print(f"  last minus first screen, ms: {fmt(f['spread_ms'])}")
            print(f"  clerk's answer, ms:          {fmt(f['clerk_answer_ms'])}")
            print(f"  event in Redis after, ms:    {fmt(f['event_in_redis_ms'])}  (stream id: 1 ms resolution)")
            print(
                f"  delivery: {f['pairs_received']}/{f['pairs_expected']} pairs, missing {f['missing']}, "
                f"duplicates {f['duplicates']}, screens out of order {f['screens_out_of_order']}, "
                f"resync snapshots {f['resync_snapshots']}, closed {f['screens_closed'] or 0}, "
                f"connect failures {f['connect_failures'] or 0}"
            )
            c = f["cpu_percent"]
            print(
                f"  cpu % of a core while calling: server {c['server']}, redis {c['redis']}, "
                f"load processes {c['clients']}, other {c['other']}; server {f['server_cpu_ms_per_call']} ms/call, "
                f"clients {f['client_cpu_us_per_message']} µs/message; "
                f"{f['messages_per_screen_per_call']} messages per screen per call"
            )
            if gcs := f.get("server_gc"):
                print(f"  server garbage collection while calling: {fmt_gc(gcs['calls'])}")
            verdict = "met" if f["goal_met"] else "MISSED"
            print(f"  goal p99 <= {GOAL_P99_MS:g} ms: {verdict}")
            if c["other"] is not None and c["other"] > OTHER_WARN:
                print(f"  WARNING: other processes took {c['other']}% of a core while calling")
            ok &= not (f["missing"] or f["duplicates"] or f["screens_out_of_order"] or f["connect_failures"])
            ok &= not f.get("server_log_errors")
        if i := r.get("idle"):
            rss, per = i["server_rss_kib"], i["kib_per_connection"]
            fc = i["final_call"]
            print(
                f"idle: {i['connected']}/{i['target']} connected in {i['connect_seconds']} s, "
                f"{i['open_after_hold']} still open after {i['hold_seconds']:g} s "
                f"(heartbeats per client {i['heartbeats_per_client']}), closed {i['closed_during_hold'] or 0}"
            )
            print(
                f"  server RSS KiB: before {rss['before']}, connected {rss['connected']}, "
                f"after hold {rss['after_hold']}; per connection {per['connected']} / {per['after_hold']} KiB"
            )
            print(f"  server fds held {i['server_fds_held']}, its RLIMIT_NOFILE {i['server_nofile_limit']}")
            print(
                f"  final call {fc['ticket']} (HTTP {fc['status']}): {fc['received_within_5s']}/{i['connected']} "
                f"clients within 5 s; latency ms {fmt(fc['latency_ms'])}; server CPU {fc['server_cpu_ms']} ms"
            )
            if gcs := i.get("server_gc"):
                for window, collections in gcs.items():
                    print(f"  server garbage collection, {window}: {fmt_gc(collections)}")
            ok &= fc["received_within_5s"] == i["target"] and not i["connect_failures"]
            ok &= not i.get("server_log_errors")
        for name in ("fanout", "idle"):
            if errors := r.get(name, {}).get("server_log_errors"):
                print(f"  !!! {name}: server log errors: {errors}")
            if (stop := r.get(name, {}).get("server_stop_seconds")) is not None:
                print(f"  {name}: the server took {stop} s to stop on SIGTERM after its clients had left")
            if stopping := r.get(name, {}).get("server_log_errors_while_stopping"):
                print(f"  {name}: logged while stopping (not counted as a failure): {stopping}")
    print(
        f"machine: nproc {facts['nproc']}, {facts['cpu_model']}, Python {facts['python']}, kernel {facts['kernel']}, "
        f"uvicorn {facts['uvicorn']}, websockets {facts['websockets']}, load processes on {facts['client_event_loop']}"
    )
    print("clock: time.monotonic_ns (CLOCK_MONOTONIC, one clock for all processes on Linux)")
    print(f"command: {shlex.join(sys.orig_argv)}")
    for r in results:
        for name in ("fanout", "idle"):
            if command := r.get(name, {}).get("server_command"):
                print(f"server ({r['ws_impl']}, {name}): {shlex.join(command)}")
    return ok


def serve(argv: Sequence[str]) -> int:
    """``ws_fanout.py serve IMPL``: ``queue-server`` on its embedded Redis, with uvicorn's ``ws=IMPL``."""
    parser = argparse.ArgumentParser(prog="ws_fanout.py serve")
    parser.add_argument("ws", choices=WS_IMPLS[1:])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--log-level", default="info")
    parser.add_argument("--gc-log", type=Path, help="at exit, write every garbage collection: gen start_ns ns")
    args = parser.parse_args(argv)
    import uvicorn

    from queue_server.app import create_app
    from queue_server.clock import Clock
    from queue_server.config import load_halls
    from queue_server.embedded_redis import EmbeddedRedis

    raise_open_files_limit()
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    embedded = EmbeddedRedis(args.data_dir)
    redis_url = embedded.start()

    def exit_on_signal(signum: int, frame: object) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, exit_on_signal)
    collections = array.array("q")  # generation, monotonic start ns, ns taken; kept in memory: cheap
    began = 0

    def on_gc(phase: str, info: dict[str, int]) -> None:
        nonlocal began
        if phase == "start":
            began = time.monotonic_ns()
        else:
            collections.extend((info["generation"], began, time.monotonic_ns() - began))

    if args.gc_log:
        gc.callbacks.append(on_gc)
    try:
        app = create_app(load_halls(args.config), redis_url, Clock(), os.environ.get("QUEUE_ADMIN_TOKEN"))
        ws = cast(ServeImpl, args.ws)
        # the settings of queue-server's own uvicorn.run (queue_server/cli.py), but for ws
        uvicorn.run(
            app,
            host="127.0.0.1",
            port=args.port,
            log_level=args.log_level,
            access_log=False,
            ws=ws,
            ws_per_message_deflate=False,
            timeout_graceful_shutdown=3,
        )
    finally:
        embedded.stop()
        if args.gc_log:
            rows = zip(collections[0::3], collections[1::3], collections[2::3], strict=True)
            args.gc_log.write_text("".join(f"{g} {s} {t}\n" for g, s, t in rows))
    return 0


def loopback_address(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        raise SystemExit(f"ws_fanout: --server must be an http:// URL, not {url!r}")
    infos = socket.getaddrinfo(parts.hostname, parts.port or 80, type=socket.SOCK_STREAM)
    if not all(ipaddress.ip_address(info[4][0]).is_loopback for info in infos):
        raise SystemExit(f"ws_fanout: only loopback servers may be used; {parts.hostname} is not one")
    return str(infos[0][4][0]), parts.port or 80


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="ws_fanout.py",
        description="Measure how fast a call reaches many hall screens over WebSocket, and what idle screens cost.",
        epilog="`ws_fanout.py serve IMPL --port N --data-dir D --config C` is the launcher used for --ws-impl.",
    )
    parser.add_argument("--screens", type=int, default=1000, help="screens for the fan-out phase (0: skip it)")
    parser.add_argument("--calls", type=int, default=50, help="calls in the fan-out phase (default 50)")
    parser.add_argument("--interval", type=float, default=0.2, help="seconds between calls (default 0.2)")
    parser.add_argument("--idle", type=int, default=10_000, help="idle connections (0: skip that phase)")
    parser.add_argument("--idle-hold", type=float, default=30.0, help="seconds to hold them open (default 30)")
    parser.add_argument("--client-procs", type=int, default=2, help="load processes holding the clients (default 2)")
    parser.add_argument("--hall", default="allday", help="hall id (default allday)")
    parser.add_argument("--window", type=int, default=1, help="the clerk's window (default 1)")
    parser.add_argument("--server", help="URL of a running server on this machine (default: start one per phase)")
    parser.add_argument("--server-pid", type=int, help="with --server: its process id, for its memory and CPU")
    parser.add_argument("--token", help="supervisors' token with --server (default: $QUEUE_ADMIN_TOKEN)")
    parser.add_argument("--ws-impl", default="auto", help=f"comma-separated, of {', '.join(WS_IMPLS)} (default auto)")
    parser.add_argument("--config", type=Path, default=Path(__file__).resolve().parent.parent / "config")
    parser.add_argument("--server-log-level", choices=["debug", "info", "warning", "error"])
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the results here as JSON")
    parser.add_argument("--keep-logs", type=Path, metavar="DIR", help="copy the servers' logs (and GC logs) here")
    args = parser.parse_args(argv)
    args.impls = [impl.strip() for impl in args.ws_impl.split(",") if impl.strip()]
    if unknown := [impl for impl in args.impls if impl not in WS_IMPLS]:
        parser.error(f"--ws-impl: unknown {', '.join(unknown)}; choose from {', '.join(WS_IMPLS)}")
    if args.server and args.impls != ["auto"]:
        parser.error("--ws-impl picks how this script starts the server; it cannot apply to --server")
    if not 0 <= args.screens <= 20_000 or not 0 <= args.idle <= 50_000:
        parser.error("--screens must be 0 to 20000 and --idle 0 to 50000")
    if not 1 <= args.calls <= 10_000 or not 0 < args.interval <= 10 or not 0 <= args.idle_hold <= 600:
        parser.error("--calls must be 1 to 10000, --interval above 0 and at most 10, --idle-hold 0 to 600")
    if not 1 <= args.client_procs <= 64:
        parser.error("--client-procs must be 1 to 64")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["serve"]:
        return serve(argv[1:])
    args = parse_args(argv)
    limit = raise_open_files_limit()
    if max(args.screens, args.idle) + 100 > limit * args.client_procs:
        print(f"ws_fanout: warning: RLIMIT_NOFILE is {limit} per process; too low for these clients", file=sys.stderr)
    facts = machine_facts()
    given: Server | None = None
    if args.server:
        host, port = loopback_address(args.server)
        token = args.token or os.environ.get("QUEUE_ADMIN_TOKEN", "")
        if not token:
            print("ws_fanout: call-next needs the supervisors' token: --token or QUEUE_ADMIN_TOKEN", file=sys.stderr)
            return 2
        given = Server(host, port, token, args.server_pid, "given")
    results = []
    pool = ScreenPool(args.client_procs)
    try:
        with tempfile.TemporaryDirectory(prefix="tidequeue-ws-bench-") as tmp:
            for impl in args.impls:
                results.append(run_impl(args, pool, impl if given is None else "given", Path(tmp), given))
    finally:
        pool.close()
    ok = print_report(results, facts, args)
    if args.json:
        data = {"command": sys.orig_argv, "machine": facts, "settings": vars(args), "results": results, "ok": ok}
        args.json.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
