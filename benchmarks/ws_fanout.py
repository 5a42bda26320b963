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
access log, 3 s graceful shutdown; keep them in step with queue_server/server/cli.py). Several, comma
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

The parts live beside this script: the screens in ``ws_screens.py``, the phases and the clerk in
``ws_phases.py``, the report in ``ws_report.py``, the ``serve`` launcher in ``ws_launcher.py``, the server's
start and stop in ``bench_server.py``; this file holds the command line and runs the phases.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench_server import Server, logged_errors, loopback_address, start_server, stop_server
from load_pool import loop_factory, raise_open_files_limit
from stats import machine_facts
from ws_launcher import WS_IMPLS, gc_in_window, serve
from ws_phases import fanout_phase, idle_phase, progress
from ws_report import print_report
from ws_screens import ScreenPool

PROG = "ws_fanout"
STOP_GRACE = 30.0  # seconds a server may take to stop on SIGTERM before it is killed (its clients gone)


def start_ws_server(impl: str, data_dir: Path, config: Path, log_level: str | None) -> Server:
    """``queue-server`` for ``auto``, else this script's ``serve`` launcher with uvicorn's ``ws=impl``."""
    if impl == "auto":
        return start_server(PROG, data_dir, config, log_level, STOP_GRACE)
    gc_log = data_dir / "gc.log"
    launcher = [sys.executable, str(Path(__file__).resolve()), "serve", impl, "--gc-log", str(gc_log)]
    return start_server(PROG, data_dir, config, log_level, STOP_GRACE, launcher, gc_log)


def ws_machine_facts() -> dict[str, Any]:
    import uvicorn
    from websockets.version import version as websockets_version

    return machine_facts(
        {"client_event_loop": "uvloop" if loop_factory() else "asyncio"},
        {
            "uvicorn": uvicorn.__version__,
            "websockets": websockets_version,
            "nofile_hard_limit": resource.getrlimit(resource.RLIMIT_NOFILE)[1],
        },
    )


def run_impl(args: argparse.Namespace, pool: ScreenPool, impl: str, tmp: Path, given: Server | None) -> dict[str, Any]:
    result: dict[str, Any] = {"ws_impl": impl}
    phases = [("fanout", fanout_phase, args.screens), ("idle", idle_phase, args.idle)]
    for name, phase, clients in phases:
        if not clients:
            continue
        server = given or start_ws_server(impl, tmp / f"{impl}-{name}", args.config, args.server_log_level)
        progress(f"{name} on {impl}: server pid {server.pid} at {server.host}:{server.port}")
        try:
            result[name] = phase(args, pool, server)
        finally:
            stopping = time.monotonic()
            cut = server.log.stat().st_size if server.log and server.log.exists() else 0
            status = stop_server(server, PROG, STOP_GRACE)
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
    facts = ws_machine_facts()
    given: Server | None = None
    if args.server:
        host, port = loopback_address(PROG, args.server)
        token = args.token or os.environ.get("QUEUE_ADMIN_TOKEN", "")
        if not token:
            print("ws_fanout: call-next needs the supervisors' token: --token or QUEUE_ADMIN_TOKEN", file=sys.stderr)
            return 2
        given = Server(host, port, token, pid=args.server_pid)
    results = []
    pool = ScreenPool(args.client_procs)
    try:
        with tempfile.TemporaryDirectory(prefix="tidequeue-ws-bench-") as tmp:
            for impl in args.impls:
                results.append(run_impl(args, pool, impl if given is None else "given", Path(tmp), given))
    finally:
        pool.close(60)
    ok = print_report(results, facts, args)
    if args.json:
        data = {"command": sys.orig_argv, "machine": facts, "settings": vars(args), "results": results, "ok": ok}
        args.json.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
