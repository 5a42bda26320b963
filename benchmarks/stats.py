"""The figures a benchmark reports beside its measurements: nearest-rank percentiles, and the machine it ran on."""

from __future__ import annotations

import contextlib
import math
import os
import platform
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def nearest_rank(ordered: Sequence[float], q: float) -> float:
    """The nearest-rank ``q`` percentile (0 < q <= 1) of sorted, non-empty ``ordered``."""
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def percentiles(values: Sequence[float], qs: Sequence[float] = (0.5, 0.9, 0.99)) -> dict[str, float | None]:
    """Nearest-rank percentiles, the maximum and the count, rounded to µs when the values are ms."""
    ordered = sorted(values)
    out: dict[str, float | None] = {}
    for q in qs:
        out[f"p{round(q * 100)}"] = round(nearest_rank(ordered, q), 3) if ordered else None
    out["max"] = round(ordered[-1], 3) if ordered else None
    out["n"] = len(ordered)
    return out


def machine_facts(runtime: dict[str, Any], more: dict[str, Any] | None = None) -> dict[str, Any]:
    """nproc, CPU model, Python, then ``runtime`` (how the benchmark's own processes run), the kernel, ``more``."""
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.partition(":")[2].strip()
                break
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_model": model or platform.processor() or "unknown",
        "python": platform.python_version(),
        **runtime,
        "kernel": platform.release(),
        **(more or {}),
    }
