"""``queue-server``: run the ticket server, on REDIS_URL or on its own embedded Redis.

``queue-server hash-password`` makes a password hash for a clerk account in a hall file.
``queue-server simulate`` tries a hall day on a virtual clock, with and without tidal windows (docs/simulator.md).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import getpass
import logging
import os
import resource
import signal
import sys
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import Any

import uvicorn

from queue_server.config.loader import ConfigError, load_halls
from queue_server.core.hall import Hall
from queue_server.core.passwords import DEMO_PASSWORD, hash_password, uses_demo_password
from queue_server.runtime.clock import Clock
from queue_server.server.app import create_app
from queue_server.store.embedded_redis import EmbeddedRedis, EmbeddedRedisError
from queue_server.store.leases import LEASE_MS
from queue_server.store.redis_client import RedisUnavailable, check
from queue_server.store.redis_keeper import RedisKeeper
from queue_server.web import clock_hook

log = logging.getLogger("tidequeue")


def _exit_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(0)


# How the server runs uvicorn, whatever host and port (the WebSocket benchmark's launcher uses these too).
LOOPBACK = ("127.0.0.1", "::1", "localhost")
TEST_LEASE_MS = "TIDEQUEUE_TEST_LEASE_MS"  # with the test hooks on: the leases' time in ms (store/leases.py)
ADMIN_TOKEN_MIN = 16  # the supervisors' token guards every window; a short one is guessed
UVICORN_OPTIONS: dict[str, Any] = {
    # Compression would cost tens of KiB per connection; the events are a few hundred bytes.
    "ws_per_message_deflate": False,
    # Screens are told at once that the server is going (close 1012) and reconnect elsewhere; their
    # handlers notice only at their next send, so do not wait for them.
    "timeout_graceful_shutdown": 3,
    # The channels are read-only: a client has nothing to send but a close, so a large frame is refused (1009)
    # instead of costing the server its size in memory.
    "ws_max_size": 4096,
    # No "Server: uvicorn": nothing to tell a scanner.
    "server_header": False,
}


def tune_process() -> None:
    """Make this process fit for thousands of connections."""
    _raise_open_files_limit()
    # Thousands of connections are thousands of long-lived objects; Python's default thresholds would stop the
    # server for a full collection every few hundred allocations' worth of growth, pausing every screen.
    gc.set_threshold(50_000, 20, 100)


def _raise_open_files_limit() -> None:
    # Every hall screen, phone and announcer holds a socket: allow as many as the system lets this process have.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        target = hard if hard != resource.RLIM_INFINITY else 1_048_576
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a time like 2026-11-28T11:55+08:00: {text!r}") from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"give the UTC offset too, e.g. {text}+08:00")
    return moment


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="queue-server",
        description="tidequeue ticket server. Uses the Redis in REDIS_URL, or starts its own in --data-dir.",
        epilog="`queue-server hash-password` prints a password hash for a clerk account; `queue-server simulate "
        "--help` tries a hall day on a virtual clock.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    parser.add_argument("--config", type=Path, default=Path("config"), help="folder of hall files (default config/)")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path("var"),
        help="where the embedded Redis keeps its data (default ./var/)",
    )
    parser.add_argument(
        "--appendfsync",
        choices=["always", "everysec"],
        default="always",
        help="when the embedded Redis flushes its append-only file to disk: before each answer (always, the "
        "default: a number printed on a ticket is never issued again) or once a second (everysec: a power loss may "
        "lose the last second); see docs/operations.md",
    )
    parser.add_argument(
        "--clock",
        type=_moment,
        metavar="TIME",
        help="start the server's clock at this moment, e.g. 2026-11-28T11:55+08:00, and let it run from there "
        "(for demos, training and acceptance tests)",
    )
    parser.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    parser.add_argument("--access-log", action="store_true", help="log every HTTP request (costs ~15%% throughput)")
    return parser.parse_args(argv)


def hash_password_command(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="queue-server hash-password",
        description="Print a password hash for a [[clerks]] entry. Reads the password from standard input "
        "when it is not a terminal, else asks for it twice.",
    )
    parser.parse_args(argv)
    if sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            print("queue-server: the two passwords differ", file=sys.stderr)
            return 2
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    if len(password) < 6:
        print("queue-server: use a password of at least 6 characters", file=sys.stderr)
        return 2
    print(hash_password(password))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["hash-password"]:
        return hash_password_command(argv[1:])
    if argv[:1] == ["simulate"]:
        from queue_server.simulator.command import simulate_command  # only this subcommand needs it

        return simulate_command(argv[1:])
    args = parse_args(argv)
    if os.environ.get(clock_hook.ENABLE) == "1" and args.host not in LOOPBACK:
        print(f"queue-server: {clock_hook.ENABLE}=1 is for tests on loopback, not {args.host}", file=sys.stderr)
        return 2
    tune_process()
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        halls = load_halls(args.config)
    except ConfigError as e:
        print(f"queue-server: configuration error: {e}", file=sys.stderr)
        return 2
    if refusal := check_demo_passwords(halls.values()):
        print(f"queue-server: {refusal}", file=sys.stderr)
        return 2

    admin_token = os.environ.get("QUEUE_ADMIN_TOKEN") or None
    if admin_token is not None and len(admin_token) < ADMIN_TOKEN_MIN:
        print(
            f"queue-server: QUEUE_ADMIN_TOKEN is {len(admin_token)} characters; use at least {ADMIN_TOKEN_MIN} "
            "(e.g. python3 -c 'import secrets; print(secrets.token_urlsafe(24))')",
            file=sys.stderr,
        )
        return 2
    keeper: RedisKeeper | None = None
    redis_url = os.environ.get("REDIS_URL", "")
    try:
        if redis_url:
            # Within seconds, in one line: unreachable, or not the kind the URL says (store/redis_client.py).
            where = check(redis_url)
        else:
            # Kept running: restarted from its append-only file whenever it dies (store/redis_keeper.py).
            keeper = RedisKeeper(EmbeddedRedis(args.data_dir, appendfsync=args.appendfsync))
            redis_url = keeper.start()
            where = f"embedded Redis in {keeper.redis.data_dir} (appendfsync {args.appendfsync})"
        log.info("halls: %s; %s", ", ".join(sorted(halls)), where)
        # uvicorn shuts down gracefully on SIGTERM, then raises the signal again: let that end in our
        # `finally` (which stops the embedded Redis) instead of killing the process outright.
        signal.signal(signal.SIGTERM, _exit_on_signal)
        clock = Clock(args.clock)
        if clock.shifted:
            log.info("clock starts at %s and runs from there", args.clock.isoformat())
        test_hooks = os.environ.get(clock_hook.ENABLE) == "1"
        if test_hooks:
            log.warning("test hooks are on: POST /_test/clock moves this server's clock (never in production)")
        state = keeper.state if keeper is not None else None
        # Tests shorten the leases to see a killed process's halls pass on without waiting 45 s (test hooks only).
        lease_ms = int(os.environ.get(TEST_LEASE_MS) or LEASE_MS) if test_hooks else LEASE_MS
        app = create_app(
            halls, redis_url, clock, admin_token, test_hooks=test_hooks, redis_state=state, lease_ms=lease_ms
        )
        config = uvicorn.Config(
            app, host=args.host, port=args.port, log_level=args.log_level, access_log=args.access_log, **UVICORN_OPTIONS
        )
        server = StoppingServer(config, keeper.stopping if keeper is not None else None)
        with contextlib.suppress(KeyboardInterrupt):
            server.run()
        if not server.started:
            return 3  # what uvicorn.run exits with when the server cannot start (the port is taken, say)
    except (EmbeddedRedisError, RedisUnavailable) as e:
        print(f"queue-server: {e}", file=sys.stderr)
        return 1
    finally:
        if keeper is not None:
            keeper.stop()
            log.info("embedded Redis stopped at %s", datetime.now().isoformat(timespec="seconds"))
    return 0


class StoppingServer(uvicorn.Server):
    """uvicorn's server, which also calls ``on_stop`` the moment a stop signal arrives (before the graceful
    shutdown): the same signal may have reached the embedded Redis (systemd signals every process of a service),
    and its keeper must not restart a Redis that is meant to stop."""

    def __init__(self, config: uvicorn.Config, on_stop: Callable[[], None] | None) -> None:
        super().__init__(config)
        self.on_stop = on_stop

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self.on_stop is not None:
            self.on_stop()
        if not self.started:
            # uvicorn looks at a stop signal only once it has started; a start-up that waits on Redis would
            # otherwise keep the process deaf to SIGTERM.
            raise SystemExit(0)
        super().handle_exit(sig, frame)


def check_demo_passwords(halls: Iterable[Hall]) -> str | None:
    """Warn loudly about a demo hall's public clerk password; the refusal for a hall that is not a demo."""
    for hall in halls:
        if hall.demo:
            if hall.clerks:
                log.warning(
                    "DEMO HALL %s: its clerks' password is the public %r; anyone can call visitors. For a real hall "
                    "leave out demo = true and give every clerk a password of its own (queue-server hash-password)",
                    hall.id,
                    DEMO_PASSWORD,
                )
            continue
        demo = [c.username for c in hall.clerks if uses_demo_password(c.password_hash)]
        if demo:
            return (
                f"hall {hall.id!r}: clerks {', '.join(demo)} still have the public demo password {DEMO_PASSWORD!r}; "
                "give each a password of its own (queue-server hash-password), or mark a demo hall with demo = true"
            )
    return None


if __name__ == "__main__":
    sys.exit(main())
