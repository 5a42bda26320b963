"""Background tasks that must never die silently: each runs under a supervisor that logs and restarts it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from queue_server.runtime.log_throttle import LogThrottle

log = logging.getLogger("tidequeue.tasks")

# Redis unreachable: every task fails the same way at every restart until it is back. One line per minute for all
# of them says it; a traceback would say nothing more. (A logging concern, one per process, like the logger.)
STORE_OUTAGE = LogThrottle()


async def supervise(
    name: str, run: Callable[[], Awaitable[None]], backoff: float = 1.0, outage: LogThrottle = STORE_OUTAGE
) -> None:
    """Run ``run`` forever: log every failure or unexpected return, then restart it after ``backoff`` s.

    A failure to reach Redis is logged without a traceback, through ``outage`` (shared by every task)."""
    while True:
        try:
            await run()
            log.warning("%s returned; restarting it", name)
        except asyncio.CancelledError:
            raise
        except (RedisConnectionError, RedisTimeoutError) as e:
            if _cancelling():
                raise asyncio.CancelledError from None
            quiet = outage.admit()
            if quiet is not None:
                also = f" ({quiet} more such failures of background tasks since the last line)" if quiet else ""
                log.warning("%s cannot reach Redis (%s); retrying every %.0f s%s", name, e, backoff, also)
        except Exception:
            if _cancelling():
                raise asyncio.CancelledError from None
            log.exception("%s failed; restarting in %.0f s", name, backoff)
        await asyncio.sleep(backoff)


def _cancelling() -> bool:
    # A library turned our cancellation into another error (redis-py's read timeout does): stop.
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


async def cancel_and_wait(tasks: list[asyncio.Task[None]]) -> None:
    """Cancel the tasks and wait until they are done, cancelling again if one swallows its cancellation
    (redis-py does, when it arrives while a connection is being set up)."""
    while pending := [t for t in tasks if not t.done()]:
        for task in pending:
            task.cancel()
        await asyncio.wait(pending, timeout=0.1)
