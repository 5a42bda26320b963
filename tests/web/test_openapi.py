"""The OpenAPI document and the API page: every route is in it, it is valid OpenAPI 3.1, the answers the server
really gives fit the types it declares, and every error code the server can answer is documented."""

from __future__ import annotations

import ast
import json
import re
import typing
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
import pytest
from openapi_spec_validator import validate
from redis import Redis as SyncRedis
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient

from queue_server.config.loader import load_halls
from queue_server.core import booking_records, errors, records
from queue_server.core.errors import SCRIPT_ERRORS, QueueError
from queue_server.runtime.clock import Clock
from queue_server.server.app import create_app
from queue_server.store import keys
from queue_server.web.edge_errors import EDGE_ERRORS
from queue_server.web.openapi import error_status

SHANGHAI = ZoneInfo("Asia/Shanghai")
FRIDAY_MORNING = datetime(2026, 12, 4, 10, 0, tzinfo=SHANGHAI)  # demo is open; the weekend can be booked
ADMIN = {"Authorization": "Bearer supervisor-secret"}
PACKAGE = Path(errors.__file__).resolve().parent.parent


@pytest.fixture
def client(redis_url: str, config_dir: Path) -> Iterator[TestClient]:
    SyncRedis.from_url(redis_url).flushall()
    app = create_app(
        load_halls(config_dir), redis_url, Clock(FRIDAY_MORNING), "supervisor-secret", background=False, test_hooks=True
    )
    with TestClient(app, client=("127.0.0.1", 50000)) as test_client:
        yield test_client


@pytest.fixture
def document(client: TestClient) -> dict[str, Any]:
    answer = client.get("/openapi.json")
    assert answer.status_code == 200
    doc: dict[str, Any] = answer.json()
    return doc


def test_the_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_every_route_of_the_app_is_in_the_document(client: TestClient, document: dict[str, Any]) -> None:
    routes = [r for r in client.app.routes if isinstance(r, Route | WebSocketRoute)]  # type: ignore[attr-defined]
    assert len(routes) > 30
    methods: dict[str, set[str]] = {}
    for route in routes:
        methods.setdefault(route.path, set()).update(m.lower() for m in getattr(route, "methods", None) or {"GET"})
    for path, answered in methods.items():
        assert path in document["paths"], f"{path} is missing"
        assert answered - {"head"} == set(document["paths"][path]), path


def test_bodies_answers_and_errors_come_from_the_types(document: dict[str, Any]) -> None:
    take = document["paths"]["/api/halls/{hall}/tickets"]["post"]
    body = take["requestBody"]["content"]["application/json"]["schema"]
    assert body["$ref"] == "#/components/schemas/TakeTicket"
    schemas = document["components"]["schemas"]
    assert schemas["TakeTicket"]["required"] == ["service"]
    assert set(schemas["TakeTicket"]["properties"]) == {"service", "priority"}
    assert take["responses"]["201"]["content"]["application/json"]["schema"]["$ref"].endswith("/Ticket")
    assert set(take["responses"]["409"]["content"]["application/json"]["examples"]) == {
        "closed",
        "issuing_closed",
        "ticket_held",
        "walk_ins_only",
    }
    assert set(schemas["Ticket"]["properties"]) == set(typing.get_type_hints(records.Ticket))
    call = document["paths"]["/api/halls/{hall}/windows/{window}/{action}"]["post"]
    assert call["security"] == [{"bearer": []}]
    assert "window_paused" in call["responses"]["409"]["content"]["application/json"]["examples"]


def fits(kind: Any, data: Any) -> None:
    """``data`` is exactly what ``kind`` declares: every field it needs, of its type, and none it does not know."""
    msgspec.convert(data, kind)
    no_unknown_fields(kind, data, "$")


def no_unknown_fields(kind: Any, data: Any, where: str) -> None:
    if typing.is_typeddict(kind) and isinstance(data, dict):
        hints = typing.get_type_hints(kind)
        for key, value in data.items():
            assert key in hints, f"{where}.{key} is not declared in {kind.__name__}"
            no_unknown_fields(hints[key], value, f"{where}.{key}")
    elif isinstance(data, list):
        for i, item in enumerate(data):
            for inner in typing.get_args(kind) or (kind,):
                no_unknown_fields(inner, item, f"{where}[{i}]")
    else:
        for inner in typing.get_args(kind):  # X | None
            no_unknown_fields(inner, data, where)


def test_the_answers_fit_their_declared_types(client: TestClient) -> None:
    issued = client.post("/api/halls/demo/tickets", json={"service": "B"})
    assert issued.status_code == 201
    fits(records.Ticket, issued.json())
    fits(records.Ticket, client.get(f"/api/tickets/{issued.json()['id']}").json())
    called = client.post("/api/halls/demo/windows/4/call-next", headers=ADMIN)
    fits(records.WindowActionAnswer, called.json())
    assert called.json()["ticket"]["state"] == "called"
    fits(records.WindowActionAnswer, client.post("/api/halls/demo/windows/4/recall", headers=ADMIN).json())
    fits(records.WindowActionAnswer, client.post("/api/halls/demo/windows/4/skip", headers=ADMIN).json())
    fits(records.TicketAnswer, client.post(f"/api/tickets/{issued.json()['id']}/requeue", headers=ADMIN).json())
    fits(records.WindowActionAnswer, client.post("/api/halls/demo/windows/4/pause", headers=ADMIN).json())
    fits(records.WindowActionAnswer, client.post("/api/halls/demo/windows/4/resume", headers=ADMIN).json())
    fits(
        records.TidalAnswer,
        client.post("/api/halls/demo/windows/13/tidal", headers=ADMIN, json={"service": "C"}).json(),
    )
    snapshot = client.get("/api/halls/demo").json()
    fits(records.Snapshot, snapshot)
    assert any(w["switched_to"] for w in snapshot["windows"])  # the switch is in the snapshot's types too
    booking = client.post(
        "/api/halls/demo/bookings",
        json={"service": "B", "date": "2026-12-05", "slot": "09:00", "name": "张三", "phone": "13800001234"},
    )
    assert booking.status_code == 201
    fits(booking_records.Booking, booking.json())
    digits = {"X-Phone-Last4": "1234"}
    fits(
        booking_records.Booking, client.get(f"/api/halls/demo/bookings/{booking.json()['code']}", headers=digits).json()
    )
    fits(booking_records.BookingDays, client.get("/api/halls/demo/booking-days").json())
    fits(booking_records.DaySlots, client.get("/api/halls/demo/slots?service=B&date=2026-12-05").json())
    fits(
        booking_records.Booking,
        client.delete(f"/api/halls/demo/bookings/{booking.json()['code']}", headers=digits).json(),
    )
    fits(records.HallList, client.get("/api/halls").json())
    fits(records.Health, client.get("/api/health").json())
    signed = client.post("/api/halls/demo/sign-in", json={"username": "w04", "password": "tidequeue", "window": 4})
    fits(records.SignedIn, signed.json())
    token = {"Authorization": f"Bearer {signed.json()['token']}"}
    fits(records.WhoAmI, client.get("/api/halls/demo/whoami", headers=token).json())
    fits(records.SignedOut, client.post("/api/halls/demo/sign-out", headers=token).json())
    refused = client.post("/api/halls/demo/tickets", json={"service": "Z"})
    fits(records.Error, refused.json())


def constructed_codes() -> dict[str, int]:
    """Every error code the server's code constructs, with the status it comes with."""
    kinds = {name: value for name, value in vars(errors).items() if isinstance(value, type)}
    found: dict[str, int] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in kinds):
                continue
            kind = kinds[node.func.id]
            if not issubclass(kind, QueueError):
                continue
            args: dict[int | str | None, ast.expr] = dict(enumerate(node.args))
            args.update((k.arg, k.value) for k in node.keywords)
            code = args.get(2, args.get("code"))
            status = args.get(3, args.get("status"))
            if code is not None and not isinstance(code, ast.Constant):
                continue  # a code chosen at run time (admission's closed / issuing_closed): documented by hand
            name = code.value if isinstance(code, ast.Constant) else kind.code
            found[str(name)] = status.value if isinstance(status, ast.Constant) else kind.status  # type: ignore[assignment]
    return found


@pytest.mark.parametrize(("code", "status"), sorted(constructed_codes().items()))
def test_every_error_the_server_makes_is_documented_with_its_status(code: str, status: int) -> None:
    assert code in EDGE_ERRORS or code in SCRIPT_ERRORS, f"{code} is not in edge_errors.EDGE_ERRORS"
    assert error_status(code) == status


def test_every_documented_error_is_answered_by_some_route(document: dict[str, Any]) -> None:
    answered = set()
    for item in document["paths"].values():
        for op in item.values():
            for response in op["responses"].values():
                answered |= set(response.get("content", {}).get("application/json", {}).get("examples", {}))
    unused = set(EDGE_ERRORS) - answered - {"not_found", "method_not_allowed", "internal_error", "store_unavailable"}
    assert unused == set()


@pytest.mark.parametrize(("lang", "words"), [("zh", "接口说明"), ("en", "tidequeue API")])
def test_the_api_page_shows_every_operation(
    client: TestClient, document: dict[str, Any], lang: str, words: str
) -> None:
    page = client.get(f"/api/docs?lang={lang}")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert words in page.text
    for path in document["paths"]:
        assert f"<code>{path}</code>" in page.text
    assert re.search(r"<code>issuing_closed</code></td><td>Past today", page.text)
    assert 'id="schema-Ticket"' in page.text


def test_the_events_of_a_busy_morning_fit_the_event_type(client: TestClient, redis_url: str) -> None:
    """Every kind of event the channels deliver is declared, with its fields (the WebSocket channel's schema)."""
    client.post("/api/halls/demo/tickets", json={"service": "B"})
    client.post("/api/halls/demo/tickets", json={"service": "B", "priority": True}, headers=ADMIN)
    for action in ("call-next", "recall", "skip"):
        skipped = client.post(f"/api/halls/demo/windows/4/{action}", headers=ADMIN).json()["ticket"]
    assert client.post(f"/api/tickets/{skipped['id']}/requeue", headers=ADMIN).status_code == 200
    for action in ("call-next", "complete", "pause", "resume"):
        client.post(f"/api/halls/demo/windows/4/{action}", headers=ADMIN)
    client.post("/api/halls/demo/windows/4/call-next", headers=ADMIN)
    client.post("/api/halls/demo/windows/4/transfer", headers=ADMIN, json={"service": "A"})
    client.post("/api/halls/demo/windows/13/tidal", headers=ADMIN, json={"service": "C"})
    client.delete("/api/halls/demo/windows/13/tidal", headers=ADMIN)
    booked = client.post(
        "/api/halls/demo/bookings",
        json={"service": "B", "date": "2026-12-05", "slot": "09:00", "name": "张三", "phone": "1234"},
    ).json()
    client.delete(f"/api/halls/demo/bookings/{booked['code']}", headers={"X-Phone-Last4": "1234"})
    redis = SyncRedis.from_url(redis_url, decode_responses=True)
    entries = typing.cast(list[tuple[str, dict[str, str]]], redis.xrange(keys.events("demo")))
    redis.close()
    kinds = set()
    for event_id, fields in entries:
        event = {**json.loads(fields["data"]), "event_id": event_id}
        fits(records.Event, event)
        kinds.add(event["type"])
    assert {"issued", "called", "recalled", "skipped", "requeued", "completed", "paused", "resumed"} <= kinds
    assert {"transferred", "tidal_opened", "tidal_closed", "booked", "booking_cancelled"} <= kinds
