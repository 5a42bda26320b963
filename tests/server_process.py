"""Runs ``queue-server`` as a real process for tests, and waits on what it prints instead of sleeping."""

from __future__ import annotations

import os
import queue
import select
import signal
import subprocess
import sys
import threading
from pathlib import Path
from types import TracebackType

from queue_server.embedded_redis import free_port

ROOT = Path(__file__).resolve().parent.parent
READY = "Uvicorn running on"


class ServerProcess:
    """``queue-server`` on a free port; ``redis_url=None`` lets it start its embedded Redis in ``data_dir``."""

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
        if redis_url:
            env["REDIS_URL"] = redis_url
        args = [
            sys.executable,
            "-m",
            "queue_server.cli",
            "--port",
            str(self.port),
            "--data-dir",
            str(data_dir),
        ]
        self.process = subprocess.Popen(
            [*args, "--config", str(config), *extra_args],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line)
            self._lines.put(line)
        self._lines.put(None)

    def wait_for(self, text: str, timeout: float = 30) -> str:
        """Wait until the server prints a line containing ``text``; fail with its output if it never does."""
        while True:
            try:
                line = self._lines.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"no {text!r} within {timeout} s:\n{self.output}") from None
            if line is None:
                raise AssertionError(f"server ended before {text!r}:\n{self.output}")
            if text in line:
                return line

    def ready(self) -> ServerProcess:
        self.wait_for(READY)
        return self

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def redis_child(self) -> int:
        """The pid of the embedded redis-server this server started."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        for pid in children:
            if "redis-server" in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace"):
                return int(pid)
        raise AssertionError(f"no redis-server child among {children}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.process.wait(timeout)

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self._reader.join(10)
        if self.process.stderr is not None:
            self.process.stderr.close()


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
