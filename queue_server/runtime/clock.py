"""The server's clock: real time, or real time shifted to start at a chosen moment (for demos and training).

Everything that depends on time takes ``now`` as an argument; only the edges ask a :class:`Clock`. Tests can
move a clock forward (:meth:`Clock.advance`); timers that wait on it (:meth:`Clock.sleep`) wake up when it moves,
so a test steps over a minute instead of waiting for it.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta


class Clock:
    def __init__(self, start: datetime | None = None) -> None:
        if start is not None and start.tzinfo is None:
            raise ValueError("the start time needs a UTC offset, e.g. 2026-11-28T11:55+08:00")
        self._offset = start - datetime.now(UTC) if start is not None else timedelta(0)
        # Timers waiting on this clock, each a future in its own event loop (a test may move the clock from
        # another thread than the server's).
        self._sleepers: set[asyncio.Future[None]] = set()

    @property
    def shifted(self) -> bool:
        return self._offset != timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def advance(self, delta: timedelta) -> datetime:
        """Move the clock forward by ``delta`` and wake every timer waiting on it; answer the new time.

        Only forward: the business day, streams and leases all assume that time never runs backwards."""
        if delta < timedelta(0):
            raise ValueError("the clock only moves forward")
        self._offset += delta
        for sleeper in list(self._sleepers):
            try:
                sleeper.get_loop().call_soon_threadsafe(_wake, sleeper)
            except RuntimeError:  # its event loop has closed: nobody waits there any more
                self._sleepers.discard(sleeper)
        return self.now()

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` of this clock's time: real seconds, cut short when the clock is moved past the end."""
        await self.sleep_until(self.now() + timedelta(seconds=seconds))

    async def sleep_until(self, moment: datetime) -> None:
        """Wait until this clock reads ``moment`` or later."""
        loop = asyncio.get_running_loop()
        while (left := (moment - self.now()).total_seconds()) > 0:
            moved = loop.create_future()
            self._sleepers.add(moved)
            handle = loop.call_later(left, _wake, moved)
            try:
                await moved
            finally:
                handle.cancel()
                self._sleepers.discard(moved)


def _wake(sleeper: asyncio.Future[None]) -> None:
    if not sleeper.done():
        sleeper.set_result(None)
