"""How many wait in a hall right now and the longest wait, read for ``/metrics`` by the ``waiting_now`` script:
one call per hall, whatever the length of its lines (the script looks at the head of each line only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from queue_server.store.hall_store import HallStore


@dataclass(frozen=True)
class WaitingNow:
    waiting: int  # visitors in line, every category, priority included
    longest_seconds: float  # how long the first in a line has waited since taking the ticket, longest over lines


async def waiting_now(store: HallStore, now: datetime) -> WaitingNow:
    answer = await store.run("waiting_now", now)
    return WaitingNow(int(answer["waiting"]), max(0.0, float(answer["longest_ms"]) / 1000))
