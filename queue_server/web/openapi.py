"""The OpenAPI 3.1 document of the server, generated from the routes and the declared types, and its page.

Each endpoint says what it takes and answers with :func:`documented` (request body type, answer types, error
codes, who may call it); the schemas come from the same msgspec types that check the bodies
(:mod:`queue_server.web.bodies`) and describe the records (:mod:`queue_server.core.records`), so the document
cannot drift from the code. ``GET /openapi.json`` serves it; ``GET /api/docs`` renders it as a page from the
package's own template (no CDN).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from starlette.convertors import IntegerConvertor
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute

from queue_server.core.errors import SCRIPT_ERRORS
from queue_server.core.records import Error, schema_of
from queue_server.web.bodies import MAX_BODY, Empty
from queue_server.web.templating import templates

VERSION = "0.1.0"
JSON = "application/json"

# Every error code the edge itself answers with (the scripts' codes come from SCRIPT_ERRORS): its status and
# when it happens. A test holds every error the server constructs to this table.
EDGE_ERRORS: dict[str, tuple[int, str]] = {
    "missing_body": (422, "The request needs a JSON object as its body."),
    "invalid_json": (400, "The body is not valid JSON."),
    "invalid_body": (422, "The body is not a JSON object (or not the one expected)."),
    "unknown_field": (422, "The body has a field this request does not take."),
    "missing_field": (422, "A required field (or query parameter) is absent or null."),
    "invalid_field": (422, "A field has the wrong type or length."),
    "body_too_large": (413, f"The body is larger than {MAX_BODY} bytes."),
    "unsupported_media_type": (415, "A body not sent as application/json (forms and text/plain are refused)."),
    "bad_idempotency_key": (400, "The Idempotency-Key header is not 1 to 255 printable ASCII characters."),
    "unknown_hall": (404, "No hall with that id."),
    "unknown_window": (404, "No window with that number in the hall."),
    "unknown_action": (404, "No such window action."),
    "unknown_chart": (404, "No chart of that name."),
    "not_found": (404, "No such page or API path."),
    "method_not_allowed": (405, "The path does not accept that method."),
    "missing_token": (401, "The request needs 'Authorization: Bearer <token>'."),
    "bad_token": (401, "The token is not valid, or has expired."),
    "bad_credentials": (401, "Wrong username or password."),
    "too_many_tickets": (429, "An anonymous client (not a kiosk of the hall) took too many tickets this hour."),
    "bad_ticket_key": (403, "Rating from a phone needs the visitor's own ticket key (X-Ticket-Key), from the QR code."),
    "too_many_channels": (429, "This address holds too many live channels (WebSocket close code 4429); close some."),
    "too_many_lookups": (429, "Too many unknown booking codes from this address this hour: wait Retry-After s."),
    "missing_phone_digits": (422, "The X-Phone-Last4 header (the booking phone's last 4 digits) is absent."),
    "invalid_phone_digits": (422, "The X-Phone-Last4 header is not 4 digits."),
    "too_many_sign_ins": (429, "Too many wrong passwords for this username or from this address: wait Retry-After s."),
    "wrong_window": (403, "The clerk is signed in at another window, or may not sign in at this one."),
    "not_on_rota": (
        403,
        "Today's published rota (排班) has no post for the clerk at this window: a supervisor edits it.",
    ),
    "off_duty": (403, "The published rota does not have this back-office clerk on back-office duty now."),
    "no_rota": (404, "No rota is kept for that month: make one first (POST …/rota/generate)."),
    "rota_changed": (409, "The rota was changed by someone else meanwhile: reload it and make the change again."),
    "supervisors_only": (403, "Only a supervisor's token may do this."),
    "priority_staff_only": (403, "A priority ticket (绿色通道) without a staff token: only staff issue them."),
    "invalid_case_number": (422, "The case number (办件编号) is not 1 to 40 ASCII letters, digits or '-'."),
    "invalid_number": (422, "A ticket number is not 1 to 12 ASCII letters and digits (e.g. A012)."),
    "unknown_number": (404, "No ticket with that number today."),
    "ticket_number_mismatch": (422, "The ticket id and the number given name different tickets."),
    "not_a_tidal_window": (409, "The window is not a tidal window."),
    "reserve_only": (403, "Only back-office staff (role reserve) may accept alerts; supervisors may also list them."),
    "missing_skill": (403, "The back-office clerk's skills do not cover the alert's category."),
    "closed": (409, "The category is outside its sessions; the answer says when it opens next."),
    "issuing_closed": (409, "Past today's cut-off: the line would not be served before closing."),
    "no_appointments": (404, "The hall, or that category on that day, takes no bookings."),
    "invalid_date": (422, "The date is not written YYYY-MM-DD."),
    "unknown_slot": (422, "No slot starts at that time on that day; the answer lists the slots."),
    "too_far_ahead": (422, "The day is further ahead than bookings open."),
    "invalid_name": (422, "The name is empty, too long or has control characters."),
    "invalid_phone": (422, "The phone is not 4 to 15 digits."),
    "booking_closed": (409, "Booking for that day has closed; the answer says when."),
    "bad_date": (422, "A statistics date is not written YYYY-MM-DD."),
    "bad_range": (422, "The statistics range is not one date, or from and to in order."),
    "range_too_long": (422, "The statistics range is longer than tickets are kept."),
    "unknown_session": (422, "The hall has no session of that name."),
    "bad_format": (422, "The statistics format is neither json nor csv."),
    "invalid_month": (422, "The month is not written YYYY-MM."),
    "invalid_quarter": (422, "The quarter is not written YYYY-Qn (e.g. 2026-Q4)."),
    "rota_violation": (422, "A hand edit of the rota breaks a rule it kept; the answer lists each (nothing saved)."),
    "unknown_clerk": (404, "No clerk of that username in the hall's rota."),
    "invalid_time_off": (422, "A time-off request names no rostered clerk, or its days are not in order."),
    "unknown_time_off": (404, "No time-off request with that id."),
    "invalid_lieu_entry": (422, "调休 entered for no clerk at windows, a date not YYYY-MM-DD, or not 1 to 1440 min."),
    "unknown_lieu_entry": (404, "No entry of time off in lieu taken with that id."),
    "date_out_of_range": (422, "The forecast's date is more than 62 days from today; the answer gives the range."),
    "invalid_level": (422, "The rating level is not a whole number from 1 to 5."),
    "unknown_reason": (422, "A reason is not one of core.ratings.REASONS; the answer lists them."),
    "reason_required": (422, "A 差评 (level 2 or 1) needs at least one reason."),
    "reasons_not_allowed": (422, "Reasons are given with a 差评 (level 2 or 1) only."),
    "comment_too_long": (422, "The comment is longer than 200 characters."),
    "missing_device_token": (401, "The evaluator device sent no X-Device-Token."),
    "wrong_device_token": (403, "The X-Device-Token is not this window's evaluator's."),
    "unknown_state": (422, "No such 差评 case state (to_verify, rectifying, revisited, closed)."),
    "internal_error": (500, "The server failed; check the ticket or window before trying again."),
    "store_unavailable": (503, "Redis cannot be reached; try again in a moment."),
    "metrics_forbidden": (403, "GET /metrics from outside the halls' trusted networks without the supervisors' token."),
}


def error_status(code: str) -> int:
    """The HTTP status an error code comes with."""
    if code in EDGE_ERRORS:
        return EDGE_ERRORS[code][0]
    kind = SCRIPT_ERRORS[code][0]
    return int(kind.status)


def error_text(code: str) -> str:
    if code in EDGE_ERRORS:
        return EDGE_ERRORS[code][1]
    return SCRIPT_ERRORS[code][2]


# The errors an operation answers because of what it takes, added to those it lists itself.
BODY_ERRORS = (
    "missing_body", "invalid_json", "invalid_body", "unknown_field", "missing_field", "invalid_field", "body_too_large",
    "unsupported_media_type",
)  # fmt: skip
EMPTY_BODY_ERRORS = ("invalid_json", "invalid_body", "unknown_field", "body_too_large", "unsupported_media_type")
TOKEN_ERRORS = ("missing_token", "bad_token")
IDEMPOTENCY_ERRORS = ("bad_idempotency_key", "idempotency_key_reused")


@dataclass(frozen=True)
class Operation:
    """What one method of one route takes and answers."""

    summary: str
    body: Any = None  # a request body type
    body_required: bool = True  # False: the body may be left out (Empty bodies never need one)
    answers: Mapping[int, Any] = field(default_factory=dict)  # status -> type, or a media type for non-JSON
    errors: tuple[str, ...] = ()
    caller: str | None = None  # None: anyone; "clerk": a clerk or a supervisor; "supervisor"
    query: Mapping[str, str] = field(default_factory=dict)  # name -> description
    headers: Mapping[str, str] = field(default_factory=dict)  # request header name -> description
    idempotent: bool = False  # takes an Idempotency-Key
    description: str = ""

    def __post_init__(self) -> None:
        if isinstance(self.errors, str):  # ("code") is a string, not a tuple of one
            raise TypeError(f"{self.summary!r}: errors must be a tuple of codes, got {self.errors!r}")

    @property
    def all_errors(self) -> tuple[str, ...]:
        """The errors it lists, and those that come with its body, its caller and its Idempotency-Key."""
        implied: tuple[str, ...] = ()
        if self.body is Empty:
            implied += EMPTY_BODY_ERRORS
        elif self.body is not None:
            implied += BODY_ERRORS
        if self.caller:
            implied += TOKEN_ERRORS + (("supervisors_only",) if self.caller == "supervisor" else ())
        if self.idempotent:
            implied += IDEMPOTENCY_ERRORS
        return tuple(dict.fromkeys(self.errors + implied))


E = TypeVar("E", bound=Callable[..., Any])


def documented(method: str, summary: str, **details: Any) -> Callable[[E], E]:
    """Describe ``method`` of the endpoint below for the OpenAPI document (stack it for several methods)."""

    def attach(endpoint: E) -> E:
        operations: dict[str, Operation] = endpoint.__dict__.setdefault("openapi", {})
        operations[method.lower()] = Operation(summary, **details)
        return endpoint

    return attach


def operations_of(route: BaseRoute) -> dict[str, Operation]:
    operations: dict[str, Operation] = getattr(getattr(route, "endpoint", None), "openapi", {})
    return operations


def document(routes: Iterable[BaseRoute]) -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``routes``; every Route and WebSocketRoute must be :func:`documented`."""
    paths: dict[str, dict[str, Any]] = {}
    types: list[Any] = [Error]
    pending: list[tuple[dict[str, Any], Any]] = []  # (where a schema goes, its type)
    for route in routes:
        if not isinstance(route, Route | WebSocketRoute):
            continue
        operations = operations_of(route)
        if not operations:
            raise LookupError(f"{route.path} is not documented: give its endpoint @documented(...)")
        item = paths.setdefault(route.path, {})
        parameters = [
            {
                "name": name,
                "in": "path",
                "required": True,
                "schema": {"type": "integer" if isinstance(conv, IntegerConvertor) else "string"},
            }
            for name, conv in route.param_convertors.items()
        ]
        for method, op in operations.items():
            entry: dict[str, Any] = {
                "summary": op.summary,
                "operationId": f"{method}_{route.path}".replace("/", "_").replace("{", "").replace("}", ""),
                "tags": [_tag(route.path)],
                "parameters": parameters + _query_parameters(op),
                "responses": {},
            }
            if op.description:
                entry["description"] = op.description
            if isinstance(route, WebSocketRoute):
                entry["description"] = (op.description + " " if op.description else "") + (
                    "A WebSocket channel: connect with an Upgrade request; the server sends JSON messages."
                )
            if op.caller:
                entry["security"] = [{"bearer": []}]
                entry["x-caller"] = op.caller
            if op.body is not None:
                schema: dict[str, Any] = {}
                pending.append((schema, op.body))
                required = op.body_required and op.body is not Empty
                entry["requestBody"] = {"required": required, "content": {JSON: {"schema": schema}}}
                types.append(op.body)
            for status, answer in op.answers.items():
                if isinstance(answer, str):  # a media type: HTML pages, SVG, CSV
                    entry["responses"][str(status)] = {"description": answer.split(";")[0], "content": {answer: {}}}
                    continue
                schema = {}
                pending.append((schema, answer))
                types.append(answer)
                entry["responses"][str(status)] = {
                    "description": getattr(answer, "__doc__", None) or "OK",
                    "content": {JSON: {"schema": schema}},
                }
            by_status: dict[int, list[str]] = {}
            for code in dict.fromkeys(_path_errors(route.path) + op.all_errors):
                by_status.setdefault(error_status(code), []).append(code)
            for status, codes in sorted(by_status.items()):
                entry["responses"][str(status)] = {
                    "description": "; ".join(f"`{c}`: {error_text(c)}" for c in codes),
                    "content": {
                        JSON: {
                            "schema": {"$ref": "#/components/schemas/Error"},
                            "examples": {c: {"value": {"error": c}} for c in codes},
                        }
                    },
                }
            item[method] = entry
    schemas, components = schema_of(*types)
    by_type = dict(zip(types, schemas, strict=True))
    for target, kind in pending:
        target.update(by_type[kind])
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "tidequeue",
            "version": VERSION,
            "description": "Queue tickets and call numbers for government service halls (政务服务中心). Every "
            "error answers JSON with `error` (a stable code), `message` (Chinese) and `message_en` (English).",
        },
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A clerk's token from sign-in, or the supervisors' QUEUE_ADMIN_TOKEN",
                }
            },
        },
    }


# An API path that names a hall, a window or a ticket can name one that does not exist.
PATH_ERRORS = {"{hall}": "unknown_hall", "{window}": "unknown_window", "{ticket_id}": "unknown_ticket"}


def _path_errors(path: str) -> tuple[str, ...]:
    if not path.startswith("/api/"):  # pages answer an unknown hall with a page of their own
        return ()
    return tuple(code for part, code in PATH_ERRORS.items() if part in path)


def _query_parameters(op: Operation) -> list[dict[str, Any]]:
    found = [{"name": n, "in": "query", "schema": {"type": "string"}, "description": d} for n, d in op.query.items()]
    found += [
        {"name": n, "in": "header", "schema": {"type": "string"}, "description": d} for n, d in op.headers.items()
    ]
    if op.idempotent:
        found.append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "schema": {"type": "string", "minLength": 1, "maxLength": 255},
                "description": "Retry with the same key to get the first answer instead of acting twice",
            }
        )
    return found


def _tag(path: str) -> str:
    for prefix, tag in (
        ("/api/halls/{hall}/booking", "bookings"), ("/api/halls/{hall}/slots", "bookings"),
        ("/api/halls/{hall}/stats", "statistics"), ("/api/halls/{hall}/staff", "staff"),
        ("/api/halls/{hall}/forecast", "staff"), ("/api/halls/{hall}/rota", "staff"),
        ("/api/halls/{hall}/time-off", "staff"), ("/api/halls/{hall}/lieu", "staff"),
        ("/api/halls/{hall}/windows", "windows"), ("/api/halls/{hall}/sign", "clerks"),
        ("/api/halls/{hall}/tidal", "tidal"), ("/api/halls/{hall}/alerts", "tidal"),
        ("/api/halls/{hall}/whoami", "clerks"), ("/api/tickets", "tickets"), ("/api/halls", "halls"),
        ("/api", "server"), ("/ws", "channels"), ("/openapi", "server"), ("/_test", "tests"),
        ("/metrics", "server"),
    ):  # fmt: skip
        if path.startswith(prefix):
            return tag
    return "pages"


def _cached(request: Request) -> dict[str, Any]:
    state = request.app.state
    if getattr(state, "openapi", None) is None:
        state.openapi = document(request.app.routes)
    doc: dict[str, Any] = state.openapi
    return doc


def type_text(schema: Mapping[str, Any]) -> str:
    """A schema in a few words, for the page: ``string``, ``Ticket | null``, ``list of Window``."""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " | ".join(type_text(s) for s in schema["anyOf"])
    if "enum" in schema:
        return " | ".join(f'"{v}"' for v in schema["enum"])
    kind = schema.get("type", "any")
    if kind == "array":
        return f"list of {type_text(schema.get('items', {}))}"
    if kind == "object" and "additionalProperties" in schema:
        return f"map of {type_text(schema['additionalProperties'])}"
    return str(kind)


def page_view(doc: Mapping[str, Any]) -> dict[str, Any]:
    """What the API page shows: the operations grouped by tag, and every schema's fields."""
    tags: dict[str, list[dict[str, Any]]] = {}
    for path, item in doc["paths"].items():
        for method, op in item.items():
            body = op.get("requestBody", {}).get("content", {}).get(JSON, {}).get("schema")
            answers, errors = [], []
            for status, response in op["responses"].items():
                if "examples" in response.get("content", {}).get(JSON, {}):
                    errors += [(status, code, error_text(code)) for code in response["content"][JSON]["examples"]]
                    continue
                media, content = next(iter(response.get("content", {"": {}}).items()))
                schema = content.get("schema") if isinstance(content, dict) else None
                answers.append((status, type_text(schema) if schema else media))
            tags.setdefault(op["tags"][0], []).append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": op["summary"],
                    "description": op.get("description", ""),
                    "caller": op.get("x-caller"),
                    "parameters": [(p["in"], p["name"], p.get("description", "")) for p in op["parameters"]],
                    "body": type_text(body) if body else None,
                    "answers": answers,
                    "errors": errors,
                }
            )
    schemas = []
    for name, schema in doc["components"]["schemas"].items():
        required = set(schema.get("required", []))
        rows = [
            (field_name, type_text(prop), field_name in required, prop.get("description", ""))
            for field_name, prop in schema.get("properties", {}).items()
        ]
        schemas.append({"name": name, "description": schema.get("description", ""), "fields": rows})
    return {"tags": tags, "schemas": schemas, "schema_names": {s["name"] for s in schemas}}


@documented("get", "This document: OpenAPI 3.1, generated from the routes and their types", answers={200: dict})
async def openapi_json(request: Request) -> Response:
    return JSONResponse(_cached(request))


@documented("get", "The API reference as a page (中文/English), made from this document", answers={200: "text/html"})
async def api_page(request: Request) -> Response:
    lang = "en" if request.query_params.get("lang") == "en" else "zh"
    doc = _cached(request)
    values = {"doc": doc, "view": page_view(doc), "lang": lang}
    return templates.TemplateResponse(request, "api.html", values, headers={"Cache-Control": "no-store"})


routes: list[BaseRoute] = [Route("/openapi.json", openapi_json), Route("/api/docs", api_page)]
