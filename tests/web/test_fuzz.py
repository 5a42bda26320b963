"""Bad input never gives a 5xx: the causes found by fuzzing, each pinned, and a property-based fuzz test that
sends thousands of made-up requests to every route of the OpenAPI document and fails on any 5xx or on any
traceback the server logs."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from redis import Redis as SyncRedis
from starlette.testclient import TestClient

from queue_server.config.loader import load_halls
from queue_server.runtime.clock import Clock
from queue_server.server.app import create_app

SHANGHAI = ZoneInfo("Asia/Shanghai")
ADMIN = {"Authorization": "Bearer supervisor-secret"}
EXAMPLES_PER_OPERATION = 60  # ~40 operations: over 2,000 requests in all


class Tracebacks(logging.Handler):
    """Every log record that carries an exception: the server's own account of a failure."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info or record.levelno >= logging.ERROR:
            self.records.append(record)


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[tuple[TestClient, Tracebacks]]:
    SyncRedis.from_url(redis_url).flushall()
    config = Path(__file__).resolve().parent.parent.parent / "config"
    clock = Clock(datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI))
    app = create_app(load_halls(config), redis_url, clock, "supervisor-secret", background=False)
    watch = Tracebacks()
    logging.getLogger().addHandler(watch)
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            yield client, watch
    finally:
        logging.getLogger().removeHandler(watch)


def assert_no_5xx(client: TestClient, watch: Tracebacks, method: str, url: str, **kwargs: Any) -> int:
    before = len(watch.records)
    answer = client.request(method, url, **kwargs)
    assert answer.status_code < 500, f"{method} {url} {kwargs} -> {answer.status_code} {answer.text[:300]}"
    logged = [r.getMessage() for r in watch.records[before:]]
    assert logged == [], f"{method} {url} {kwargs} logged {logged}"
    return answer.status_code


@pytest.mark.parametrize(
    ("method", "path", "body", "headers"),
    [
        pytest.param("POST", "/api/halls/demo/tickets", b"[" * 15_000, {}, id="15000-brackets"),
        pytest.param("POST", "/api/halls/demo/tickets", b'{"service": ' + b"9" * 5000 + b"}", {}, id="huge-integer"),
        pytest.param("POST", "/api/halls/demo/windows/%C2%B3/call-next", None, ADMIN, id="superscript-window"),
        pytest.param("POST", "/api/halls/demo/windows/%E2%91%A0/call-next", None, ADMIN, id="circled-window"),
        pytest.param(
            "POST",
            "/api/halls/demo/sign-in",
            b'{"username": "w01", "password": "\\udfff", "window": 1}',
            {},
            id="lone-surrogate-password",
        ),
        pytest.param("GET", "/api/halls/demo/stats?date=9999-12-31", None, ADMIN, id="last-date"),
        pytest.param("GET", "/api/halls/demo/stats?from=0001-01-01&to=0001-01-02", None, ADMIN, id="first-date"),
        pytest.param("GET", "/api/halls/demo/slots?service=B&date=9999-12-31", None, {}, id="slots-last-date"),
    ],
)
def test_the_inputs_fuzzing_found_are_refused_plainly(
    fuzzed: tuple[TestClient, Tracebacks], method: str, path: str, body: bytes | None, headers: dict[str, str]
) -> None:
    client, watch = fuzzed
    headers = {"Content-Type": "application/json", **headers}
    status = assert_no_5xx(client, watch, method, path, content=body, headers=headers)
    assert 400 <= status < 500


def test_an_arabic_indic_digit_is_not_window_3(fuzzed: tuple[TestClient, Tracebacks]) -> None:
    client, _ = fuzzed
    answer = client.post(f"/api/halls/demo/windows/{quote('٣')}/pause", headers=ADMIN)
    assert (answer.status_code, answer.json()["error"]) == (404, "unknown_window")


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    """Every operation of the document but the WebSocket channels (their own tests drive them)."""
    config = Path(__file__).resolve().parent.parent.parent / "config"
    app = create_app(
        load_halls(config), "redis://127.0.0.1:1", Clock(datetime(2026, 12, 1, tzinfo=SHANGHAI)), background=False
    )
    from queue_server.web.openapi import document

    doc = document(app.routes)
    return [
        (method, path, op)
        for path, item in doc["paths"].items()
        for method, op in item.items()
        if "101" not in op["responses"]
    ]


OPERATIONS = operations()

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
FIELDS = ["service", "priority", "username", "password", "window", "date", "slot", "name", "phone", "seconds"]
BODIES = st.one_of(
    st.dictionaries(st.sampled_from(FIELDS), JSON_VALUES, max_size=6).map(lambda d: json.dumps(d).encode()),
    JSON_VALUES.map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=64),
)
SEGMENTS = st.one_of(
    st.sampled_from(["demo", "allday", "1", "4", "13", "call-next", "pause", "12345678", "demo.x", "A"]),
    st.text(min_size=1, max_size=12),
)
QUERY_VALUES = st.one_of(
    st.sampled_from(["2026-12-05", "9999-12-31", "0001-01-01", "B", "json", "csv", "2026-11", "en", "上午"]),
    st.text(max_size=12),
)


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS, ids=[f"{m} {p}" for m, p, _ in OPERATIONS])
def test_no_made_up_request_gets_a_5xx(
    fuzzed: tuple[TestClient, Tracebacks], method: str, path: str, operation: dict[str, Any]
) -> None:
    client, watch = fuzzed
    names = [p["name"] for p in operation["parameters"] if p["in"] == "path"]
    queries = [p["name"] for p in operation["parameters"] if p["in"] == "query"]

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        segments=st.fixed_dictionaries({n: SEGMENTS for n in names}),
        query=st.fixed_dictionaries({}, optional={q: QUERY_VALUES for q in queries}),
        body=st.none() | BODIES,
        token=st.sampled_from([None, "supervisor-secret", "nonsense", "\u00ff" * 3]),
        media=st.sampled_from(["application/json"] * 4 + ["text/plain", "application/json; charset=utf-8", ""]),
    )
    def request(
        segments: dict[str, str], query: dict[str, str], body: bytes | None, token: str | None, media: str
    ) -> None:
        url = path
        for name, value in segments.items():
            url = url.replace("{" + name + "}", quote(value, safe=""))
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        headers = {k: v for k, v in headers.items() if v.isascii()}
        if media:
            headers["Content-Type"] = media
        assert_no_5xx(client, watch, method.upper(), url, params=query, content=body, headers=headers)

    request()


def test_the_fuzz_reaches_every_operation_with_over_2000_requests() -> None:
    documented = {(m, p) for m, p, _ in OPERATIONS}
    assert ("post", "/api/halls/{hall}/tickets") in documented and ("get", "/api/halls/{hall}/stats") in documented
    assert len(OPERATIONS) * EXAMPLES_PER_OPERATION >= 2000
