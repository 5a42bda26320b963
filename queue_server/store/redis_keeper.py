"""Keeps the embedded Redis running: when the child dies, it is reaped and started again from its append-only file.

A thread of its own blocks on the child's exit (so a dead child is reaped at once and never stays a zombie),
then restarts it on the same data directory, which stays locked, and at the same address, so the server's
connection pool simply reconnects. Restarts back off (:func:`restart_delay`) while Redis keeps dying. An outage
costs two lines of log: a warning when Redis is found dead, a line when it answers again. :meth:`RedisKeeper.state`
tells ``/api/health`` what is going on meanwhile.

That thread also starts every restarted child, and lives as long as the children it starts: the kernel's
"stop when the parent dies" (``PR_SET_PDEATHSIG``) follows the thread that forked a child, not the process.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from queue_server.store.embedded_redis import EmbeddedRedis, EmbeddedRedisError

log = logging.getLogger("tidequeue")

FIRST_DELAY = 0.1  # seconds before the first restart: at once, but not in a tight loop
MAX_DELAY = 5.0  # between restarts of a Redis that keeps dying
STABLE_AFTER = 30.0  # seconds up after which a death is a new outage, and restarts start quick again


def restart_delay(failures: int, first: float = FIRST_DELAY, cap: float = MAX_DELAY) -> float:
    """Seconds to wait before a restart after ``failures`` restarts in a row that did not last: 0.1, 0.2, 0.4,
    … up to ``cap``."""
    return min(cap, first * 2.0 ** min(failures, 32))


def how_it_ended(returncode: int) -> str:
    """``-9`` -> ``"signal 9, SIGKILL"``; ``1`` -> ``"exit status 1"``."""
    if returncode < 0:
        try:
            return f"signal {-returncode}, {signal.Signals(-returncode).name}"
        except ValueError:
            return f"signal {-returncode}"
    return f"exit status {returncode}"


@dataclass(frozen=True)
class RedisState:
    """What the keeper knows of the embedded Redis at one moment (for ``/api/health``)."""

    up: bool
    down_for: float = 0.0  # seconds since it died, while it is down
    attempts: int = 0  # restarts tried since it died, while it is down
    restarts: int = 0  # times it came back since the server started
    last_exit: str = ""  # how it last ended, e.g. "signal 9, SIGKILL"; "" if it never did


class RedisKeeper:
    """Starts the embedded Redis, restarts it whenever it dies, and stops it (and the restarting) on :meth:`stop`."""

    def __init__(self, redis: EmbeddedRedis) -> None:
        self.redis = redis
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        # The state below: written by the keeper's thread, read by the server's; notified at every change.
        self._changed = threading.Condition()
        self._down_since: float | None = None
        self._up_since = 0.0
        self._attempts = 0
        self._restarts = 0
        self._last_exit = ""

    def start(self, timeout: float = 15.0) -> str:
        """Start Redis (see :meth:`EmbeddedRedis.start`) and begin watching it; returns its URL."""
        url = self.redis.start(timeout)
        process = self.redis.process
        assert process is not None
        self._up_since = time.monotonic()
        self._thread = threading.Thread(target=self._keep, args=(process,), name="embedded Redis keeper", daemon=True)
        self._thread.start()
        return url

    def stopping(self) -> None:
        """The server is going: restart nothing from now on (a stop signal may have reached Redis too)."""
        self._stopping.set()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop restarting, then stop Redis and release the data directory."""
        self._stopping.set()
        self.redis.stop(timeout)  # also refuses any launch from now on, so nothing outlives this
        if self._thread is not None:
            self._thread.join(timeout + 20)  # a launch under way sees its child stopped and gives up at once

    def state(self) -> RedisState:
        with self._changed:
            return self._state()

    def _state(self) -> RedisState:
        if self._down_since is None:
            return RedisState(True, restarts=self._restarts, last_exit=self._last_exit)
        down_for = time.monotonic() - self._down_since
        return RedisState(False, down_for, self._attempts, self._restarts, self._last_exit)

    def wait(self, until: Callable[[RedisState], bool], timeout: float) -> bool:
        """Wait until the state fulfils ``until`` (checked at every change); False if it did not within ``timeout``."""
        with self._changed:
            return self._changed.wait_for(lambda: until(self._state()), timeout)

    def _keep(self, process: subprocess.Popen[bytes]) -> None:
        try:
            self._watch(process)
        except Exception:  # never expected; without this thread nothing would restart Redis, so say so loudly
            log.exception("the embedded Redis keeper failed; Redis will not be restarted if it dies")

    def _watch(self, process: subprocess.Popen[bytes]) -> None:
        failures = 0  # restarts in a row that did not stay up for STABLE_AFTER seconds
        while True:
            returncode = process.wait()  # reaps it
            if self._stopping.is_set():
                return
            died = time.monotonic()
            if died - self._up_since >= STABLE_AFTER:
                failures = 0
            with self._changed:
                self._down_since, self._attempts, self._last_exit = died, 0, how_it_ended(returncode)
                self._changed.notify_all()
            restarted = self._restart(failures)
            if restarted is None:
                return
            process, failures = restarted, failures + self._attempts
            self._up_since = time.monotonic()
            # Said before it is known to be up, so whoever waits for that finds it said.
            log.info("embedded Redis is back after %.1f s", self._up_since - died)
            with self._changed:
                self._down_since = None
                self._restarts += 1
                self._changed.notify_all()

    def _restart(self, failures: int) -> subprocess.Popen[bytes] | None:
        """Start Redis again, backing off while it fails; None when the server stops meanwhile."""
        while True:
            # Wait first: a stop signal that also reached Redis (systemd signals the whole service) is then
            # known before anything is said or started.
            if self._stopping.wait(restart_delay(failures + self._attempts)):
                return None
            with self._changed:
                self._attempts += 1
                attempt, how = self._attempts, self._last_exit
                self._changed.notify_all()
            if attempt == 1:
                source = "its append-only file" if self.redis.persistent else "nothing (it keeps no data)"
                log.warning("embedded Redis exited (%s); restarting from %s", how, source)
            try:
                return self.redis.launch()
            except (EmbeddedRedisError, OSError) as e:
                if self._stopping.is_set():
                    return None
                # Once per outage: a Redis that cannot start says why in the first attempt already.
                (log.warning if attempt == 1 else log.debug)(
                    "embedded Redis did not restart (attempt %d; retrying every %.0f s at most): %s",
                    attempt,
                    MAX_DELAY,
                    e,
                )
