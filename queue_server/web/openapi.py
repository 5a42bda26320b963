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
from queue_server.web.bodies import Empty
from queue_server.web.edge_errors import EDGE_ERRORS
from queue_server.web.templating import templates

VERSION = "0.1.0"
JSON = "application/json"


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
