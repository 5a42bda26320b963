"""The tidal controller (潮汐窗口调度): the thin shell around the pure decision in ``tidal.py``.

Each tick reads the hall's lines and windows from Redis, the arrivals forecast for the next hour (past weeks'
walk-ins, kept per business day, and today's bookings), asks :func:`tidal.decide` what to do and takes each action
through :func:`queue_server.store.tidal_desk.apply`: a switch through the atomic ``tidal`` script (which refuses if
a window changed since it was read), an alert to the back office for a reserve window (后台力量), or a reserve
window handed back. In ``suggest`` mode the actions wait for a supervisor instead, as suggestions; seasonal plans
and a session's end still act at once. The decision's memory is kept in Redis, so a controller in another process
carries on where this one stopped. Exactly one process runs a hall's controller at a time: the one holding the
hall's ``tidal`` lease (store/leases.py); when it dies, the lease runs out and another process takes over.

A reserve window is shown to the decision as ``closed`` (nobody there), ``called`` (an alert is out for it) or, once
a reserve clerk sits there, as what it is doing; what its clerk may take is the window's tidal categories and the
clerk's skills (before anyone sits there: any reserve clerk's).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Collection, Iterable
from datetime import date, datetime
from statistics import mean
from typing import Any, cast

from redis.asyncio import Redis

from queue_server.core.business_day import business_day
from queue_server.core.errors import Conflict
from queue_server.core.forecast import History, next_hour
from queue_server.core.hall import Hall, Seasonal, TidalPolicy, Window
from queue_server.core.hours import reserve_on_duty, windows_staffed
from queue_server.core.records import WindowView
from queue_server.core.tidal import Action, Line, TidalWindow, decide
from queue_server.core.tidal_records import Alert
from queue_server.store import arrivals, keys, reserve_desk, tidal_desk, tidal_memory
from queue_server.store.hall_store import HallStore
from queue_server.store.tidal_memory import memory_from_json, memory_to_json

__all__ = ["TICK_SECONDS", "TidalController", "memory_from_json", "memory_to_json"]

log = logging.getLogger("tidequeue.tidal")

TICK_SECONDS = 15
UNSTAFFED = "时段结束，窗口恢复原业务 / the session ended: the window is back to its own categories"
RELEASED = "后台人员办完当前群众后返回 / the back-office clerk returns once the visitor at the window is done"
IMMEDIATE = ("seasonal", "seasonal_ended")  # planned ahead: taken at once even in suggest mode


class TidalController:
    def __init__(
        self,
        store: HallStore,
        policy: TidalPolicy | None = None,
        seasonal: Iterable[Seasonal] = (),
        history: History | None = None,
    ) -> None:
        """``history``: past days' walk-ins to forecast from instead of the hall's stored tickets (the simulator's
        past weeks, drawn from its profile)."""
        self.store = store
        self.policy = policy or TidalPolicy()
        self.seasonal = tuple(seasonal)
        self._given = history
        self._history: tuple[date, History] | None = None  # past weeks' walk-ins, read once per business day

    @property
    def redis(self) -> Redis:
        return self.store.redis

    async def tick(self, now: datetime) -> list[Action]:
        """Look at the hall once and act on the decision; returns the actions taken (in suggest mode, only those
        that do not wait for a supervisor)."""
        hall, store = self.store.hall, self.store
        if not any(w.tidal for w in hall.windows):
            return []
        snapshot = await store.snapshot(now)
        handling = await self._handling_minutes()
        lines = [Line(c["code"], c["waiting"], handling.get(c["code"]) or c["minutes"]) for c in snapshot["categories"]]
        # A window no running session staffs (lunch on fewer windows, a weekend session) counts as paused: it
        # serves nobody, so it neither shortens a line's predicted wait nor may be switched to help one. A
        # switched window that still has a visitor keeps its state, so that visitor is finished.
        staffed = windows_staffed(now, hall)
        memory = await tidal_memory.load(store)
        await tidal_desk.expire_alerts(store, now)
        records = await reserve_desk.window_records(store)
        out = {a["window"]: a for a in await tidal_desk.alerts(store) if a["state"] == "open"}
        seated = {str(r["reserve"]["clerk"]) for r in records.values() if r.get("reserve")}
        on_duty = reserve_on_duty(now, hall)
        windows, regular = [], {s.code: 0 for s in hall.services}
        done: list[Action] = []
        for w in snapshot["windows"]:
            config = hall.window(w["number"])
            record = records.get(w["number"], {})
            if config is not None and config.reserve:
                seat = record.get("reserve")
                if seat and seat.get("releasing") and not w["ticket"]:
                    # handed back while a visitor was at it: that visitor is done, the clerk goes back now
                    await reserve_desk.release(store, now, w["number"], "calm", RELEASED)
                    seat = None
                windows.append(reserve_window(hall, config, w, seat, out.get(w["number"]), seated, on_duty))
                continue
            if w["number"] not in staffed and not w["ticket"]:
                w = {**w, "state": "paused"}
                # A seasonal plan's window stays assigned for the whole season, staffed or not.
                switched = w["switched_to"]
                if w["tidal"] and w["number"] not in memory.planned and await self._release_unstaffed(now, w):
                    released = switched["service"] if switched else ""
                    done.append(Action("close", w["number"], released, "unstaffed", UNSTAFFED))
                    w = {**w, "switched_to": None}
            if w["tidal"]:
                clerk = hall.clerk(str((record.get("clerk") or {}).get("username", "")))
                windows.append(tidal_window(w, qualified(config, clerk.skills if clerk else ())))
            elif w["state"] != "paused":
                for code in w["services"]:
                    regular[code] += 1
        day = business_day(now, hall.timezone, hall.rollover)
        forecast = next_hour(now, hall, await self._past(day), await arrivals.booked_next_hour(store, now), day=day)
        decision = decide(lines, windows, regular, self.policy, memory, now, self.seasonal, day, forecast)
        seen = {w.number: w.assigned or "" for w in windows}
        suggest = self.policy.mode == "suggest"
        waiting = [a for a in decision.actions if suggest and a.cause not in IMMEDIATE]
        for action in decision.actions:
            if action in waiting:
                continue
            try:
                await tidal_desk.apply(store, now, action, seen[action.window])
            except Conflict as refused:
                # Someone switched it meanwhile; the next tick decides again on what is there then.
                log.info("%s: window %d not switched: %s", hall.id, action.window, refused.message)
                continue
            seen[action.window] = action.service if action.kind in ("open", "reserve") else ""
            done.append(action)
            log.info("%s: window %d %s %s: %s", hall.id, action.window, action.kind, action.service, action.reason)
        # A suggestion is not an action taken: the decision must not hold its window back, nor restart its clock.
        kept = tidal_memory.unapplied(memory, decision.memory, waiting, now) if waiting else decision.memory
        if suggest or await self.redis.exists(keys.tidal_suggestions(hall.id)):
            blocked = await tidal_desk.declined(store, now)
            wanted = [a for a in waiting if (a.window, a.service) not in blocked]
            await tidal_desk.propose(store, now, wanted, seen)  # in auto mode: the last suggestions expire
        await tidal_memory.save(store, kept)
        return done

    async def _past(self, day: date) -> History:
        if self._given is not None:
            return self._given
        if self._history is None or self._history[0] != day:
            self._history = (day, await arrivals.history(self.store, day))
        return self._history[1]

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


def qualified(window: Window | None, skills: Iterable[str]) -> frozenset[str] | None:
    """What a window may be switched to with its clerk there: its tidal categories and the clerk's skills (either
    left out: any); None when neither narrows it."""
    allowed = [set(s) for s in ((window.tidal_services if window else ()), tuple(skills)) if s]
    if not allowed:
        return None
    return frozenset(set.intersection(*allowed))


def tidal_window(w: WindowView, may: frozenset[str] | None = None, reserve: bool = False) -> TidalWindow:
    switched = w["switched_to"]
    return TidalWindow(
        number=w["number"],
        home_services=tuple(w["home_services"]),
        state=w["state"],
        assigned=switched["service"] if switched else None,
        assigned_since=datetime.fromisoformat(switched["since"]) if switched else None,
        manual=bool(switched and switched["manual"]),
        qualified=may,
        reserve=reserve,
    )


def reserve_window(
    hall: Hall,
    config: Window,
    w: WindowView,
    seat: dict[str, Any] | None,
    alert: Alert | None,
    seated: Collection[str] = (),
    on_duty: Collection[str] | None = None,
) -> TidalWindow:
    """A reserve window for the decision: as it is while a reserve clerk sits there (paused once handed back),
    ``called`` while an alert for it is out, else ``closed``."""
    home = tuple(w["home_services"])
    may: frozenset[str] | None
    if seat:
        clerk = hall.clerk(str(seat["clerk"]))
        may = qualified(config, clerk.skills if clerk else ())
        if seat.get("releasing"):
            return TidalWindow(w["number"], home, "paused", qualified=may, reserve=True)
        return tidal_window(w, may, reserve=True)
    # Before anyone sits there, any reserve clerk on duty (``on_duty``: by the day's rota, else the hall file) and
    # still in the back office (``seated``: at another reserve window) may come: the window takes what one of them
    # can serve, and nothing when all are out already.
    every = hall.reserve.clerks if hall.reserve is not None else ()
    staff = [hall.clerk(name) for name in (every if on_duty is None else on_duty) if name not in seated]
    skills = [c.skills for c in staff if c is not None]
    if not skills:
        may = frozenset()
    elif any(not s for s in skills):
        may = qualified(config, ())
    else:
        may = qualified(config, {code for s in skills for code in s})
    if alert is not None:
        since = datetime.fromisoformat(alert["at"])
        return TidalWindow(w["number"], home, "called", alert["service"], since, qualified=may, reserve=True)
    return TidalWindow(w["number"], home, "closed", qualified=may, reserve=True)
