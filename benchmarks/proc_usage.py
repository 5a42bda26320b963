"""What a benchmark reads from /proc about the server it measures and the machine around it.

CPU seconds of the server process, of its children (the embedded redis-server) and of the whole machine, so a
report can say what each party used over a phase and how much went to processes that are not the benchmark's;
and the server's resident memory and open files.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

OTHER_WARN = 15.0  # % of a core used by processes not of this benchmark, past which a report warns


@dataclass
class CpuUse:
    """CPU seconds over some span: the server process, its children (the embedded Redis), the machine."""

    server: float | None
    redis: float | None
    machine: float
    seconds: float

    def minus(self, before: CpuUse) -> CpuUse:
        def sub(a: float | None, b: float | None) -> float | None:
            return None if a is None or b is None else a - b

        return CpuUse(
            sub(self.server, before.server),
            sub(self.redis, before.redis),
            self.machine - before.machine,
            self.seconds - before.seconds,
        )

    def percent(self, value: float | None) -> float | None:
        """``value`` as a percentage of one core over the span."""
        return None if value is None else 100 * value / max(self.seconds, 1e-9)

    def other_percent(self, own: float) -> float | None:
        """% of a core the rest of the machine took: neither the server, its Redis, nor ``own`` % (the benchmark's).

        Unknown when the server's process is, since the rest would then include the server.
        """
        if self.server is None:
            return None
        server, redis = self.percent(self.server) or 0.0, self.percent(self.redis) or 0.0
        return max(0.0, (self.percent(self.machine) or 0.0) - own - server - redis)


class CpuWatch:
    """Reads CPU time from /proc: the server's and its children's (when its pid is known), and the machine's."""

    def __init__(self, pid: int | None) -> None:
        self.pid = pid
        self.tick = os.sysconf("SC_CLK_TCK")

    def _process(self, pid: int) -> float:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / self.tick  # utime, stime

    def _children(self, pid: int) -> list[int]:
        try:
            return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        except OSError:
            return []

    def _machine(self) -> float:
        # the first line adds up all cores: user nice system idle iowait irq softirq steal ...
        ticks = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
        return (sum(ticks) - ticks[3] - ticks[4]) / self.tick

    def sample(self) -> CpuUse:
        now = time.perf_counter()
        if self.pid is None:
            return CpuUse(None, None, self._machine(), now)
        redis = sum(self._process(child) for child in self._children(self.pid))
        return CpuUse(self._process(self.pid), redis, self._machine(), now)


def proc_status_kib(pid: int | None, key: str) -> int | None:
    """A ``kB`` field of /proc/<pid>/status, such as VmRSS."""
    if pid is None:
        return None
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def open_files(pid: int | None) -> tuple[int | None, int | None]:
    """(file descriptors the process holds, its soft RLIMIT_NOFILE)."""
    if pid is None:
        return None, None
    try:
        held = len(os.listdir(f"/proc/{pid}/fd"))
        limits = Path(f"/proc/{pid}/limits").read_text()
    except OSError:
        return None, None
    found = re.search(r"^Max open files\s+(\d+)", limits, re.MULTILINE)
    return held, int(found.group(1)) if found else None
