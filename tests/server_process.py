"""Runs ``queue-server`` (and other commands) as real processes for tests, waiting on what they print instead
of sleeping."""

from __future__ import annotations

import os
import queue
import select
import signal
import subprocess
import sys
import threading
import time as time_module
from datetime import datetime, time, timedelta
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

import httpx2

from queue_server.config.loader import load_halls
from queue_server.core.hours import opening
from queue_server.store.embedded_redis import free_port

ROOT = Path(__file__).resolve().parent.parent
READY = "Uvicorn running on"


class LineReadingProcess:
    """A child process whose output is read line by line on threads of its own as it comes, so that a test
    waits on the line it expects instead of sleeping. Standard error is always read; standard output only when
    asked for (``stdout=True``)."""

    name = "the process"

    def __init__(self, args: list[str], env: dict[str, str] | None = None, stdout: bool = False) -> None:
        self.process = subprocess.Popen(
            args,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE if stdout else subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.out: list[str] = []
        self.err: list[str] = []
        self._out: queue.Queue[str | None] = queue.Queue()
        self._err: queue.Queue[str | None] = queue.Queue()
        self._readers = [
            threading.Thread(target=self._read, args=(stream, lines, into), daemon=True)
            for stream, lines, into in (
                (self.process.stdout, self.out, self._out),
                (self.process.stderr, self.err, self._err),
            )
            if stream is not None
        ]
        for reader in self._readers:
            reader.start()

    @staticmethod
    def _read(stream: IO[str], lines: list[str], into: queue.Queue[str | None]) -> None:
        for raw in stream:
            line = raw.rstrip("\n")
            lines.append(line)
            into.put(line)
        into.put(None)

    def next_line(self, what: str, timeout: float = 30, stdout: bool = False) -> str:
        """The next line on standard error (or output); fail with everything printed if it does not come."""
        try:
            line = (self._out if stdout else self._err).get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no {what} within {timeout} s:\n{self.output}") from None
        if line is None:
            raise AssertionError(f"{self.name} ended before {what}:\n{self.output}")
        return line

    def wait_for(self, text: str, timeout: float = 30) -> str:
        """Wait until the process prints a line containing ``text`` on standard error."""
        while True:
            line = self.next_line(repr(text), timeout)
            if text in line:
                return line

    @property
    def output(self) -> str:
        if self.process.stdout is None:
            return "\n".join(self.err)
        return "\n".join(["stdout:", *self.out, "stderr:", *self.err])

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.process.wait(timeout)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        for reader in self._readers:
            reader.join(10)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()


def open_moment(after: datetime) -> datetime:
    """The first 10:00 (hall time) at or after ``after`` when every category of the shipped ``demo`` hall is open
    and issuing: where the test servers' clocks start, so that tests taking tickets never meet a closed hall,
    whatever the date."""
    hall = load_halls(ROOT / "config")["demo"]
    day = after.astimezone(hall.timezone).date()
    for offset in range(30):
        moment = datetime.combine(day + timedelta(days=offset), time(10), tzinfo=hall.timezone)
        if moment >= after and all(opening(moment, hall, s.code).issuing for s in hall.services):
            return moment
    raise AssertionError("the demo hall has no weekday morning in the next 30 days")


# Where the tests' clocks start unless TIDEQUEUE_TEST_NOW says otherwise: a fixed Monday morning, never the real
# date, so a run today and a run next year see the same halls.
DEFAULT_START = "2026-11-23T08:00:00+08:00"


def run_start() -> datetime:
    """The moment this test run takes as "now": ``TIDEQUEUE_TEST_NOW`` when set (CI runs the suite again from
    awkward moments: a Sunday night, the business-day rollover, a holiday), else :data:`DEFAULT_START`. Every
    clock of the tests derives from it; only the time elapsed since the run started is real."""
    text = os.environ.get("TIDEQUEUE_TEST_NOW") or DEFAULT_START
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"TIDEQUEUE_TEST_NOW needs a UTC offset, e.g. 2026-11-29T23:59+08:00, not {text!r}")
    return moment


# One timeline for every server of a test run: each starts its clock where the first one's has got to.
STARTED = time_module.monotonic()
OPEN_MOMENT = open_moment(run_start())


def clock_now() -> str:
    """The ``--clock`` value for a server started now: the open moment plus the time the test run has taken."""
    return (OPEN_MOMENT + timedelta(seconds=time_module.monotonic() - STARTED)).isoformat()


class ServerProcess(LineReadingProcess):
    """``queue-server`` on a free port; ``redis_url=None`` lets it start its embedded Redis in ``data_dir``.

    Its clock starts at an open moment of the demo hall (see :func:`open_moment`) unless ``extra_args`` set one."""

    name = "the server"

    def __init__(
        self,
        data_dir: Path,
        redis_url: str | None = None,
        config: Path = ROOT / "config",
        admin_token: str = "supervisor-secret",
        extra_args: tuple[str, ...] = (),
        port: int | None = None,
    ) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "QUEUE_ADMIN_TOKEN")}
        env["QUEUE_ADMIN_TOKEN"] = admin_token
        env["TIDEQUEUE_TEST_HOOKS"] = "1"  # so a test can move the clock (POST /_test/clock)
        if redis_url:
            env["REDIS_URL"] = redis_url
        args = [
            sys.executable,
            "-m",
            "queue_server.server.cli",
            "--port",
            str(self.port),
            "--data-dir",
            str(data_dir),
        ]
        if "--clock" not in extra_args:
            args += ["--clock", clock_now()]
        super().__init__([*args, "--config", str(config), *extra_args], env=env)

    def ready(self) -> ServerProcess:
        self.wait_for(READY)
        return self

    def move_clock(self, seconds: float) -> datetime:
        """Move the server's clock forward, waking its timers; answer the server's new time."""
        answer = httpx2.post(f"{self.url}/_test/clock", json={"seconds": seconds})
        assert answer.status_code == 200, answer.text
        return datetime.fromisoformat(answer.json()["now"])

    def redis_child(self) -> int:
        """The pid of the embedded redis-server this server started (a restarted one is a child of the thread that
        restarted it, so every thread's children are looked at)."""
        tasks = Path(f"/proc/{self.process.pid}/task").iterdir()
        children = [pid for task in tasks for pid in (task / "children").read_text().split()]
        for pid in children:
            if "redis-server" in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace"):
                return int(pid)
        raise AssertionError(f"no redis-server child among {children}")

    def take(self, service: str, hall: str = "allday", **extra: Any) -> dict[str, Any]:
        """Take a ticket as a kiosk would: ``extra`` goes into the request body (``priority``, say)."""
        answer = httpx2.post(f"{self.url}/api/halls/{hall}/tickets", json={"service": service, **extra})
        assert answer.status_code == 201, answer.text
        ticket: dict[str, Any] = answer.json()
        return ticket

    def act(
        self,
        window: int,
        action: str = "call-next",
        hall: str = "allday",
        body: dict[str, Any] | None = None,
        token: str = "supervisor-secret",
    ) -> dict[str, Any]:
        """A clerk's action at ``window`` (call-next, recall, skip, complete, transfer, pause, resume)."""
        answer = httpx2.post(
            f"{self.url}/api/halls/{hall}/windows/{window}/{action}",
            headers={"Authorization": f"Bearer {token}"},
            json=body,
        )
        assert answer.status_code == 200, answer.text
        data: dict[str, Any] = answer.json()
        return data


def wait_until_gone(pid: int, timeout: float) -> bool:
    """True once process ``pid`` has exited (a zombie counts), waiting on a pidfd rather than polling."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        readable, _, _ = select.select([fd], [], [], timeout)
        return bool(readable)
    finally:
        os.close(fd)
