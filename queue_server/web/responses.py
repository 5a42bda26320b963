"""The HTTP edge's small helpers: the Idempotency-Key, and JSON errors (bodies: :mod:`queue_server.web.bodies`)."""

from __future__ import annotations

import contextlib
import json
import logging
from typing import Any

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from starlette.exceptions import HTTPException
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, Response
from starlette.websockets import WebSocket

from queue_server.core.errors import InvalidRequest, QueueError, TooManyRequests
from queue_server.runtime.log_throttle import LogThrottle

log = logging.getLogger("tidequeue.http")


def error_response(
    status: int,
    code: str,
    message: str,
    message_en: str,
    headers: dict[str, str] | None = None,
    details: dict[str, Any] | None = None,
) -> JSONResponse:
    """Every error of the API has this shape: a stable ``error`` code, the message in Chinese (``message``) and in
    English (``message_en``), and whatever ``details`` the error carries."""
    body = {**(details or {}), "error": code, "message": message, "message_en": message_en}
    return JSONResponse(body, status_code=status, headers=headers)


def idempotency(request: Request, body: dict[str, Any]) -> tuple[str, str] | None:
    """(what the request asks, its Idempotency-Key), or None when it has no key."""
    key = request.headers.get("idempotency-key")
    if key is None:
        return None
    if not 1 <= len(key) <= 255 or not key.isascii() or not key.isprintable():
        raise InvalidRequest(
            "Idempotency-Key 应为 1 到 255 个可打印的 ASCII 字符。",
            "Idempotency-Key must be 1 to 255 printable ASCII characters.",
            "bad_idempotency_key",
            400,
        )
    asked = f"{request.method} {request.url.path} {json.dumps(body, sort_keys=True)}"
    return asked, key


async def queue_error(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, QueueError):
        raise exc
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyRequests) else None
    return error_response(exc.status, exc.code, exc.message, exc.message_en, headers=headers, details=exc.details)


async def http_error(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, HTTPException):
        raise exc
    codes = {404: "not_found", 405: "method_not_allowed"}
    messages = {
        404: ("没有这个页面或接口。", "No such page or API path."),
        405: ("这个路径不接受该请求方法。", "This path does not accept that method."),
    }
    zh, en = messages.get(exc.status_code, (str(exc.detail), str(exc.detail)))
    return error_response(
        exc.status_code, codes.get(exc.status_code, "http_error"), zh, en, headers=dict(exc.headers or {})
    )


# Redis unreachable: every request fails the same way until it is back. The first failure and then one a minute
# say it; a line per request would fill the log. (A logging concern, one per process, like the logger.)
STORE_OUTAGE = LogThrottle()


async def store_unavailable(request: HTTPConnection, exc: Exception) -> Response | None:
    quiet = STORE_OUTAGE.admit()
    if quiet is not None:
        method = request.method if isinstance(request, Request) else "WebSocket"
        what = f"{method} {request.url.path}"
        also = f" ({quiet} more refused since the last line)" if quiet else ""
        log.error("Redis unavailable during %s: %s; answering 503 (1013 on a WebSocket)%s", what, exc, also)
    if isinstance(request, WebSocket):
        # A screen or phone that (re)connected during the outage: "try again later"; its page reconnects with
        # backoff. An HTTP answer cannot be sent on a socket already accepted.
        with contextlib.suppress(RuntimeError, OSError):
            await request.close(code=1013)
        return None
    return error_response(
        503,
        "store_unavailable",
        "暂时无法连接排队数据，请稍后再试。",
        "The ticket store is not reachable; try again in a moment.",
    )


async def internal_error(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error in %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(
        500,
        "internal_error",
        "服务器出错了；重试前请先核对票号或窗口状态。",
        "Something went wrong on the server; check the ticket or window before trying again.",
    )


EXCEPTION_HANDLERS: dict[Any, Any] = {
    QueueError: queue_error,
    HTTPException: http_error,
    RedisConnectionError: store_unavailable,
    RedisTimeoutError: store_unavailable,
    Exception: internal_error,
}
