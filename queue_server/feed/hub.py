"""One reader per hall per process, fanned out to many local subscribers through bounded queues.

Each server process reads a hall's Redis Stream once (``XREAD BLOCK``) and hands every event, encoded once, to
the queues of its local WebSocket clients. A client that falls behind never slows the others: its queue is
bounded, and when it overflows the backlog is dropped and the client is told to resynchronise from a fresh
snapshot. The reader runs under a supervisor: if it fails it is logged and restarted from the last event it
delivered, so nothing is skipped.

Hand-off without gaps or repeats: a client subscribes first, then reads its snapshot (or backlog) from Redis,
then takes events from its queue, skipping those at or before what it already sent. Any event the reader
delivered before the subscription is already part of that snapshot.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import cast

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from queue_server.core import records
from queue_server.runtime.metrics import EVENT_READER, REDIS_ERRORS, Metrics
from queue_server.runtime.supervisor import cancel_and_wait, supervise
from queue_server.store import keys
from queue_server.store.hall_store import STREAM_MAX

log = logging.getLogger("tidequeue.events")

HEARTBEAT_SECONDS = 15  # lets a page notice a dead connection that the browser has not noticed yet
QUEUE_SIZE = 256  # events a client may lag behind before it is resynchronised instead
READ_BLOCK_MS = 2000  # well inside redis-py's default 5 s socket timeout
READ_COUNT = 100  # well below QUEUE_SIZE, so that a burst alone never overflows a healthy client's queue


def event_id_key(event_id: str) -> tuple[int, int]:
    """A stream id as a sortable pair: '1700000000000-3' -> (1700000000000, 3)."""
    ms, _, seq = event_id.partition("-")
    return int(ms), int(seq or 0)


def valid_event_id(text: str) -> bool:
    ms, sep, seq = text.partition("-")
    return ms.isdigit() and len(ms) < 20 and (not sep or (seq.isdigit() and len(seq) < 20))


@dataclass(frozen=True)
class Event:
    """An event as it leaves the stream: its id, its parsed fields and its JSON text, encoded once."""

    id: str
    data: records.Event
    text: str

    @classmethod
    def from_stream(cls, event_id: str, fields: dict[str, str]) -> Event:
        data: records.Event = json.loads(fields["data"])
        data["event_id"] = event_id
        return cls(event_id, data, json.dumps(data, ensure_ascii=False, separators=(",", ":")))

    @property
    def key(self) -> tuple[int, int]:
        return event_id_key(self.id)


Entry = tuple[str, dict[str, str]]  # a stream entry as redis-py returns it with decode_responses


async def xrange(redis: Redis, stream: str, low: str = "-", high: str = "+", count: int | None = None) -> list[Entry]:
    return cast(list[Entry], await redis.xrange(stream, min=low, max=high, count=count))


async def newest_entry(redis: Redis, stream: str) -> Entry | None:
    entries = cast(list[Entry], await redis.xrevrange(stream, count=1))
    return entries[0] if entries else None


# Signals between the hub and a client's sender, never sent as they are: not events of the stream.
RESYNC = Event("0-0", cast(records.Event, {"type": "resync"}), "")  # an overflowing queue: "take a fresh snapshot"
CLOSED = Event("0-0", cast(records.Event, {"type": "closed"}), "")  # its client has gone: "stop sending"


def heartbeat(now: datetime) -> Event:
    """A sign of life for every client, made once per tick for all of them (no timer per client)."""
    data: records.Event = {"type": "heartbeat", "at": now.isoformat()}
    return Event("0-0", data, json.dumps(data))


@dataclass(eq=False)
class Subscription:
    queue: asyncio.Queue[Event] = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))
    dropped: int = 0

    def offer(self, event: Event) -> None:
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            # Too slow: forget its backlog and this event, and have it resynchronise from a snapshot, which
            # includes them all.
            self.dropped += self.queue.qsize() + 1
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(RESYNC)

    def close(self) -> None:
        """The client has gone: whatever is queued no longer matters, and its sender should stop."""
        while not self.queue.empty():
            self.queue.get_nowait()
        self.queue.put_nowait(CLOSED)


class HallFeed:
    """The one reader of one hall's stream in this process, and its local subscribers."""

    def __init__(self, redis: Redis, hall_id: str, metrics: Metrics) -> None:
        self.redis = redis
        self.hall_id = hall_id
        self.subscribers: set[Subscription] = set()
        self.last_id: str | None = None
        self.delivered = 0
        self.ready = asyncio.Event()
        self.failing = False  # its last run could not reach Redis (counted for /metrics until it reads again)
        self._fanned_out = metrics.fanned_out
        self._errors = metrics.redis_errors.labels(EVENT_READER)
        self._reconnects = metrics.redis_reconnects.labels(EVENT_READER)

    async def follow(self) -> None:
        """:meth:`run`, counting each time it cannot reach Redis (its supervisor restarts it)."""
        try:
            await self.run()
        except REDIS_ERRORS:
            self.failing = True
            self._errors.inc()
            raise

    async def run(self) -> None:
        """Read the stream forever from the last delivered event (from its end on the first start)."""
        stream = keys.events(self.hall_id)
        if self.last_id is None:
            newest = await newest_entry(self.redis, stream)
            self.last_id = newest[0] if newest else "0-0"
        self.ready.set()
        while True:
            batches = await self.redis.xread({stream: self.last_id}, count=READ_COUNT, block=READ_BLOCK_MS)
            if self.failing:
                self.failing = False
                self._reconnects.inc()
            handed = 0
            for _, entries in cast(list[tuple[str, list[Entry]]], batches or []):
                for event_id, fields in entries:
                    event = Event.from_stream(event_id, fields)
                    self.last_id = event_id
                    self.delivered += 1
                    for subscription in tuple(self.subscribers):
                        subscription.offer(event)
                    handed += len(self.subscribers)
            if handed:
                self._fanned_out.inc(handed)
            # Let the clients' senders drain their queues before the next batch is offered.
            await asyncio.sleep(0)

    @contextmanager
    def subscribe(self) -> Iterator[Subscription]:
        subscription = Subscription()
        self.subscribers.add(subscription)
        try:
            yield subscription
        finally:
            self.subscribers.discard(subscription)


class EventHub:
    """The feeds of all halls in this process; started and stopped by the app's lifespan."""

    def __init__(
        self, redis: Redis, hall_ids: list[str], clock: Callable[[], datetime], metrics: Metrics | None = None
    ) -> None:
        metrics = metrics or Metrics()  # counted for nobody when no one asks
        # Each reader's blocking XREAD holds one connection of the pool for itself.
        self.feeds = {hall_id: HallFeed(redis, hall_id, metrics) for hall_id in hall_ids}
        self.clock = clock
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        for hall_id, feed in self.feeds.items():
            name = f"event reader of {hall_id}"
            self._tasks.append(asyncio.create_task(supervise(name, feed.follow), name=name))
        self._tasks.append(asyncio.create_task(supervise("heartbeat", self._beat), name="heartbeat"))
        await asyncio.gather(*(feed.ready.wait() for feed in self.feeds.values()))

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            beat = heartbeat(self.clock())
            for feed in self.feeds.values():
                for subscription in tuple(feed.subscribers):
                    subscription.offer(beat)

    async def stop(self) -> None:
        await cancel_and_wait(self._tasks)

    @property
    def followed(self) -> int:
        """How many halls' streams this process reads (for /metrics)."""
        return len(self.feeds)

    @asynccontextmanager
    async def subscribe(self, hall_id: str) -> AsyncIterator[Subscription]:
        with self.feeds[hall_id].subscribe() as subscription:
            yield subscription


async def events_after(redis: Redis, hall_id: str, since: str, limit: int) -> list[Event] | None:
    """The events after ``since``, oldest first, or None when the client needs a fresh snapshot instead: the
    stream no longer reaches back to ``since`` (trimmed, or Redis lost it), ``since`` lies beyond the newest
    event, or the backlog is longer than ``limit``."""
    stream = keys.events(hall_id)
    if since == "0-0":
        # A client that connected before the hall's first event ever: it may resume from the very start as
        # long as nothing was ever trimmed from the stream.
        return await _whole_stream(redis, stream, limit)
    oldest = await xrange(redis, stream, count=1)
    newest = await newest_entry(redis, stream)
    wanted = event_id_key(since)
    if not oldest or newest is None or event_id_key(oldest[0][0]) > wanted or event_id_key(newest[0]) < wanted:
        return None
    entries = await xrange(redis, stream, low=f"({since}", count=limit + 1)
    if len(entries) > limit:
        return None
    return [Event.from_stream(event_id, fields) for event_id, fields in entries]


async def _whole_stream(redis: Redis, stream: str, limit: int) -> list[Event] | None:
    try:
        info = await redis.xinfo_stream(stream)
    except ResponseError:
        return []  # no stream yet: nothing happened since
    # Redis 7 counts every entry ever added, so a shortfall means some were trimmed or deleted; on 6.2, a stream
    # shorter than its cap was never trimmed.
    length, added = int(info["length"]), info.get("entries-added")
    untouched = int(added) == length if added is not None else length < STREAM_MAX
    if not untouched or length > limit:
        return None
    return [Event.from_stream(event_id, fields) for event_id, fields in await xrange(redis, stream)]
