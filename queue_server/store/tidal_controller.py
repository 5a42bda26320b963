"""The tidal controller (潮汐窗口调度): the thin shell around the pure decision in ``tidal.py``.

Each tick reads the hall's lines and windows from Redis, asks :func:`tidal.decide` what to do, switches windows
through the atomic ``tidal`` script (which refuses if a window changed since it was read) and keeps the
decision's memory in Redis, so a controller in another process carries on where this one stopped. Exactly one
process runs a hall's controller at a time: it holds a lease in Redis that it renews every tick; when it dies,
the lease runs out and another process takes over.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Iterable
from datetime import datetime
from statistics import mean
from typing import cast

from redis.asyncio import Redis

from queue_server.core.business_day import business_day
from queue_server.core.errors import Conflict
from queue_server.core.hall import Seasonal, TidalPolicy
from queue_server.core.hours import windows_staffed
from queue_server.core.records import WindowView
from queue_server.core.tidal import Action, Line, Memory, TidalWindow, decide
from queue_server.store import keys
from queue_server.store.hall_store import HallStore

log = logging.getLogger("tidequeue.tidal")

TICK_SECONDS = 15
UNSTAFFED = "时段结束，窗口恢复原业务 / the session ended: the window is back to its own categories"
LEASE_MS = 45_000  # three missed ticks: then another process takes the hall over
# Renew the lease only if it is still ours (a process that paused for too long must not steal it back).
RENEW = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0"
RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"


class TidalController:
    def __init__(self, store: HallStore, policy: TidalPolicy | None = None, seasonal: Iterable[Seasonal] = ()) -> None:
        self.store = store
        self.policy = policy or TidalPolicy()
        self.seasonal = tuple(seasonal)
        self.token = secrets.token_hex(8)  # this process's claim on the lease

    @property
    def redis(self) -> Redis:
        return self.store.redis

    async def hold_lease(self) -> bool:
        """Take the hall's lease, or renew it if this controller holds it; False when another process does."""
        key = keys.tidal_lease(self.store.hall.id)
        if await self.redis.set(key, self.token, nx=True, px=LEASE_MS):
            log.info("%s: this process now runs the tidal controller", self.store.hall.id)
            return True
        return bool(await self.redis.eval(RENEW, 1, key, self.token, LEASE_MS))

    async def release_lease(self) -> None:
        await self.redis.eval(RELEASE, 1, keys.tidal_lease(self.store.hall.id), self.token)

    async def tick(self, now: datetime) -> list[Action]:
        """Look at the hall once and switch what the decision says; returns the switches made."""
        hall = self.store.hall
        if not any(w.tidal for w in hall.windows):
            return []
        snapshot = await self.store.snapshot(now)
        handling = await self._handling_minutes()
        lines = [Line(c["code"], c["waiting"], handling.get(c["code"]) or c["minutes"]) for c in snapshot["categories"]]
        # A window no running session staffs (lunch on fewer windows, a weekend session) counts as paused: it
        # serves nobody, so it neither shortens a line's predicted wait nor may be switched to help one. A
        # switched window that still has a visitor keeps its state, so that visitor is finished.
        staffed = windows_staffed(now, hall)
        memory = await self._load_memory()
        windows, regular = [], {s.code: 0 for s in hall.services}
        done: list[Action] = []
        for w in snapshot["windows"]:
            if w["number"] not in staffed and not w["ticket"]:
                w = {**w, "state": "paused"}
                # A seasonal plan's window stays assigned for the whole season, staffed or not.
                switched = w["switched_to"]
                if w["tidal"] and w["number"] not in memory.planned and await self._release_unstaffed(now, w):
                    released = switched["service"] if switched else ""
                    done.append(Action("close", w["number"], released, "unstaffed", UNSTAFFED))
                    w = {**w, "switched_to": None}
            if w["tidal"]:
                windows.append(_tidal_window(w))
            elif w["state"] != "paused":
                for code in w["services"]:
                    regular[code] += 1
        day = business_day(now, hall.timezone, hall.rollover)
        decision = decide(lines, windows, regular, self.policy, memory, now, self.seasonal, day=day)
        seen = {w.number: w.assigned or "" for w in windows}
        for action in decision.actions:
            service = action.service if action.kind == "open" else None
            try:
                await self.store.tidal(
                    now, action.window, service, manual=False, cause=action.cause, reason=action.reason,
                    expected=seen[action.window],
                )  # fmt: skip
            except Conflict as refused:
                # Someone switched it meanwhile; the next tick decides again on what is there then.
                log.info("%s: window %d not switched: %s", hall.id, action.window, refused.message)
                continue
            seen[action.window] = service or ""
            done.append(action)
            log.info("%s: window %d %s %s: %s", hall.id, action.window, action.kind, action.service, action.reason)
        await self._save_memory(decision.memory)
        return done

    async def _release_unstaffed(self, now: datetime, w: WindowView) -> bool:
        """Send a switched tidal window home once its session has ended and its last visitor is done, so screens
        stop pointing people to a window nobody sits at. A supervisor's switch stays until released by hand."""
        switched = w["switched_to"]
        if not switched or switched["manual"]:
            return False
        try:
            await self.store.tidal(
                now, w["number"], None, manual=False, cause="unstaffed", reason=UNSTAFFED, expected=switched["service"]
            )
        except Conflict:
            return False  # switched meanwhile: the next tick looks again
        return True

    async def _handling_minutes(self) -> dict[str, float]:
        raw = cast(dict[str, str], await self.redis.hgetall(keys.handling_times(self.store.hall.id)))
        recent = {code: json.loads(text) for code, text in raw.items()}
        return {code: mean(values) for code, values in recent.items() if values}

    async def _load_memory(self) -> Memory:
        raw = await self.redis.get(keys.tidal_memory(self.store.hall.id))
        return memory_from_json(str(raw)) if raw else Memory()

    async def _save_memory(self, memory: Memory) -> None:
        await self.redis.set(keys.tidal_memory(self.store.hall.id), memory_to_json(memory))


def _tidal_window(w: WindowView) -> TidalWindow:
    switched = w["switched_to"]
    return TidalWindow(
        number=w["number"],
        home_services=tuple(w["home_services"]),
        state=w["state"],
        assigned=switched["service"] if switched else None,
        assigned_since=datetime.fromisoformat(switched["since"]) if switched else None,
        manual=bool(switched and switched["manual"]),
    )


def memory_to_json(memory: Memory) -> str:
    return json.dumps(
        {
            "congested_since": {k: v.isoformat() for k, v in memory.congested_since.items()},
            "calm_since": {k: v.isoformat() for k, v in memory.calm_since.items()},
            "last_switch": {str(k): v.isoformat() for k, v in memory.last_switch.items()},
            "planned": {str(k): v for k, v in memory.planned.items()},
        }
    )


def memory_from_json(text: str) -> Memory:
    data = json.loads(text)
    return Memory(
        congested_since={k: datetime.fromisoformat(v) for k, v in data["congested_since"].items()},
        calm_since={k: datetime.fromisoformat(v) for k, v in data["calm_since"].items()},
        last_switch={int(k): datetime.fromisoformat(v) for k, v in data["last_switch"].items()},
        planned={int(k): v for k, v in data["planned"].items()},
    )
