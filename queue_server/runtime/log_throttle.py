"""A few lines for a flood of failures with one cause: an outage of Redis fails every request and every
background task, and a line for each would bury the log (and fill the disk) without saying more."""

from __future__ import annotations

import time
from collections.abc import Callable

QUIET_SECONDS = 60.0


class LogThrottle:
    """Lets the first failure of a kind be logged, then at most one per ``every`` seconds, counting the rest.

    Not thread-safe: meant for one event loop (a lost update would only miscount a suppressed line)."""

    def __init__(self, every: float = QUIET_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self.every = every
        self.clock = clock
        self._next = float("-inf")
        self._quiet = 0

    def admit(self) -> int | None:
        """None: keep this one quiet. Otherwise log it, saying the number returned: how many were kept quiet
        since the last one logged."""
        now = self.clock()
        if now < self._next:
            self._quiet += 1
            return None
        quiet, self._quiet = self._quiet, 0
        self._next = now + self.every
        return quiet
