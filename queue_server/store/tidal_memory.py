"""What the tidal controller remembers between ticks (:class:`queue_server.core.tidal.Memory`), kept in Redis as
JSON so that a controller in another process carries on where this one stopped; and the two corrections the
``suggest`` mode needs, since there a decision's actions wait for a supervisor instead of being taken:

- :func:`unapplied`: the memory as if the suggested actions had not been taken. :func:`~queue_server.core.tidal.decide`
  records each action as done (the window's last switch, the category's clock restarted); a suggestion that was
  not acted on must not hold the window back for ``min_between_switches``, or the next tick would no longer make
  it and it would expire at once.
- :func:`remember_switch`: what ``decide`` would have recorded, written when a supervisor approves one, so the
  effect of that switch is watched before the next.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime

from queue_server.core.tidal import Action, Memory
from queue_server.store import keys
from queue_server.store.hall_store import HallStore


def memory_to_json(memory: Memory) -> str:
    return json.dumps(
        {
            "congested_since": {k: v.isoformat() for k, v in memory.congested_since.items()},
            "calm_since": {k: v.isoformat() for k, v in memory.calm_since.items()},
            "last_switch": {str(k): v.isoformat() for k, v in memory.last_switch.items()},
            "planned": {str(k): v for k, v in memory.planned.items()},
            "busy": {str(k): list(v) for k, v in memory.busy.items()},
            "day": memory.day.isoformat() if memory.day else None,
        }
    )


def memory_from_json(text: str) -> Memory:
    data = json.loads(text)
    return Memory(
        congested_since={k: datetime.fromisoformat(v) for k, v in data["congested_since"].items()},
        calm_since={k: datetime.fromisoformat(v) for k, v in data["calm_since"].items()},
        last_switch={int(k): datetime.fromisoformat(v) for k, v in data["last_switch"].items()},
        planned={int(k): v for k, v in data["planned"].items()},
        busy={int(k): (int(v[0]), int(v[1])) for k, v in data.get("busy", {}).items()},
        day=date.fromisoformat(data["day"]) if data.get("day") else None,
    )


async def load(store: HallStore) -> Memory:
    raw = await store.redis.get(keys.tidal_memory(store.hall.id))
    return memory_from_json(str(raw)) if raw else Memory()


async def save(store: HallStore, memory: Memory) -> None:
    await store.redis.set(keys.tidal_memory(store.hall.id), memory_to_json(memory))


def unapplied(before: Memory, after: Memory, actions: Iterable[Action], now: datetime) -> Memory:
    """``after`` (the decision's memory at ``now``) with ``actions`` taken back: their windows' last switches as
    they were ``before``, and every category clock the decision restarted at ``now`` (an action restarts the clock
    of the category it acts for, which for a window sent home to its own busy line is that line's) as it was. A
    clock first started now (the state was first seen this tick) stays."""
    last_switch = dict(after.last_switch)
    for a in actions:
        if a.window in before.last_switch:
            last_switch[a.window] = before.last_switch[a.window]
        else:
            last_switch.pop(a.window, None)
    congested, calm = dict(after.congested_since), dict(after.calm_since)
    for clocks, earlier in ((congested, before.congested_since), (calm, before.calm_since)):
        for service, since in clocks.items():
            if since == now and service in earlier:
                clocks[service] = earlier[service]
    return replace(after, last_switch=last_switch, congested_since=congested, calm_since=calm)


async def remember_switch(store: HallStore, now: datetime, window: int, service: str, calm: bool) -> None:
    """Record an approved switch as ``decide`` records its own: the window switched now, and the category's clock
    (calm for a window sent back, congested otherwise) restarted, so its effect is watched first."""
    memory = await load(store)
    clocks = dict(memory.calm_since if calm else memory.congested_since)
    if service in clocks:
        clocks[service] = now
    memory = replace(memory, last_switch={**memory.last_switch, window: now})
    memory = replace(memory, calm_since=clocks) if calm else replace(memory, congested_since=clocks)
    await save(store, memory)
