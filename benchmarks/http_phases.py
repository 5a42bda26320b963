"""The phases of the HTTP benchmark (bare, issue, call-next) and what each one measured.

``bare`` pings an endpoint with no Redis behind it; ``issue`` takes tickets cycling over the hall's categories;
``call-next`` calls at the windows, each connection on its own window(s) where there are enough, after the
lines were topped up (untimed) so that they do not run dry.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from bench_server import get_json
from http_client import request_bytes
from http_loadgen import ConnSpec, LoadPool, Outcome
from proc_usage import CpuUse, CpuWatch
from stats import nearest_rank

CALL_MARGIN = 1.5  # top up the lines for call-next at this many times the issue rate
MAX_TOP_UP = 500_000


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
        return nearest_rank(samples, q) / 1e6 if samples else math.nan

    def cpu_percent(self) -> dict[str, float | None]:
        """Each party's CPU in % of one core: the load generator, the server, its Redis, and the rest."""
        load = 100 * self.outcome.cpu_seconds / self.seconds
        if self.cpu is None or self.cpu.server is None:
            return {"load": load, "server": None, "redis": None, "other": None}
        server, redis = self.cpu.percent(self.cpu.server), self.cpu.percent(self.cpu.redis)
        return {"load": load, "server": server, "redis": redis, "other": self.cpu.other_percent(load)}

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


def issue_request(host: str, port: int, hall: str, code: str, device_token: str = "") -> bytes:
    """A kiosk's 取号; with ``device_token`` it says which trusted device it is (X-Device-Token)."""
    body = json.dumps({"service": code}).encode()
    path = f"/api/halls/{quote(hall, safe='')}/tickets"
    headers = {"Content-Type": "application/json"}
    if device_token:
        headers["X-Device-Token"] = device_token
    return request_bytes("POST", path, host, port, headers, body)


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


def top_up(
    pool: LoadPool, host: str, port: int, hall: str, deficit: dict[str, int], concurrency: int, device_token: str
) -> Outcome:
    """Issue ``deficit[code]`` more tickets of each category, untimed, spread over the connections."""
    requests = {code: issue_request(host, port, hall, code, device_token) for code in deficit}
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

    issues = [issue_request(host, port, hall, code, args.device_token) for code in codes]
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
        filled = top_up(pool, host, port, hall, deficit, c, args.device_token)
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
