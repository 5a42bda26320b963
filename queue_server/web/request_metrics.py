"""Every HTTP request counted for ``/metrics``: by route template, method and status, with its latency.

The route is the template Starlette matched (``/api/halls/{hall}/tickets``), never the raw URL, so the number of
series stays that of the routes however many halls, tickets and scanners there are; a request no route took
(404s, cross-site refusals) counts as ``(no route)``. WebSocket channels are counted apart, while they are open
(:mod:`queue_server.web.channels`).
"""

from __future__ import annotations

from time import perf_counter

from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from queue_server.runtime.metrics import METHODS, Metrics

NO_ROUTE = "(no route)"


class RequestMetrics:
    """A pure ASGI middleware: it notes the status as the response starts and counts when the request ends. The
    label children are picked once per (route, method, status) and kept, so a request costs two dict look-ups
    and two increments."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics
        self._counted: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = perf_counter()
        status = 500  # unless a response starts: what the error handler outside answers to an exception

        async def noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, noting_status)
        finally:
            route = scope.get("route")  # set by Starlette's router on the scope it shares with us
            template = getattr(route, "path", None) or NO_ROUTE
            method = scope["method"] if scope["method"] in METHODS else "OTHER"
            key = (template, method, status)
            children = self._counted.get(key)
            if children is None:
                children = self._counted[key] = (
                    self.metrics.requests.labels(template, method, str(status)),
                    self.metrics.request_seconds.labels(template, method),
                )
            children[0].inc()
            children[1].observe(perf_counter() - started)
