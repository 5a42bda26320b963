"""A test-only route that moves the server's clock forward: ``POST /_test/clock`` with ``{"seconds": N}``.

Acceptance tests use it to step over a session start or a rollover instead of waiting for it in real time. It is
mounted only when the process is started with ``TIDEQUEUE_TEST_HOOKS=1`` on a loopback address (see the CLI), so
a production server never has it.
"""

from __future__ import annotations

import json
import math
from datetime import timedelta

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from queue_server.core.errors import InvalidRequest
from queue_server.web.context import context
from queue_server.web.openapi import documented

ENABLE = "TIDEQUEUE_TEST_HOOKS"


@documented(
    "post",
    'Tests only: move the server\'s clock forward by {"seconds": N}',
    answers={200: dict},
    errors=("invalid_body",),
)
async def move_clock(request: Request) -> JSONResponse:
    try:
        seconds = json.loads(await request.body())["seconds"]
    except (ValueError, TypeError, KeyError):
        seconds = None
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not math.isfinite(seconds) or seconds < 0:
        raise InvalidRequest(
            '请发送 {"seconds": N}，N ≥ 0：时钟只能向前拨。',
            'Send {"seconds": N} with N ≥ 0: the clock only moves forward.',
            "invalid_body",
        )
    now = context(request).clock.advance(timedelta(seconds=seconds))
    return JSONResponse({"now": now.isoformat()})


routes = [Route("/_test/clock", move_clock, methods=["POST"])]
