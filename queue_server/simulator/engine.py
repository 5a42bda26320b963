"""One hall day on a virtual clock: visitors take tickets, clerks call, serve, skip no-shows, go off duty.

A discrete-event loop: a heap of (virtual time, sequence, action), each action one or two calls to the real
:class:`~queue_server.store.hall_store.HallStore` at that virtual ``now`` (the live server's Lua scripts), and in
the ``tidal`` policy the real :class:`~queue_server.store.tidal_controller.TidalController` ticked every 15 virtual
seconds, as the server ticks it. Nothing waits for real time, so a day takes seconds.

Clerks behave as the caller pad lets them: a free clerk presses 呼叫下一位 (which completes the visitor before);
a visitor who does not come is recalled once, then skipped (过号); a clerk whose duty ends finishes the visitor at
the window and pauses it (暂停), except that a category which has closed is served to its last visitor (延时服务).
An idle clerk reacts at once when someone takes a ticket it serves, as a clerk watching the waiting count does.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal

from queue_server.core.appointments import booking_closes_at
from queue_server.core.booking_records import CheckedIn
from queue_server.core.errors import Conflict, QueueError
from queue_server.core.hall import Window
from queue_server.core.hours import max_waiting
from queue_server.core.records import TicketResult
from queue_server.core.tidal import Action
from queue_server.simulator.staffing import boundaries, closed_categories, closing_moments, on_duty, window_for
from queue_server.simulator.visitors import Visitor
from queue_server.store.bookings import Bookings
from queue_server.store.hall_store import HallStore
from queue_server.store.reserve_desk import accept
from queue_server.store.tidal_controller import TICK_SECONDS, TidalController
from queue_server.store.tidal_desk import alerts

Policy = Literal["static", "tidal"]
POLICIES: tuple[Policy, ...] = ("static", "tidal")
TICK = timedelta(seconds=TICK_SECONDS)
HOUR = timedelta(hours=1)
GIVE_UP_AFTER = timedelta(hours=8)  # after the last session: a day that never ends is a bug, not overtime
# Event kinds that recur on their own; the day is over when only these are left.
RECURRING = ("tick", "hour")


@dataclass
class Clerk:
    """The clerk at one window (signed in as ``name``, so the tickets carry it for the overtime report)."""

    window: Window
    name: str
    duty: tuple[str, ...] = ()  # the categories of the sessions staffing the window now; () off duty
    last_duty: tuple[str, ...] = ()  # what it served last: its line is finished after closing (延时服务)
    state: Literal["off", "idle", "calling", "busy"] = "off"
    idle_since: datetime | None = None
    assigned: str | None = None  # switched to this category by the tidal controller
    paused: bool = False  # paused in the store
    current: str | None = None  # the ticket at the window, not yet completed or skipped
    reserve_since: datetime | None = None  # a back-office clerk (后台力量) who took an alert: from accepting it
    reserve_until: datetime | None = None  # ... until handed back (the visitor at the window finished first)

    def serves(self, on_duty: bool = True) -> tuple[str, ...]:
        own = self.duty if on_duty else self.last_duty
        if self.assigned is not None:  # the switched category first, then its own (as call_next does)
            return (self.assigned, *(c for c in own if c != self.assigned))
        return own

    @property
    def on_reserve_duty(self) -> bool:
        return self.reserve_since is not None and self.reserve_until is None


@dataclass
class DayLog:
    """What the engine saw itself; everything else comes from the stored tickets."""

    policy: Policy
    visitors: int = 0
    issued: int = 0
    turned_away: Counter[str] = field(default_factory=Counter)  # refused a ticket (closed, or past the cut-off)
    waiting_at_closing: Counter[str] = field(default_factory=Counter)  # in line when their category closed
    switches: list[dict[str, Any]] = field(default_factory=list)  # tidal switches made by the controller
    bookings_refused: int = 0  # booked visitors whose slot was full: they walk in
    reserve_minutes: float = 0.0  # back-office clerks away from the back office: walking over and at the window
    reserve_calls: int = 0  # alerts raised for reserve staff (后台力量)
    started_at: datetime | None = None
    ended_at: datetime | None = None


Progress = Callable[[str], None]


class HallDay:
    """Runs one day of ``visitors`` on ``store``'s hall; ``controller`` is ticked in the tidal policy only."""

    def __init__(
        self,
        store: HallStore,
        visitors: Sequence[Visitor],
        day: date,
        policy: Policy,
        controller: TidalController | None = None,
        progress: Progress | None = None,
        no_show_wait: timedelta = timedelta(seconds=90),
    ) -> None:
        if policy == "tidal" and controller is None:
            raise ValueError("the tidal policy needs a controller")
        self.store, self.hall, self.day, self.policy = store, store.hall, day, policy
        self.visitors = visitors
        self.controller = controller if policy == "tidal" else None
        self.progress = progress
        self.no_show_wait = no_show_wait
        self.clerks = {w.number: Clerk(w, f"sim{w.number:02d}") for w in self.hall.windows}
        self.log = DayLog(policy, visitors=len(visitors))
        self._heap: list[tuple[datetime, int, str, Any]] = []
        self._seq = 0
        self._pending = 0  # events that are not recurring
        self._visitor_of: dict[str, Visitor] = {}
        self.bookings = Bookings(store)
        self._booking_of: dict[int, str] = {}  # visitor's index -> booking code
        self._moments = boundaries(self.hall, day)
        self._closings = closing_moments(self.hall, day)

    def _push(self, at: datetime, kind: str, arg: Any = None) -> None:
        self._seq += 1
        if kind not in RECURRING:
            self._pending += 1
        heapq.heappush(self._heap, (at, self._seq, kind, arg))

    async def run(self) -> DayLog:
        if not self._moments:
            raise ValueError(f"hall {self.hall.id!r} has no session on {self.day}")
        opening, closing = self._moments[0], self._moments[-1]
        self.log.started_at = opening
        for moment in self._moments:
            self._push(moment, "duty")
        for moment, codes in self._closings.items():
            self._push(moment, "closing", codes)
        await self._book_ahead()
        for i, visitor in enumerate(self.visitors):
            if i in self._booking_of and visitor.no_show:
                continue  # a booked no-show never comes: the booking is missed
            self._push(visitor.arrival, "arrive", i)
        self._push(opening, "hour")
        if self.controller is not None:
            self._push(opening, "tick")
        now = opening
        while self._heap:
            now, _, kind, arg = heapq.heappop(self._heap)
            if kind in RECURRING:
                if self._over(now, closing):
                    continue
            else:
                self._pending -= 1
            if now > closing + GIVE_UP_AFTER:
                break
            await self._handle(now, kind, arg)
        self.log.ended_at = now
        await self.bookings.miss(now)
        return self.log

    async def _book_ahead(self) -> None:
        """Booked visitors book their slot an hour before booking for the day closes."""
        moment = booking_closes_at(self.hall, self.day) - HOUR
        for i, v in enumerate(self.visitors):
            if v.slot is None:
                continue
            try:
                booking = await self.bookings.book(moment, v.service, self.day, v.slot, f"访客{i}", f"{i:04d}")
            except QueueError as refused:
                if refused.code != "slot_full":
                    raise
                self.log.bookings_refused += 1
                continue
            self._booking_of[i] = booking["code"]

    def _over(self, now: datetime, closing: datetime) -> bool:
        return now >= closing and self._pending == 0 and all(c.state in ("off", "idle") for c in self.clerks.values())

    async def _handle(self, now: datetime, kind: str, arg: Any) -> None:
        if kind == "arrive":
            await self._arrive(now, arg)
        elif kind == "call":
            await self._call(now, arg)
        elif kind == "recall":
            await self.store.recall(now, arg.window.number)
        elif kind == "skip":
            await self.store.skip(now, arg.window.number)
            arg.current = None
            await self._call(now, arg)
        elif kind == "duty":
            await self._duty(now)
        elif kind == "closing":
            self.log.waiting_at_closing.update({c: await self.store.waiting(c) for c in arg})
        elif kind == "reserve_arrives":
            if arg.on_reserve_duty and arg.state in ("off", "idle"):
                self._wake(now, arg)  # sits down and calls the line it came for
        elif kind == "tick":
            await self._tick(now)
            self._push(now + TICK, "tick")
        elif kind == "hour":
            await self._report_hour(now)
            self._push(now.replace(minute=0, second=0, microsecond=0) + HOUR, "hour")
        else:
            raise ValueError(f"unknown event {kind!r}")

    async def _arrive(self, now: datetime, index: int) -> None:
        visitor = self.visitors[index]
        code = visitor.service
        booking = self._booking_of.get(index)
        answer: TicketResult | CheckedIn
        if booking is not None:
            answer = await self.bookings.check_in(now, booking)  # 预约签到: a priority ticket
        else:
            limit = max_waiting(now, self.hall, code)  # the issuing cut-off, as the API applies it
            try:
                answer = await self.store.issue(now, code, visitor.priority, max_waiting=limit)
            except Conflict as refused:
                if refused.code != "issuing_closed":
                    raise
                self.log.turned_away[code] += 1
                return
        self.log.issued += 1
        self._visitor_of[answer["ticket"]["id"]] = visitor
        idle = [c for c in self.clerks.values() if c.state == "idle" and code in c.serves()]
        if idle:
            clerk = min(idle, key=lambda c: (c.idle_since or now, c.window.number))
            self._wake(now, clerk)

    def _wake(self, now: datetime, clerk: Clerk) -> None:
        clerk.state = "calling"
        self._push(now, "call", clerk)

    async def _call(self, now: datetime, clerk: Clerk) -> None:
        """The clerk is free (the visitor before, if any, is done) and looks for the next one."""
        n = clerk.window.number
        on_duty = bool(clerk.duty) or clerk.on_reserve_duty
        services: tuple[str, ...]
        if clerk.on_reserve_duty:
            services = (clerk.assigned,) if clerk.assigned else ()
        else:
            services = clerk.duty if on_duty else closed_categories(self.hall, now, clerk.serves(on_duty=False))
        if services:
            if clerk.paused:
                await self.store.resume(now, n)
                clerk.paused = False
            answer = await self.store.call_next(now, window_for(clerk.window, services), clerk=clerk.name)
            ticket = answer["ticket"]
            clerk.current = ticket and ticket["id"]
            if ticket is not None:
                clerk.state = "busy"
                self._serve(now, clerk, self._visitor_of[ticket["id"]])
                return
            if on_duty:
                clerk.state, clerk.idle_since = "idle", now
                return
        elif clerk.current is not None:
            await self.store.complete(now, n)
            clerk.current = None
        if clerk.reserve_since is not None:  # handed back: walks back to the back office now
            self.log.reserve_minutes += (now - clerk.reserve_since).total_seconds() / 60
            clerk.reserve_since = clerk.reserve_until = None
        if not clerk.paused:
            await self.store.pause(now, n)  # off duty: the controller must not count on this window
            clerk.paused = True
        clerk.state = "off"

    def _serve(self, now: datetime, clerk: Clerk, visitor: Visitor) -> None:
        if visitor.no_show:
            self._push(now + self.no_show_wait / 2, "recall", clerk)
            self._push(now + self.no_show_wait, "skip", clerk)
        else:
            self._push(now + timedelta(minutes=visitor.minutes), "call", clerk)

    async def _duty(self, now: datetime) -> None:
        duty = on_duty(self.hall, now)
        for n, clerk in self.clerks.items():
            if clerk.window.reserve:
                continue  # no session staffs a reserve window: only an alert opens it
            clerk.duty = duty.get(n, ())
            if clerk.duty:
                clerk.last_duty = clerk.duty
                if clerk.state in ("off", "idle"):
                    self._wake(now, clerk)  # starts (or changes) its duty: looks at the lines at once
            elif clerk.state == "idle":
                self._wake(now, clerk)  # goes off duty, after any line that has just closed
            elif clerk.state == "off" and not clerk.paused:
                await self.store.pause(now, n)  # never staffed yet today
                clerk.paused = True

    async def _tick(self, now: datetime) -> None:
        if self.controller is None:
            return
        for action in await self.controller.tick(now):
            clerk = self.clerks[action.window]
            self.log.switches.append(
                {"at": now.isoformat(), "window": action.window, "kind": action.kind, "service": action.service}
            )
            if clerk.window.reserve:
                await self._reserve(now, clerk, action)
                continue
            clerk.assigned = action.service if action.kind == "open" else None
            if clerk.state == "idle":
                self._wake(now, clerk)

    async def _reserve(self, now: datetime, clerk: Clerk, action: Action) -> None:
        """后台力量: the first free back-office clerk who can serve the line takes the alert at once and walks over;
        a hand-back lets the clerk finish the visitor at the window, then go back."""
        if action.kind == "reserve":
            self.log.reserve_calls += 1
            username = self._free_reserve_clerk(action.service)
            alert = next((a for a in await alerts(self.store) if a["window"] == action.window), None)
            if username is None or alert is None:
                return  # nobody free who can serve it: the alert waits, then expires
            await accept(self.store, now, alert["id"], username)
            clerk.name, clerk.assigned, clerk.paused = username, action.service, False
            clerk.reserve_since, clerk.reserve_until = now, None
            assert self.hall.reserve is not None
            self._push(now + timedelta(minutes=self.hall.reserve.arrive_minutes), "reserve_arrives", clerk)
        elif action.kind == "close" and clerk.on_reserve_duty:
            clerk.assigned, clerk.reserve_until, clerk.paused = None, now, True  # the window pauses at once
            if clerk.state in ("idle", "off"):
                await self._call(now, clerk)

    def _free_reserve_clerk(self, service: str) -> str | None:
        if self.hall.reserve is None:
            return None
        busy = {c.name for c in self.clerks.values() if c.reserve_since is not None}
        for username in self.hall.reserve.clerks:
            account = self.hall.clerk(username)
            if username not in busy and account is not None and account.can_serve(service):
                return username
        return None

    async def _report_hour(self, now: datetime) -> None:
        if self.progress is None:
            return
        waiting = sum([await self.store.waiting(c) for c in self.hall.service_codes])
        local = now.astimezone(self.hall.timezone)
        busy = sum(1 for c in self.clerks.values() if c.state == "busy")
        self.progress(
            f"{self.policy}: {local:%H:%M} {self.log.issued} tickets issued, {waiting} waiting, "
            f"{busy} windows serving, {len(self.log.switches)} tidal switches so far"
        )
