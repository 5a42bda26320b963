"""The HTTP edge's small helpers: reading a JSON body safely, the Idempotency-Key, and JSON errors."""

from __future__ import annotations

import json
import logging
from typing import Any

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from queue_server.core.errors import InvalidRequest, QueueError

log = logging.getLogger("tidequeue.http")

MAX_BODY = 16 * 1024  # every request body of this API is a few fields


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None, details: dict[str, Any] | None = None
) -> JSONResponse:
    return JSONResponse({**(details or {}), "error": code, "message": message}, status_code=status, headers=headers)


async def read_json(request: Request, required: bool = True) -> dict[str, Any]:
    """The request's JSON object; an empty body is ``{}`` unless ``required``."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise QueueError(f"The request body is larger than {MAX_BODY} bytes.", "body_too_large", 413)
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise QueueError(f"The request body is larger than {MAX_BODY} bytes.", "body_too_large", 413)
    if not body.strip():
        if required:
            raise InvalidRequest("Send a JSON object as the request body.", "missing_body")
        return {}
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise InvalidRequest(f"The body is not valid JSON: {e}", "invalid_json", 400) from None
    if not isinstance(data, dict):
        raise InvalidRequest("The body must be a JSON object.", "invalid_body")
    return data


def check_fields(body: dict[str, Any], allowed: tuple[str, ...]) -> None:
    for name in body:
        if name not in allowed:
            raise InvalidRequest(f"Unknown field {name!r} (allowed: {', '.join(allowed)}).", "unknown_field")


def text_field(body: dict[str, Any], name: str, max_length: int = 100) -> str:
    value = body.get(name)
    if value is None:
        raise InvalidRequest(f"The field {name!r} is required.", "missing_field")
    if not isinstance(value, str) or not value or len(value) > max_length:
        raise InvalidRequest(f"The field {name!r} must be a non-empty string.", "invalid_field")
    return value


def int_field(body: dict[str, Any], name: str) -> int:
    value = body.get(name)
    if value is None:
        raise InvalidRequest(f"The field {name!r} is required.", "missing_field")
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidRequest(f"The field {name!r} must be a whole number.", "invalid_field")
    return value


def bool_field(body: dict[str, Any], name: str, default: bool = False) -> bool:
    value = body.get(name, default)
    if not isinstance(value, bool):
        raise InvalidRequest(f"The field {name!r} must be true or false.", "invalid_field")
    return value


def idempotency(request: Request, body: dict[str, Any]) -> tuple[str, str] | None:
    """(what the request asks, its Idempotency-Key), or None when it has no key."""
    key = request.headers.get("idempotency-key")
    if key is None:
        return None
    if not 1 <= len(key) <= 255 or not key.isascii() or not key.isprintable():
        raise InvalidRequest("Idempotency-Key must be 1 to 255 printable ASCII characters.", "bad_idempotency_key", 400)
    asked = f"{request.method} {request.url.path} {json.dumps(body, sort_keys=True)}"
    return asked, key


async def queue_error(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, QueueError):
        raise exc
    return error_response(exc.status, exc.code, exc.message, details=exc.details)


async def http_error(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, HTTPException):
        raise exc
    codes = {404: "not_found", 405: "method_not_allowed"}
    messages = {404: "No such page or API path.", 405: "This path does not accept that method."}
    return error_response(
        exc.status_code,
        codes.get(exc.status_code, "http_error"),
        messages.get(exc.status_code, str(exc.detail)),
        headers=dict(exc.headers or {}),
    )


async def store_unavailable(request: Request, exc: Exception) -> Response:
    log.error("Redis unavailable during %s %s: %s", request.method, request.url.path, exc)
    return error_response(503, "store_unavailable", "The ticket store is not reachable; try again in a moment.")


async def internal_error(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error in %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(
        500,
        "internal_error",
        "Something went wrong on the server; check the ticket or window before trying again.",
    )


EXCEPTION_HANDLERS: dict[Any, Any] = {
    QueueError: queue_error,
    HTTPException: http_error,
    RedisConnectionError: store_unavailable,
    RedisTimeoutError: store_unavailable,
    Exception: internal_error,
}
