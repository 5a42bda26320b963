"""What one server process counts for Prometheus (``GET /metrics``, :mod:`queue_server.web.prometheus`).

Every metric lives in a registry of the process's own, made with the app (no module-level registry): two apps
in one test process count apart, and each server process is scraped on its own (so prometheus-client's
multiprocess mode is not needed). Labels stay few and bounded: route templates (never raw URLs), script names,
channel kinds, where a Redis error was seen, and hall ids. docs/operations.md says what each one means and what
to alert on.

The hot paths (a request, a script, an event fanned out) touch label children picked once, not ``labels()``
with its lock and checks on every call.
"""

from __future__ import annotations

import asyncio
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime
from time import perf_counter
from types import TracebackType

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

CONTENT_TYPE = CONTENT_TYPE_LATEST
HTTP_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
SCRIPT_BUCKETS = (0.0002, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})  # others count as "OTHER"
CHANNEL_KINDS = ("hall", "ticket")  # /ws/halls/{hall}: every device of a hall; /ws/tickets/{id}: phones
# Where a Redis error is seen (the ``source`` label): a hall's event reader, a script call, the embedded Redis
# dying under its keeper (reconnects: a reader reading again, the embedded Redis answering again).
EVENT_READER, SCRIPT, EMBEDDED_REDIS = "event_reader", "script", "embedded_redis"
REDIS_SOURCES = (EVENT_READER, SCRIPT, EMBEDDED_REDIS)
REDIS_ERRORS = (RedisConnectionError, RedisTimeoutError)


UNTIMED: AbstractContextManager[None] = nullcontext()  # reentrant, holds nothing


def untimed(name: str) -> AbstractContextManager[None]:
    """For a store made without metrics (tools, benchmarks, the simulator, store tests): nothing measured."""
    return UNTIMED


class ScriptTimer:
    """Around one script call: its latency into the script's histogram, and a failure to reach Redis counted.
    A small class rather than a generator-based context manager: it runs on every script."""

    __slots__ = ("_errors", "_histogram", "_started")

    def __init__(self, histogram: Histogram, errors: Counter) -> None:
        self._histogram = histogram
        self._errors = errors
        self._started = 0.0

    def __enter__(self) -> None:
        self._started = perf_counter()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._histogram.observe(perf_counter() - self._started)
        if kind is not None and issubclass(kind, REDIS_ERRORS):
            self._errors.inc()


class Metrics:
    """One process's metrics; :attr:`registry` is what ``/metrics`` shows."""

    def __init__(self) -> None:
        # No ``*_created`` series, which would double every counter's: prometheus-client's switch for it is
        # process-wide, and a server process shows this one registry only.
        disable_created_metrics()  # type: ignore[no-untyped-call]
        self.registry = registry = CollectorRegistry()
        ProcessCollector(registry=registry)  # CPU seconds, resident memory, open files of this process
        self.requests = Counter(
            "tidequeue_http_requests",
            "HTTP requests answered, by route template, method and status",
            ["route", "method", "status"],
            registry=registry,
        )
        self.request_seconds = Histogram(
            "tidequeue_http_request_duration_seconds",
            "Time to answer an HTTP request, by route template and method",
            ["route", "method"],
            buckets=HTTP_BUCKETS,
            registry=registry,
        )
        self.script_seconds = Histogram(
            "tidequeue_script_duration_seconds",
            "Time a Lua script call takes, Redis round trip included, by script",
            ["script"],
            buckets=SCRIPT_BUCKETS,
            registry=registry,
        )
        self.channels = Gauge(
            "tidequeue_websocket_connections",
            "Live WebSocket channels in this process, by kind (hall: screens, kiosks, caller pads, consoles, "
            "announcers; ticket: visitors' phones)",
            ["kind"],
            registry=registry,
        )
        self.fanned_out = Counter(
            "tidequeue_events_fanned_out",
            "Events handed to local WebSocket clients' queues (one per event per client)",
            registry=registry,
        )
        self.halls_followed = Gauge(
            "tidequeue_halls_followed", "Halls whose event stream this process reads", registry=registry
        )
        self.redis_errors = Counter(
            "tidequeue_redis_errors",
            "Failures to reach Redis, by where they were seen",
            ["source"],
            registry=registry,
        )
        self.redis_reconnects = Counter(
            "tidequeue_redis_reconnects",
            "Redis reached again after a failure, by where",
            ["source"],
            registry=registry,
        )
        self.hall_waiting = Gauge(
            "tidequeue_hall_waiting", "Visitors waiting in the hall (all categories)", ["hall"], registry=registry
        )
        self.hall_longest_wait = Gauge(
            "tidequeue_hall_longest_wait_seconds",
            "How long the visitor first in line has waited since taking the ticket, longest over the hall's lines",
            ["hall"],
            registry=registry,
        )
        for kind in CHANNEL_KINDS:  # at 0 from the start, so that a graph or a rule sees the series at once
            self.channels.labels(kind)
        for source in REDIS_SOURCES:
            self.redis_errors.labels(source)
        for source in (EVENT_READER, EMBEDDED_REDIS):  # a script's connection is made again by redis-py unseen
            self.redis_reconnects.labels(source)
        # The hall gauges are read from Redis at scrape time (web.prometheus): when last, on the server's clock, and
        # a lock so that scrapes at the same moment share one read.
        self.halls_read_at: datetime | None = None
        self.halls_reading = asyncio.Lock()
        self._script_children: dict[str, tuple[Histogram, Counter]] = {}
        self._embedded_seen = (0, 0)  # (exits, restarts) of the embedded Redis already counted

    def timed(self, name: str) -> ScriptTimer:
        """Around one call of script ``name`` (a timer per call: calls of one script overlap)."""
        children = self._script_children.get(name)
        if children is None:
            children = self._script_children[name] = (
                self.script_seconds.labels(name),
                self.redis_errors.labels(SCRIPT),
            )
        return ScriptTimer(*children)

    def connected(self, kind: str) -> AbstractContextManager[None]:
        """Around one live WebSocket channel of ``kind`` (one of CHANNEL_KINDS)."""
        tracker: AbstractContextManager[None] = self.channels.labels(kind).track_inprogress()
        return tracker

    def embedded_redis(self, exits: int, restarts: int) -> None:
        """Bring the counters up to the embedded Redis keeper's own counts (read at scrape time: the keeper runs
        on a thread of its own, from before the app to after it)."""
        seen_exits, seen_restarts = self._embedded_seen
        if exits > seen_exits:
            self.redis_errors.labels(EMBEDDED_REDIS).inc(exits - seen_exits)
        if restarts > seen_restarts:
            self.redis_reconnects.labels(EMBEDDED_REDIS).inc(restarts - seen_restarts)
        self._embedded_seen = (max(exits, seen_exits), max(restarts, seen_restarts))

    def exposition(self) -> bytes:
        """The registry in Prometheus's text format."""
        return generate_latest(self.registry)
