"""The phases of the WebSocket benchmark, ``fanout`` and ``idle``, and the clerk who makes the calls.

``fanout``: screens follow the hall while the clerk calls tickets at one window; every (screen, call) pair's
latency runs from just before the clerk's request is written to the moment the ``called`` event reaches the
screen's process, and each screen's calls are checked (each once, in the clerk's order). ``idle``: many screens
stay connected and quiet; the server's memory per connection, and one call at the end that must reach them all.
"""

from __future__ import annotations

import argparse
import http.client
import json
import sys
import time
from collections import Counter
from typing import Any
from urllib.parse import quote

from bench_server import Server, get_json
from proc_usage import CpuUse, CpuWatch, open_files, proc_status_kib
from stats import percentiles
from ws_screens import AwaitCall, Disconnect, Mark, ScreenLog, ScreenPool

DELIVERY_TIMEOUT = 5.0  # how long after a call every screen must have it
GOAL_P99_MS = 50.0


def progress(line: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {line}", file=sys.stderr, flush=True)


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


def cpu_shares(use: CpuUse, clients: float) -> dict[str, float | None]:
    """Each party's CPU over the span, in % of one core; ``clients``: the load processes' CPU seconds."""
    own = 100 * clients / max(use.seconds, 1e-9)

    def rounded(value: float | None) -> float | None:
        return None if value is None else round(value, 1)

    return {
        "server": rounded(use.percent(use.server)),
        "redis": rounded(use.percent(use.redis)),
        "clients": round(own, 1),
        "other": rounded(use.other_percent(own)),
    }


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
    use = cpu.sample().minus(before)
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
        "cpu_percent": cpu_shares(use, sum(client_cpu)),
        "server_cpu_ms_per_call": (
            round(1000 * use.server / len(made), 2) if made and use.server is not None else None
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
    use = cpu.sample().minus(before)
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
            "server_cpu_ms": None if use.server is None else round(1000 * use.server, 1),
        },
        "windows": windows,
    }
