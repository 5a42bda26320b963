"""The ``ws_fanout.py serve IMPL`` launcher: tidequeue's server with another uvicorn WebSocket implementation.

It runs the same app as ``queue-server`` on its own embedded Redis, with ``queue-server``'s uvicorn settings (no
per-message-deflate, no access log, 3 s graceful shutdown; keep them in step with queue_server/server/cli.py) but
for ``ws=IMPL``. With ``--gc-log`` it records every garbage collection of the server (``gc.callbacks``) and
writes them out at exit, one ``generation start_ns took_ns`` line each; ``gc_in_window`` reads them back.
"""

from __future__ import annotations

import argparse
import array
import contextlib
import gc
import logging
import os
import signal
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, cast

WS_IMPLS = ("auto", "websockets-sansio", "websockets", "wsproto")  # auto: queue-server as shipped
ServeImpl = Literal["websockets-sansio", "websockets", "wsproto"]


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

    from queue_server.config.loader import load_halls
    from queue_server.runtime.clock import Clock
    from queue_server.server.app import create_app
    from queue_server.server.cli import UVICORN_OPTIONS, tune_process
    from queue_server.store.embedded_redis import EmbeddedRedis

    tune_process()  # the same limits and GC thresholds as queue-server
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
        # queue-server's own settings (queue_server/server/cli.py), but for ws
        uvicorn.run(
            app, host="127.0.0.1", port=args.port, log_level=args.log_level, access_log=False, ws=ws, **UVICORN_OPTIONS
        )
    finally:
        embedded.stop()
        if args.gc_log:
            rows = zip(collections[0::3], collections[1::3], collections[2::3], strict=True)
            args.gc_log.write_text("".join(f"{g} {s} {t}\n" for g, s, t in rows))
    return 0


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
