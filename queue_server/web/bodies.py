"""The request bodies of the API, declared once: :func:`body_of` reads and checks one, and the OpenAPI document
describes it from the same type.

A body that is not what its type says is refused with a stable code and a message in Chinese and English that
names the field: ``missing_body``, ``invalid_json`` (400), ``invalid_body`` (not an object), ``unknown_field``,
``missing_field`` (absent or null), ``invalid_field`` (wrong type or length), ``body_too_large`` (413),
``unsupported_media_type`` (415: a body that is not sent as ``application/json``).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, TypeVar

import msgspec
from msgspec import Meta, Struct
from starlette.requests import Request

from queue_server.core.errors import InvalidRequest, QueueError
from queue_server.core.pauses import PauseReason

MAX_BODY = 16 * 1024  # every request body of this API is a few fields

Service = Annotated[str, Meta(min_length=1, max_length=10, description="A category's letter", examples=["B"])]


class Body(Struct, kw_only=True, forbid_unknown_fields=True):
    """The base of every request body: fields by name, unknown ones refused."""


class Empty(Body, kw_only=True):
    """No fields (an empty body, or ``{}``)."""


class TakeTicket(Body, kw_only=True):
    """取号: a ticket for a category; ``priority`` for 绿色通道 (elderly, disabled, pregnant visitors)."""

    service: Service
    priority: bool = False


class Transfer(Body, kw_only=True):
    """转移: the category the window's current visitor moves to."""

    service: Service


class Pause(Body, kw_only=True):
    """暂停: why, from a fixed list the window screen tells visitors (none: 暂停服务 alone)."""

    reason: PauseReason | None = None


class Complete(Body, kw_only=True):
    """办结, optionally with the case's number (办件编号): 1 to 40 ASCII letters, digits or '-'."""

    case_number: Annotated[str, Meta(max_length=200, examples=["GA-2026-001234"])] | None = None


class CallTicket(Body, kw_only=True):
    """特呼: the waiting ticket to call, by id or by today's number (or both, which must name the same ticket)."""

    ticket_id: Annotated[str, Meta(min_length=1, max_length=100)] | None = None
    number: Annotated[str, Meta(min_length=1, max_length=20, examples=["A012"])] | None = None


class GuideSignIn(Body, kw_only=True):
    """A guide-desk account (导办台, ``role = "guide"``) signs in; it acts at no window."""

    username: Annotated[str, Meta(min_length=1, max_length=64, examples=["guide"])]
    password: Annotated[str, Meta(min_length=1, max_length=200)]


class TidalOpen(Body, kw_only=True):
    """The category a tidal window switches to."""

    service: Service


class SignIn(Body, kw_only=True):
    username: Annotated[str, Meta(min_length=1, max_length=64, examples=["w04"])]
    password: Annotated[str, Meta(min_length=1, max_length=200)]
    window: Annotated[int, Meta(examples=[4])]


class Book(Body, kw_only=True):
    """预约: a place in a slot. ``name`` and ``phone`` are checked by the appointment rules, which say plainly
    what is wrong (``invalid_name``, ``invalid_phone``)."""

    service: Service
    date: Annotated[str, Meta(min_length=1, max_length=20, examples=["2026-12-05"])]
    slot: Annotated[str, Meta(min_length=1, max_length=10, examples=["09:30"])]
    name: Annotated[Any, Meta(description="1 to 20 characters", examples=["张三"])]
    phone: Annotated[Any, Meta(description="The last 4 digits of a phone number (a whole number is cut to them)")]


class Rate(Body, kw_only=True):
    """好差评: the level (5 非常满意 … 1 非常不满意); a 差评 (2, 1) needs at least one reason code, and any rating
    may carry a comment. The rules are checked by :func:`queue_server.core.ratings.check_rating`, which says what
    is wrong (``invalid_level``, ``unknown_reason``, ``reason_required``, ``comment_too_long``)."""

    level: Annotated[Any, Meta(description="5 (非常满意) to 1 (非常不满意)", examples=[5])]
    reasons: Annotated[list[Annotated[str, Meta(max_length=40)]], Meta(max_length=10, examples=[["long_wait"]])] = []
    comment: Annotated[str, Meta(max_length=1000, description="At most 200 characters")] = ""


class CaseStep(Body, kw_only=True):
    """A 差评 case's next step: ``to`` the state after its current one; ``by`` who took it (the supervisor's name,
    kept with the step), ``note`` what was done."""

    to: Annotated[str, Meta(min_length=1, max_length=20, examples=["rectifying"])]
    note: Annotated[str, Meta(max_length=500, examples=["已核实：窗口解释不清，已培训"])] = ""
    by: Annotated[str, Meta(max_length=40, examples=["王科长"])] = ""


B = TypeVar("B", bound=Body)
DECODERS: dict[type[Body], msgspec.json.Decoder[Any]] = {}


async def raw_body(request: Request, limit: int = MAX_BODY) -> bytes:
    """The request's body, refused past ``limit`` bytes without reading it all."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large(limit)
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise too_large(limit)
    return body


async def body_of(request: Request, kind: type[B], required: bool = True, limit: int = MAX_BODY) -> B:
    """The request's body as ``kind``; an empty body is ``kind()`` unless ``required``. ``limit``: a larger one
    for the few bodies that carry a month (a rota's assignments)."""
    body = await raw_body(request, limit)
    if body.strip() and not is_json(request):
        # A form or text/plain POST from another site needs no CORS preflight; a JSON one does. Refusing anything
        # but JSON keeps other sites' pages from taking tickets or bookings in a visitor's browser.
        raise QueueError(
            "请求体须为 JSON（Content-Type: application/json）。",
            "Send the body as JSON (Content-Type: application/json).",
            "unsupported_media_type",
            415,
        )
    if not body.strip():
        if required:
            raise InvalidRequest(
                "请求体应为一个 JSON 对象。", "Send a JSON object as the request body.", "missing_body"
            )
        body = b"{}"
    decoder = DECODERS.get(kind)
    if decoder is None:
        decoder = DECODERS[kind] = msgspec.json.Decoder(kind)
    try:
        return decoder.decode(body)  # type: ignore[no-any-return]
    except msgspec.ValidationError as e:
        raise refused(str(e)) from None
    except msgspec.DecodeError as e:
        raise InvalidRequest(
            f"请求体不是有效的 JSON：{e}", f"The body is not valid JSON: {e}", "invalid_json", 400
        ) from None


YEARS = (2000, 2999)  # far dates overflow the day arithmetic, and hold no tickets or bookings


def calendar_day(text: str | None) -> date | None:
    """A ``YYYY-MM-DD`` date a client sent (ASCII digits, a year in :data:`YEARS`), or None."""
    if text is None or len(text) != 10 or not text.isascii():
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return day if YEARS[0] <= day.year <= YEARS[1] else None


CASE_NUMBER = re.compile(r"[A-Za-z0-9-]{1,40}")


def case_number(body: Complete) -> str:
    """The case number (办件编号) of a completion, '' for none; InvalidRequest if it is not 1 to 40 ASCII
    letters, digits or '-' (what a case-handling system prints, and nothing a screen could misread)."""
    text = body.case_number
    if text is None:
        return ""
    if not CASE_NUMBER.fullmatch(text):
        raise InvalidRequest(
            "办件编号应为 1 到 40 个英文字母、数字或 “-”。",
            "The case number must be 1 to 40 ASCII letters, digits or '-'.",
            "invalid_case_number",
        )
    return text


def is_json(request: Request) -> bool:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return media == "application/json"


def fingerprint(body: Body) -> dict[str, Any]:
    """The body as plain data, for the Idempotency-Key's record of what was asked."""
    data: dict[str, Any] = msgspec.to_builtins(body)
    return data


def too_large(limit: int = MAX_BODY) -> QueueError:
    return QueueError(
        f"请求体超过 {limit} 字节。", f"The request body is larger than {limit} bytes.", "body_too_large", 413
    )


def missing_field(name: str) -> InvalidRequest:
    return InvalidRequest(f"缺少字段 {name!r}。", f"The field {name!r} is required.", "missing_field")


def refused(fault: str) -> InvalidRequest:
    """msgspec's account of a bad body, as the API's error: which field, and what is wrong with it."""
    if m := re.match(r"Object contains unknown field `(.+?)`", fault):
        name = m[1]
        return InvalidRequest(f"未知字段 {name!r}。", f"Unknown field {name!r}.", "unknown_field")
    if m := re.match(r"Object missing required field `(.+?)`", fault):
        return missing_field(m[1])
    at = re.search(r" - at `\$\.?(.*)`$", fault)
    field = at[1] if at else ""
    if not field:
        return InvalidRequest("请求体必须是 JSON 对象。", "The body must be a JSON object.", "invalid_body")
    if fault.startswith("Expected") and ", got `null`" in fault:
        return missing_field(field)
    what = fault.split(" - at ")[0].replace("`", "")
    return InvalidRequest(
        f"字段 {field!r} 的值不对（{what}）。", f"The field {field!r} is not valid: {what}.", "invalid_field"
    )
