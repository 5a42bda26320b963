"""The server's clock: real time, or real time shifted to start at a chosen moment (for demos and training).

Everything that depends on time takes ``now`` as an argument; only the edges ask a :class:`Clock`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class Clock:
    def __init__(self, start: datetime | None = None) -> None:
        if start is not None and start.tzinfo is None:
            raise ValueError("the start time needs a UTC offset, e.g. 2026-11-28T11:55+08:00")
        self._offset = start - datetime.now(UTC) if start is not None else timedelta(0)

    @property
    def shifted(self) -> bool:
        return self._offset != timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset
