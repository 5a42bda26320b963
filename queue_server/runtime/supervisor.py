"""Background tasks that must never die silently: each runs under a supervisor that logs and restarts it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger("tidequeue.tasks")


async def supervise(name: str, run: Callable[[], Awaitable[None]], backoff: float = 1.0) -> None:
    """Run ``run`` forever: log every failure or unexpected return, then restart it after ``backoff`` s."""
    while True:
        try:
            await run()
            log.warning("%s returned; restarting it", name)
        except asyncio.CancelledError:
            raise
        except Exception:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                # A library turned our cancellation into another error (redis-py's read timeout does): stop.
                raise asyncio.CancelledError from None
            log.exception("%s failed; restarting in %.0f s", name, backoff)
        await asyncio.sleep(backoff)


async def cancel_and_wait(tasks: list[asyncio.Task[None]]) -> None:
    """Cancel the tasks and wait until they are done, cancelling again if one swallows its cancellation
    (redis-py does, when it arrives while a connection is being set up)."""
    while pending := [t for t in tasks if not t.done()]:
        for task in pending:
            task.cancel()
        await asyncio.wait(pending, timeout=0.1)
