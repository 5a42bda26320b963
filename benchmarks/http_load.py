"""HTTP load benchmark for a tidequeue server: requests/s and p50/p99 latency of the ticket API.

What it measures, one phase after another, each for ``--duration`` seconds over ``--concurrency``
keep-alive connections, every connection sending its next request as soon as the answer to the last one
has arrived (a closed loop):

1. ``bare``: ``GET /api/ping``, an endpoint of the same server stack with no Redis behind it (the baseline);
2. ``issue``: ``POST /api/halls/{hall}/tickets`` cycling over the hall's categories (expects 201);
3. ``call-next``: ``POST /api/halls/{hall}/windows/{n}/call-next`` with the supervisors' bearer token,
   each connection on its own window(s) where there are enough (expects 200). Before this phase the
   lines are topped up, untimed, so that they do not run dry; answers ``{"ticket": null}`` (nobody left
   to call, a cheaper request) are counted apart as ``empty``.

Latency is per request, from writing it to having read the whole answer (``time.perf_counter_ns``);
percentiles are over all samples. The load generator is a minimal HTTP/1.1 client on raw asyncio streams
(uvloop when importable) so that it leaves the machine to the server; ``--processes`` splits the
connections over several load processes. One is the default: on the 2-core machine the server process is
the bottleneck (a whole core) and a second load process gave it no more throughput, only more CPU used.

Beside each phase it prints the CPU each party used, in % of one core over the phase: the load generator,
the server and its embedded Redis (known when this script started the server, or with ``--server-pid``),
and ``other``, the rest of the machine; it warns when other processes took a noticeable share, since the
server then had less than the machine it is measured on.

Run it from the repository root::

    .venv/bin/python benchmarks/http_load.py                      # starts its own server
    .venv/bin/python benchmarks/http_load.py --concurrency 32 --duration 5 --json result.json
    QUEUE_ADMIN_TOKEN=... .venv/bin/python benchmarks/http_load.py --server http://127.0.0.1:8000

Without ``--server`` it starts ``queue-server --port <free port> --data-dir <temp dir>`` with a random
``QUEUE_ADMIN_TOKEN`` and no ``REDIS_URL`` (so the server runs its own embedded redis-server), and stops it
with SIGTERM at the end. It only ever talks to loopback addresses. The exit status is 1 when any request
failed or got an unexpected status, or when the server it started logged an error.
"""

from __future__ import annotations

import argparse
import array
import asyncio
import contextlib
import http.client
import ipaddress
import json
import math
import multiprocessing
import os
import platform
import re
import resource
import secrets
import shlex
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
from typing import Any
from urllib.parse import quote, urlsplit

REPO = Path(__file__).resolve().parent.parent
START_LEAD = 0.5  # seconds between handing out a phase and its start, for the workers to connect
MAX_RECONNECTS = 50  # per connection and phase; past that the connection gives up (counted as errors)
IO_TIMEOUT = 30.0  # how long past a phase's end the requests still under way may take
MAX_UNTIMED = 600.0  # the untimed top-up's limit
CALL_MARGIN = 1.5  # top up the lines for call-next at this many times the issue rate
MAX_TOP_UP = 500_000
ERROR_SAMPLES = 3  # distinct unexpected answers kept to show
OTHER_WARN = 15.0  # % of a core used by other processes during a phase, past which the report warns


# --- the load generator -------------------------------------------------------------------------------


@dataclass
class ConnSpec:
    """One connection's work: send ``requests`` in turn, expecting ``expected`` for each."""

    requests: list[bytes]
    expected: int
    # An expected answer whose body holds this is counted apart (call-next's empty line).
    empty_marker: bytes | None = None


@dataclass
class Job:
    host: str
    port: int
    conns: list[ConnSpec]
    start_at: float  # time.perf_counter() value; CLOCK_MONOTONIC, so the same in every process
    end_at: float | None  # None: each connection sends its requests once (the untimed top-up)


@dataclass
class Outcome:
    """What one worker (or, merged, all of them) saw in one phase."""

    latencies: array.array[int] = field(default_factory=lambda: array.array("q"))
    empty_latencies: array.array[int] = field(default_factory=lambda: array.array("q"))
    unexpected: Counter[str] = field(default_factory=Counter)
    samples: list[str] = field(default_factory=list)
    started: float = math.inf
    finished: float = 0.0
    cpu_seconds: float = 0.0

    def note(self, kind: str, sample: str) -> None:
        """Count a failed request; keep the first few distinct descriptions to show."""
        self.unexpected[kind] += 1
        if sample and len(self.samples) < ERROR_SAMPLES and sample not in self.samples:
            self.samples.append(sample)

    def merge(self, other: Outcome) -> None:
        self.latencies.extend(other.latencies)
        self.empty_latencies.extend(other.empty_latencies)
        self.unexpected.update(other.unexpected)
        for sample in other.samples:
            if sample not in self.samples and len(self.samples) < ERROR_SAMPLES:
                self.samples.append(sample)
        self.started = min(self.started, other.started)
        self.finished = max(self.finished, other.finished)
        self.cpu_seconds += other.cpu_seconds


class ProtocolError(Exception):
    """The answer is not HTTP/1.1 as this client reads it (it needs Content-Length)."""


async def _read_answer(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """(status, body, whether the server closes the connection after it)."""
    head = await reader.readuntil(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 "):
        raise ProtocolError(f"not an HTTP/1.1 answer: {head[:40]!r}")
    status = int(head[9:12])
    # uvicorn writes header names in lower case; fold only when that fast path misses.
    at = head.find(b"\r\ncontent-length:")
    if at < 0:
        head = head.lower()
        at = head.find(b"\r\ncontent-length:")
        if at < 0:
            raise ProtocolError(f"answer {status} without Content-Length")
    length = int(head[at + 17 : head.index(b"\r\n", at + 17)])
    body = await reader.readexactly(length) if length else b""
    return status, body, b"\r\nconnection: close" in head


async def _drive(job: Job, spec: ConnSpec, outcome: Outcome, ready: asyncio.Event, go: asyncio.Event) -> None:
    requests, expected, marker = spec.requests, spec.expected, spec.empty_marker
    latencies, empty_latencies = outcome.latencies, outcome.empty_latencies
    clock, clock_ns = time.perf_counter, time.perf_counter_ns
    end_at = job.end_at if job.end_at is not None else math.inf
    remaining = len(requests) if job.end_at is None else -1
    index, reconnects = 0, 0
    writer: asyncio.StreamWriter | None = None
    try:
        try:
            reader, writer = await asyncio.open_connection(job.host, job.port)
        finally:
            ready.set()
        await go.wait()
        while remaining != 0 and clock() < end_at:
            request = requests[index]
            index = (index + 1) % len(requests)
            remaining -= 1
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection(job.host, job.port)
                started = clock_ns()
                # no drain(): one small request at a time never fills the transport's buffer
                writer.write(request)
                status, body, closing = await _read_answer(reader)
                elapsed = clock_ns() - started
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ProtocolError) as e:
                outcome.note(type(e).__name__, f"{type(e).__name__}: {e}")
                if writer is not None:
                    writer.close()
                    writer = None
                reconnects += 1
                if reconnects > MAX_RECONNECTS:
                    outcome.note("gave up after reconnects", "")
                    return
                continue
            if status != expected:
                outcome.note(f"HTTP {status}", f"HTTP {status}: {body[:200].decode(errors='replace')}")
            elif marker is not None and marker in body:
                empty_latencies.append(elapsed)
            else:
                latencies.append(elapsed)
            if closing:
                writer.close()
                writer = None
    finally:
        if writer is not None:
            writer.close()


async def run_job(job: Job) -> Outcome:
    outcome = Outcome()
    go = asyncio.Event()
    readies = [asyncio.Event() for _ in job.conns]
    tasks = [
        asyncio.create_task(_drive(job, spec, outcome, ready, go))
        for spec, ready in zip(job.conns, readies, strict=True)
    ]
    # a connection still not made by then is left to the job's deadline
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(IO_TIMEOUT):
            for ready in readies:
                await ready.wait()
    await asyncio.sleep(max(0.0, job.start_at - time.perf_counter()))
    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    outcome.started = time.perf_counter()
    go.set()
    # One deadline for the whole job instead of a timeout per request, which would cost a timer each.
    deadline = (job.end_at if job.end_at is not None else outcome.started + MAX_UNTIMED) + IO_TIMEOUT
    done, stuck = await asyncio.wait(tasks, timeout=max(0.0, deadline - time.perf_counter()))
    for task in stuck:
        task.cancel()
        outcome.note("no answer by the deadline", f"no answer within {IO_TIMEOUT:g} s of the phase's end")
    await asyncio.gather(*stuck, return_exceptions=True)
    for task in done:
        if (error := task.exception()) is not None:
            outcome.note(f"connect: {type(error).__name__}", f"connect: {error!r}")
    outcome.finished = time.perf_counter()
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    outcome.cpu_seconds = (cpu_after.ru_utime + cpu_after.ru_stime) - (cpu_before.ru_utime + cpu_before.ru_stime)
    return outcome


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def worker_main(pipe: Connection) -> None:
    """A load process: runs the jobs it is sent until it is sent None."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    with asyncio.Runner(loop_factory=_loop_factory()) as runner:
        while (job := pipe.recv()) is not None:
            pipe.send(runner.run(run_job(job)))


class LoadPool:
    """``size`` load processes that keep running between phases, so their start-up is never timed."""

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

    def run(
        self,
        host: str,
        port: int,
        conns: list[ConnSpec],
        duration: float | None,
        cpu: CpuWatch | None = None,
    ) -> tuple[Outcome, CpuUse | None]:
        """Split the connections over the processes (connection i to process i mod size) and merge.

        With ``cpu`` (and a ``duration``), also what the server, its Redis and the machine spent in
        the measured window.
        """
        start_at = time.perf_counter() + START_LEAD
        end_at = start_at + duration if duration is not None else None
        busy = []
        for k, pipe in enumerate(self.pipes):
            share = conns[k :: len(self.pipes)]
            if share:
                pipe.send(Job(host, port, share, start_at, end_at))
                busy.append(pipe)
        use = None
        if cpu is not None and end_at is not None:
            time.sleep(max(0.0, start_at - time.perf_counter()))
            before = cpu.sample()
            time.sleep(max(0.0, end_at - time.perf_counter()))
            use = cpu.sample().minus(before)
        merged = Outcome()
        for pipe in busy:
            try:
                merged.merge(pipe.recv())
            except (EOFError, OSError) as e:
                raise SystemExit(f"http_load: a load process died ({e!r}); see its traceback above") from None
        return merged, use

    def close(self) -> None:
        for pipe in self.pipes:
            with contextlib.suppress(OSError):
                pipe.send(None)
        for process in self.processes:
            process.join(5)
            if process.is_alive():
                process.terminate()
                process.join()


# --- the server under test ----------------------------------------------------------------------------


@dataclass
class CpuUse:
    """CPU seconds over some span: the server process, its children (the embedded Redis), the machine."""

    server: float | None
    redis: float | None
    machine: float
    seconds: float

    def minus(self, before: CpuUse) -> CpuUse:
        def sub(a: float | None, b: float | None) -> float | None:
            return None if a is None or b is None else a - b

        return CpuUse(
            sub(self.server, before.server),
            sub(self.redis, before.redis),
            self.machine - before.machine,
            self.seconds - before.seconds,
        )

    def percent(self, value: float | None) -> float | None:
        """``value`` as a percentage of one core over the span."""
        return None if value is None else 100 * value / max(self.seconds, 1e-9)


class CpuWatch:
    """Reads CPU time from /proc: the server's (when this script started it) and the whole machine's."""

    def __init__(self, pid: int | None) -> None:
        self.pid = pid
        self.tick = os.sysconf("SC_CLK_TCK")

    def _process(self, pid: int) -> float:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / self.tick  # utime, stime

    def _children(self, pid: int) -> list[int]:
        try:
            return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        except OSError:
            return []

    def _machine(self) -> float:
        # the first line adds up all cores: user nice system idle iowait irq softirq steal ...
        ticks = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
        return (sum(ticks) - ticks[3] - ticks[4]) / self.tick

    def sample(self) -> CpuUse:
        now = time.perf_counter()
        if self.pid is None:
            return CpuUse(None, None, self._machine(), now)
        redis = sum(self._process(child) for child in self._children(self.pid))
        return CpuUse(self._process(self.pid), redis, self._machine(), now)


@dataclass
class Server:
    host: str
    port: int
    token: str
    process: subprocess.Popen[bytes] | None = None
    command: list[str] = field(default_factory=list)
    log: Path | None = None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def server_command() -> list[str]:
    script = Path(sys.executable).with_name("queue-server")
    return [str(script)] if script.exists() else [sys.executable, "-m", "queue_server.cli"]


def start_server(data_dir: Path, config: Path, log_level: str | None) -> Server:
    port = free_port()
    token = secrets.token_urlsafe(24)
    command = [*server_command(), "--port", str(port), "--data-dir", str(data_dir / "redis")]
    command += ["--config", str(config)]
    if log_level:
        command += ["--log-level", log_level]
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env["QUEUE_ADMIN_TOKEN"] = token
    log = data_dir / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=out)
    server = Server("127.0.0.1", port, token, process, command, log)
    deadline = time.monotonic() + 30
    while True:
        if process.poll() is not None:
            raise SystemExit(f"http_load: the server exited at start-up:\n{_tail(log)}")
        try:
            if get_json(server.host, server.port, "/api/ping", timeout=1) == {"pong": True}:
                return server
        except (OSError, http.client.HTTPException, ValueError):
            pass
        if time.monotonic() > deadline:
            stop_server(server)
            raise SystemExit(f"http_load: the server did not answer /api/ping within 30 s:\n{_tail(log)}")
        time.sleep(0.1)  # polling a child that gives no other sign of readiness


def stop_server(server: Server) -> int | None:
    process = server.process
    if process is None:
        return None
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            print("http_load: the server ignored SIGTERM for 20 s; killing it", file=sys.stderr)
            process.kill()
            process.wait()
    return process.returncode


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def logged_errors(log: Path, limit: int = 5) -> dict[str, int]:
    """The server log's most frequent ERROR messages (timestamps left out), with how often each came."""
    counts: Counter[str] = Counter()
    try:
        with log.open(errors="replace") as lines:
            for line in lines:
                level = " ERROR " if " ERROR " in line else " CRITICAL " if " CRITICAL " in line else ""
                if level or line.startswith(("ERROR:", "CRITICAL:")):
                    message = line.partition(level)[2].strip() if level else line.strip()
                    counts[re.sub(r"\d+", "N", message)] += 1  # one entry for all windows, ports, ...
    except OSError:
        return {}
    return dict(counts.most_common(limit))


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


def loopback_address(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        raise SystemExit(f"http_load: --server must be an http:// URL, not {url!r}")
    host = parts.hostname
    infos = socket.getaddrinfo(host, parts.port or 80, type=socket.SOCK_STREAM)
    address = str(infos[0][4][0])
    if not all(ipaddress.ip_address(info[4][0]).is_loopback for info in infos):
        raise SystemExit(f"http_load: only loopback servers may be loaded; {host} is {address}")
    return address, parts.port or 80


# --- the phases ---------------------------------------------------------------------------------------


def request_bytes(method: str, path: str, host: str, port: int, headers: dict[str, str], body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if method == "POST":
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def issue_request(host: str, port: int, hall: str, code: str) -> bytes:
    body = json.dumps({"service": code}).encode()
    path = f"/api/halls/{quote(hall, safe='')}/tickets"
    return request_bytes("POST", path, host, port, {"Content-Type": "application/json"}, body)


def window_sets(numbers: list[int], concurrency: int) -> list[list[int]]:
    """Each connection's windows: its own when there are enough windows, else shared round the ring."""
    if concurrency >= len(numbers):
        return [[numbers[i % len(numbers)]] for i in range(concurrency)]
    return [numbers[i::concurrency] for i in range(concurrency)]


def call_shares(windows: list[dict[str, Any]], sets: list[list[int]]) -> dict[str, float]:
    """For each category, an upper bound on its share of the calls when every connection runs equally fast.

    A window serving several categories is counted in full for each of them, hence "upper bound".
    """
    per_window: dict[int, float] = {}
    for own in sets:
        for number in own:
            per_window[number] = per_window.get(number, 0.0) + 1 / (len(own) * len(sets))
    shares: dict[str, float] = {}
    for w in windows:
        for code in w["services"]:
            shares[code] = shares.get(code, 0.0) + per_window.get(w["number"], 0.0)
    return shares


@dataclass
class PhaseResult:
    name: str
    outcome: Outcome
    cpu: CpuUse | None = None
    note: str = ""

    @property
    def seconds(self) -> float:
        return max(self.outcome.finished - self.outcome.started, 1e-9)

    @property
    def requests(self) -> int:
        return len(self.outcome.latencies) + len(self.outcome.empty_latencies)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    @property
    def errors(self) -> int:
        return sum(self.outcome.unexpected.values())

    def percentile(self, q: float) -> float:
        """Nearest-rank percentile in ms over every answered request, the empty ones included."""
        samples = sorted([*self.outcome.latencies, *self.outcome.empty_latencies])
        if not samples:
            return math.nan
        return samples[max(0, math.ceil(q * len(samples)) - 1)] / 1e6

    def cpu_percent(self) -> dict[str, float | None]:
        """Each party's CPU in % of one core: the load generator, the server, its Redis, and the rest."""
        load = 100 * self.outcome.cpu_seconds / self.seconds
        if self.cpu is None or self.cpu.server is None:
            return {"load": load, "server": None, "redis": None, "other": None}
        server, redis = self.cpu.percent(self.cpu.server), self.cpu.percent(self.cpu.redis)
        machine = self.cpu.percent(self.cpu.machine) or 0.0
        other = max(0.0, machine - load - (server or 0.0) - (redis or 0.0))
        return {"load": load, "server": server, "redis": redis, "other": other}

    def as_dict(self) -> dict[str, Any]:
        p50, p99 = self.percentile(0.50), self.percentile(0.99)
        return {
            "requests": self.requests,
            "seconds": round(self.seconds, 3),
            "req_per_s": round(self.rate, 1),
            "p50_ms": None if math.isnan(p50) else round(p50, 3),
            "p99_ms": None if math.isnan(p99) else round(p99, 3),
            "errors": self.errors,
            "error_kinds": dict(self.outcome.unexpected),
            "error_samples": self.outcome.samples,
            "empty": len(self.outcome.empty_latencies),
            "cpu_percent": {name: None if v is None else round(v, 1) for name, v in self.cpu_percent().items()},
            "note": self.note,
        }


def timed(
    pool: LoadPool,
    name: str,
    host: str,
    port: int,
    conns: list[ConnSpec],
    duration: float,
    cpu: CpuWatch,
) -> PhaseResult:
    outcome, use = pool.run(host, port, conns, duration, cpu)
    return PhaseResult(name, outcome, use)


def top_up(pool: LoadPool, host: str, port: int, hall: str, deficit: dict[str, int], concurrency: int) -> Outcome:
    """Issue ``deficit[code]`` more tickets of each category, untimed, spread over the connections."""
    requests = {code: issue_request(host, port, hall, code) for code in deficit}
    queue = [requests[code] for code, n in deficit.items() for _ in range(n)]
    conns = [ConnSpec(queue[i::concurrency], 201) for i in range(min(concurrency, len(queue)))]
    return pool.run(host, port, conns, None)[0]


def run_phases(
    args: argparse.Namespace, pool: LoadPool, host: str, port: int, token: str, cpu: CpuWatch
) -> tuple[list[PhaseResult], dict[str, Any]]:
    hall = args.hall
    hall_path = f"/api/halls/{quote(hall, safe='')}"
    snapshot = get_json(host, port, hall_path)
    codes = [c["code"] for c in snapshot["categories"]]
    windows = snapshot["windows"]
    numbers = [w["number"] for w in windows]
    if not codes or not numbers:
        raise SystemExit(f"http_load: hall {hall!r} has no categories or no windows")
    c, duration = args.concurrency, args.duration
    setup: dict[str, Any] = {"categories": codes, "windows": numbers}

    ping = request_bytes("GET", "/api/ping", host, port, {})
    results = [timed(pool, "bare", host, port, [ConnSpec([ping], 200) for _ in range(c)], duration, cpu)]

    issues = [issue_request(host, port, hall, code) for code in codes]
    # every connection starts at another category, so all of them are issued from the first moment on
    issue_conns = [ConnSpec(issues[i % len(issues) :] + issues[: i % len(issues)], 201) for i in range(c)]
    results.append(timed(pool, "issue", host, port, issue_conns, duration, cpu))

    sets = window_sets(numbers, c)
    waiting = {cat["code"]: int(cat.get("waiting", 0)) for cat in get_json(host, port, hall_path)["categories"]}
    expected_calls = math.ceil(results[-1].rate * duration * CALL_MARGIN)
    wanted = {code: math.ceil(share * expected_calls) for code, share in call_shares(windows, sets).items()}
    deficit = {code: n - waiting.get(code, 0) for code, n in wanted.items() if n > waiting.get(code, 0)}
    if sum(deficit.values()) > MAX_TOP_UP:
        scale = MAX_TOP_UP / sum(deficit.values())
        deficit = {code: int(n * scale) for code, n in deficit.items()}
    topped = 0
    if deficit:
        started = time.perf_counter()
        filled = top_up(pool, host, port, hall, deficit, c)
        topped = len(filled.latencies)
        setup["top_up"] = {
            "tickets": topped,
            "errors": sum(filled.unexpected.values()),
            "seconds": round(time.perf_counter() - started, 2),
        }
    setup["waiting_before_call_next"] = {code: waiting.get(code, 0) + deficit.get(code, 0) for code in codes}

    auth = {"Authorization": f"Bearer {token}"}
    calls = {n: request_bytes("POST", f"{hall_path}/windows/{n}/call-next", host, port, auth) for n in numbers}
    call_conns = [ConnSpec([calls[n] for n in own], 200, empty_marker=b'"ticket":null') for own in sets]
    result = timed(pool, "call-next", host, port, call_conns, duration, cpu)
    if topped:
        result.note = f"lines topped up with {topped} tickets (untimed) before this phase"
    results.append(result)
    return results, setup


# --- reporting ----------------------------------------------------------------------------------------


def machine_facts() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.partition(":")[2].strip()
                break
    except OSError:
        pass
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_model": model or platform.processor() or "unknown",
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "event_loop": "uvloop" if _loop_factory() else "asyncio",
        "kernel": platform.release(),
    }


def fmt(value: float, digits: int) -> str:
    return "n/a" if math.isnan(value) else f"{value:.{digits}f}"


def report(
    results: list[PhaseResult],
    setup: dict[str, Any],
    facts: dict[str, Any],
    args: argparse.Namespace,
    server: Server,
) -> dict[str, Any]:
    header = f"{'phase':<10} {'requests':>9} {'req/s':>9} {'p50_ms':>8} {'p99_ms':>8} {'errors':>7} {'empty':>7}"
    header += f"   {'cpu%: load':>10} {'server':>6} {'redis':>6} {'other':>6}"
    print(header)
    for r in results:
        empty = str(len(r.outcome.empty_latencies)) if r.name == "call-next" else "-"
        line = f"{r.name:<10} {r.requests:>9} {r.rate:>9.0f} {fmt(r.percentile(0.5), 2):>8} "
        line += f"{fmt(r.percentile(0.99), 2):>8} {r.errors:>7} {empty:>7}   "
        cpu = r.cpu_percent()
        line += " ".join(
            f"{'?' if v is None else f'{v:.0f}':>{w}}" for v, w in zip(cpu.values(), (10, 6, 6, 6), strict=True)
        )
        print(line)
    print("(cpu%: of one core over the phase; other: the rest of the machine, not this benchmark's)")
    by_name = {r.name: r for r in results}
    bare = by_name["bare"].rate
    ratios = {f"{name}/bare": (by_name[name].rate / bare if bare else math.nan) for name in ("issue", "call-next")}
    print("  ".join(f"{name} {value:.3f}" for name, value in ratios.items()))
    for r in results:
        if r.note:
            print(f"note: {r.name}: {r.note}")
        if dry := len(r.outcome.empty_latencies):
            print(
                f'note: {r.name}: {dry} of {r.requests} answers were {{"ticket": null}} (the line ran dry); '
                f"those are cheaper, so {r.name} req/s is flattered; with a ticket: "
                f"{len(r.outcome.latencies) / r.seconds:.0f}/s"
            )
    for r in results:
        other = r.cpu_percent()["other"]
        if other is not None and other > OTHER_WARN:
            print(
                f"WARNING: {r.name}: other processes took {other:.0f}% of a core during the phase; "
                "the server had less than the whole machine, so its numbers understate it"
            )
    if "top_up" in setup:
        t = setup["top_up"]
        print(f"top-up before call-next: {t['tickets']} tickets in {t['seconds']} s, {t['errors']} errors")
    print(
        f"machine: nproc {facts['nproc']}, {facts['cpu_model']}, "
        f"{facts['implementation']} {facts['python']}, {facts['event_loop']}, kernel {facts['kernel']}"
    )
    print(
        f"load: {args.concurrency} connections in {args.processes} process(es), "
        f"{args.duration:g} s per phase, hall {args.hall}"
    )
    print(f"command: {shlex.join(sys.orig_argv)}")
    if server.command:
        print(f"server: {shlex.join(server.command)}")
    else:
        print(f"server: http://{server.host}:{server.port} (given)")

    errors = {r.name: r for r in results if r.errors}
    top_up_errors = setup.get("top_up", {}).get("errors", 0)
    log_errors = setup.get("server_log_errors", {})
    if errors or top_up_errors or log_errors:
        print("\n" + "!" * 78)
        print("!!! THIS BENCHMARK HAD ERRORS: its numbers are not valid")
        for r in errors.values():
            kinds = ", ".join(f"{kind} x{n}" for kind, n in r.outcome.unexpected.most_common())
            print(f"!!! {r.name}: {r.errors} errors: {kinds}")
            for sample in r.outcome.samples:
                print(f"!!!     {sample}")
        if top_up_errors:
            print(f"!!! top-up before call-next: {top_up_errors} errors")
        for message, n in log_errors.items():
            print(f"!!! server log, x{n}: {message[:200]}")
        print("!" * 78)
    return {
        "command": sys.orig_argv,
        "server_command": server.command or None,
        "server": f"http://{server.host}:{server.port}",
        "machine": facts,
        "settings": {
            "hall": args.hall,
            "concurrency": args.concurrency,
            "duration": args.duration,
            "processes": args.processes,
        },
        "setup": setup,
        "phases": {r.name: r.as_dict() for r in results},
        "ratios": {name: round(value, 4) for name, value in ratios.items()},
        "ok": not errors and not top_up_errors and not log_errors,
    }


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="http_load.py",
        description="Load a tidequeue server over HTTP (ping, issue, call-next) and print req/s and latency.",
    )
    parser.add_argument("--server", help="URL of a running server on this machine (default: start one)")
    parser.add_argument("--hall", default="demo", help="hall id (default demo)")
    parser.add_argument("--concurrency", type=int, default=64, help="keep-alive connections (default 64)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per phase (default 10)")
    parser.add_argument(
        "--processes",
        type=int,
        default=1,
        help="load generator processes sharing the connections (default 1)",
    )
    parser.add_argument("--token", help="supervisors' token for call-next with --server (default: $QUEUE_ADMIN_TOKEN)")
    parser.add_argument(
        "--server-pid",
        type=int,
        help="with --server: the server's process id, to report its CPU use and its children's (its Redis)",
    )
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the results here as JSON")
    parser.add_argument(
        "--config",
        type=Path,
        default=REPO / "config",
        help="hall files for the server this script starts (default: the repository's config/)",
    )
    parser.add_argument(
        "--server-log-level",
        choices=["debug", "info", "warning", "error"],
        help="--log-level for the server this script starts (default: the server's own)",
    )
    args = parser.parse_args(argv)
    if not 1 <= args.concurrency <= 10_000:
        parser.error("--concurrency must be 1 to 10000")
    if not 0 < args.duration <= 600:
        parser.error("--duration must be above 0 and at most 600 seconds")
    if not 1 <= args.processes <= min(64, args.concurrency):
        parser.error("--processes must be 1 to 64, and at most --concurrency")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    facts = machine_facts()
    with tempfile.TemporaryDirectory(prefix="tidequeue-bench-") as tmp:
        if args.server:
            host, port = loopback_address(args.server)
            token = args.token or os.environ.get("QUEUE_ADMIN_TOKEN", "")
            if not token:
                print(
                    "http_load: call-next needs the supervisors' token: --token or QUEUE_ADMIN_TOKEN",
                    file=sys.stderr,
                )
                return 2
            server = Server(host, port, token)
            try:
                get_json(host, port, "/api/ping")
            except (OSError, http.client.HTTPException, ValueError) as e:
                print(f"http_load: {args.server} does not answer GET /api/ping: {e}", file=sys.stderr)
                return 2
        else:
            server = start_server(Path(tmp), args.config, args.server_log_level)
            host, port, token = server.host, server.port, server.token
        cpu = CpuWatch(server.process.pid if server.process else args.server_pid)
        pool = LoadPool(args.processes)
        try:
            results, setup = run_phases(args, pool, host, port, token, cpu)
        finally:
            pool.close()
            code = stop_server(server)
            if server.process is not None and code != 0 and server.log:
                print(f"http_load: the server exited with status {code}:\n{_tail(server.log)}", file=sys.stderr)
        if server.log:
            setup["server_exit_status"] = code
            setup["server_log_errors"] = logged_errors(server.log)
    data = report(results, setup, facts, args, server)
    if args.json:
        args.json.write_text(json.dumps(data, indent=2) + "\n")
    return 0 if data["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
