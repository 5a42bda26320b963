"""The load processes of a benchmark: spawned workers, each behind a pipe, kept alive from phase to phase.

Also what each worker sets up for itself: uvloop when it is importable, the open-files limit lifted (a client
holds a socket), and its own CPU time, which the reports put beside the server's.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import resource
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def raise_open_files_limit() -> int:
    """Lift this process's soft RLIMIT_NOFILE to the hard limit; returns the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else 1_048_576
    if target > soft:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def cpu_seconds() -> float:
    """User and system CPU seconds this process has used."""
    use = resource.getrusage(resource.RUSAGE_SELF)
    return use.ru_utime + use.ru_stime


class WorkerPool:
    """``size`` processes running ``target(pipe)``, started with 'spawn' so that none inherits the parent's state.

    A worker serves what it is sent on its pipe until it is sent None.
    """

    def __init__(self, size: int, target: Callable[[Connection], None], prog: str) -> None:
        self.prog = prog
        context = multiprocessing.get_context("spawn")
        self.pipes: list[Connection] = []
        self.processes: list[multiprocessing.process.BaseProcess] = []
        for _ in range(size):
            parent, child = context.Pipe()
            process = context.Process(target=target, args=(child,), daemon=True)
            process.start()
            child.close()
            self.pipes.append(parent)
            self.processes.append(process)

    def receive(self, pipe: Connection) -> Any:
        """A worker's answer; exits when the worker died (it printed its traceback itself)."""
        try:
            return pipe.recv()
        except (EOFError, OSError) as e:
            raise SystemExit(f"{self.prog}: a load process died ({e!r}); see its traceback above") from None

    def close(self, timeout: float) -> None:
        """Tell every worker to stop; one still running ``timeout`` seconds later is terminated."""
        for pipe in self.pipes:
            with contextlib.suppress(OSError):
                pipe.send(None)
        for process in self.processes:
            process.join(timeout)
            if process.is_alive():
                process.terminate()
                process.join()
