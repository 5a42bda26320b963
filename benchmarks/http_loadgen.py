"""The HTTP load generator: keep-alive connections in a closed loop, in load processes that outlive the phases.

Each connection sends its next request as soon as the answer to the last one has arrived. Latency is per
request, from writing it to having read the whole answer (``time.perf_counter_ns``). A phase starts at the same
moment in every load process (``perf_counter`` is CLOCK_MONOTONIC, one clock for the machine) once all
connections are made, and ends at a deadline; an untimed job instead sends each connection's requests once.
"""

from __future__ import annotations

import array
import asyncio
import contextlib
import math
import signal
import time
from collections import Counter
from dataclasses import dataclass, field
from multiprocessing.connection import Connection

from http_client import ProtocolError, read_answer
from load_pool import WorkerPool, cpu_seconds, loop_factory
from proc_usage import CpuUse, CpuWatch

START_LEAD = 0.5  # seconds between handing out a phase and its start, for the workers to connect
MAX_RECONNECTS = 50  # per connection and phase; past that the connection gives up (counted as errors)
IO_TIMEOUT = 30.0  # how long past a phase's end the requests still under way may take
MAX_UNTIMED = 600.0  # the untimed top-up's limit
ERROR_SAMPLES = 3  # distinct unexpected answers kept to show


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
                status, body, closing = await read_answer(reader)
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
    cpu_before = cpu_seconds()
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
    outcome.cpu_seconds = cpu_seconds() - cpu_before
    return outcome


def worker_main(pipe: Connection) -> None:
    """A load process: runs the jobs it is sent until it is sent None."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        while (job := pipe.recv()) is not None:
            pipe.send(runner.run(run_job(job)))


class LoadPool(WorkerPool):
    """``size`` load processes that keep running between phases, so their start-up is never timed."""

    def __init__(self, size: int) -> None:
        super().__init__(size, worker_main, "http_load")

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
            merged.merge(self.receive(pipe))
        return merged, use
