"""Each hall's background duties run in one process only: the one holding their lease (store/leases.py).

One loop per process beats, then renews or takes each lease and starts or stops the duty to match, every third of
the lease's time. A duty runs under :func:`supervise` as before; losing its lease (another process took it, or this
one handed it over to spread the halls) cancels it. The loop goes by real time, not by the hall's :class:`Clock`:
the leases run out by Redis's clock, whatever time the halls are shown."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping

from queue_server.runtime.supervisor import cancel_and_wait, supervise
from queue_server.store.leases import Crew, Duty

log = logging.getLogger("tidequeue.tasks")

Work = tuple[str, Callable[[], Awaitable[None]]]  # its name in the log ("tidal controller"), and how to run it


class Steward:
    def __init__(self, crew: Crew, duties: Mapping[Duty, Work]) -> None:
        self.crew = crew
        self.duties = dict(duties)
        self.running: dict[Duty, asyncio.Task[None]] = {}
        self._loop: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._loop = asyncio.create_task(supervise("lease keeper", self._keep), name="lease keeper")

    async def stop(self) -> None:
        """Stop every duty this process runs and release their leases, so another process takes them at once."""
        if self._loop is not None:
            await cancel_and_wait([self._loop])
        # The loop stops its duties on its way out, unless cancelled again meanwhile: make sure.
        await cancel_and_wait(list(self.running.values()))
        self.running.clear()
        try:
            await self.crew.leave()
        except Exception:  # shutting down without Redis: the leases run out by themselves
            log.warning("could not release this process's leases; they pass on when they run out", exc_info=True)

    async def _keep(self) -> None:
        try:
            while True:
                await self.crew.beat()
                for duty, work in self.duties.items():
                    await self._match(duty, work, await self.crew.hold(*duty))
                await asyncio.sleep(self.crew.lease_ms / 3000)
        finally:
            # Redis failed or we are stopping: a duty must not outlive a lease this loop can no longer renew.
            await cancel_and_wait(list(self.running.values()))
            self.running.clear()

    async def _match(self, duty: Duty, work: Work, held: bool) -> None:
        (hall, _), (name, run) = duty, work
        if held and duty not in self.running:
            log.info("%s: this process now runs the %s", hall, name)
            self.running[duty] = asyncio.create_task(supervise(f"{name} of {hall}", run), name=f"{name} of {hall}")
        elif not held and (task := self.running.pop(duty, None)) is not None:
            log.info("%s: the %s now runs in another process", hall, name)
            await cancel_and_wait([task])
