"""HTTP load benchmark for a tidequeue server: requests/s and p50/p99 latency of the ticket API.

What it measures, one phase after another, each for ``--duration`` seconds over ``--concurrency``
keep-alive connections, every connection sending its next request as soon as the answer to the last one
has arrived (a closed loop):

1. ``bare``: ``GET /api/ping``, an endpoint of the same server stack with no Redis behind it (the baseline);
2. ``issue``: ``POST /api/halls/{hall}/tickets`` cycling over the hall's categories (expects 201), as a kiosk
   does: with its device token (``X-Device-Token``), or from the hall's LAN with ``--trust-address``;
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

The parts live beside this script: the load generator in ``http_loadgen.py`` (on the raw client of
``http_client.py``), the phases in ``http_phases.py``, the server's start and stop in ``bench_server.py``,
the CPU readings in ``proc_usage.py``; this file holds the command line and the report.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import platform
import shlex
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench_server import (
    Server,
    get_json,
    kiosk_config,
    logged_errors,
    loopback_address,
    start_server,
    stop_server,
    tail,
)
from http_loadgen import LoadPool
from http_phases import PhaseResult, run_phases
from load_pool import loop_factory
from proc_usage import OTHER_WARN, CpuWatch
from stats import machine_facts

PROG = "http_load"
REPO = Path(__file__).resolve().parent.parent
STOP_GRACE = 20.0  # seconds the server may take to stop on SIGTERM before it is killed


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
        f"{args.duration:g} s per phase, hall {args.hall}, tickets taken as a kiosk "
        + ("with a device token" if args.device_token else "on the hall's LAN (its address)")
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
            "kiosk": "device token" if args.device_token else "address",
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
    parser.add_argument("--hall", default="allday", help="hall id (default allday, which never closes)")
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
        "--device-token",
        default="",
        help="a kiosk's device token (X-Device-Token) sent with every ticket; a server this script starts gets a "
        "new one, trusted instead of this machine's address, unless --trust-address",
    )
    parser.add_argument(
        "--trust-address",
        action="store_true",
        help="a server this script starts trusts this machine's address (the hall's LAN), as kiosks on it are",
    )
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
    facts = machine_facts(
        {"implementation": platform.python_implementation(), "event_loop": "uvloop" if loop_factory() else "asyncio"}
    )
    with tempfile.TemporaryDirectory(prefix="tidequeue-bench-") as tmp:
        if args.server:
            host, port = loopback_address(PROG, args.server)
            token = args.token or os.environ.get("QUEUE_ADMIN_TOKEN", "")
            if not token:
                print(
                    "http_load: call-next needs the supervisors' token: --token or QUEUE_ADMIN_TOKEN",
                    file=sys.stderr,
                )
                return 2
            server = Server(host, port, token, pid=args.server_pid)
            try:
                get_json(host, port, "/api/ping")
            except (OSError, http.client.HTTPException, ValueError) as e:
                print(f"http_load: {args.server} does not answer GET /api/ping: {e}", file=sys.stderr)
                return 2
        else:
            config = args.config
            if not args.trust_address and not args.device_token:
                config = Path(tmp) / "config"
                args.device_token = kiosk_config(args.config, config, args.hall)
            server = start_server(PROG, Path(tmp), config, args.server_log_level, STOP_GRACE)
            host, port, token = server.host, server.port, server.token
        cpu = CpuWatch(server.pid)
        pool = LoadPool(args.processes)
        try:
            results, setup = run_phases(args, pool, host, port, token, cpu)
        finally:
            pool.close(5)
            code = stop_server(server, PROG, STOP_GRACE)
            if server.process is not None and code != 0 and server.log:
                print(f"http_load: the server exited with status {code}:\n{tail(server.log)}", file=sys.stderr)
        if server.log:
            setup["server_exit_status"] = code
            setup["server_log_errors"] = logged_errors(server.log)
    data = report(results, setup, facts, args, server)
    if args.json:
        args.json.write_text(json.dumps(data, indent=2) + "\n")
    return 0 if data["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
