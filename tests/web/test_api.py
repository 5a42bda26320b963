"""The HTTP API as a kiosk, a phone and a caller pad use it, including every kind of bad input."""

from __future__ import annotations

import hashlib
import json
import random
import string
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from redis import Redis
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from queue_server.config.loader import load_halls
from queue_server.runtime.clock import Clock
from queue_server.server.app import create_app
from tests.conftest import MORNING
from tests.history import check_history

ADMIN = {"Authorization": "Bearer supervisor-secret"}


@pytest.fixture
def sync_redis(redis_url: str) -> Iterator[Redis]:
    client = Redis.from_url(redis_url, decode_responses=True)
    client.flushall()
    yield client
    client.close()


@pytest.fixture
def client(sync_redis: Redis, redis_url: str, config_dir: Path) -> Iterator[TestClient]:
    app = create_app(load_halls(config_dir), redis_url, Clock(MORNING), admin_token="supervisor-secret")
    # A kiosk of the hall: on its LAN (the demo hall trusts this machine), so no anonymous limit applies.
    with TestClient(app, raise_server_exceptions=False, client=("127.0.0.1", 50000)) as c:
        yield c


def take(client: TestClient, service: str = "A", **extra: Any) -> dict[str, Any]:
    response = client.post("/api/halls/demo/tickets", json={"service": service, **extra})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def act(client: TestClient, window: int, action: str, headers: dict[str, str] = ADMIN, **body: Any) -> Any:
    return client.post(f"/api/halls/demo/windows/{window}/{action}", headers=headers, json=body or None)


def sign_in(client: TestClient, username: str, window: int, password: str = "tidequeue") -> Any:
    return client.post("/api/halls/demo/sign-in", json={"username": username, "password": password, "window": window})


def test_a_visitor_takes_a_ticket_and_is_called(client: TestClient) -> None:
    first = take(client)
    ticket = take(client)
    assert {"id", "number", "service", "ahead", "issued_at", "business_day"} <= set(ticket)
    assert (ticket["number"], ticket["service"], ticket["ahead"], ticket["business_day"]) == (
        "A002",
        "A",
        1,
        "2026-11-23",
    )
    status = client.get(f"/api/tickets/{ticket['id']}").json()
    assert (status["state"], status["ahead"]) == ("waiting", 1)

    called = act(client, 1, "call-next")
    assert called.status_code == 200
    assert called.json()["ticket"]["number"] == "A001"
    assert called.json()["ticket"]["window"] == 1
    assert client.get(f"/api/tickets/{ticket['id']}").json()["ahead"] == 0
    mine = client.get(f"/api/tickets/{first['id']}").json()
    assert (mine["state"], mine["window"]) == ("called", 1)

    assert act(client, 1, "complete").json()["ticket"]["state"] == "served"
    assert client.get(f"/api/tickets/{first['id']}").json()["state"] == "served"
    assert act(client, 2, "call-next").json()["ticket"]["number"] == "A002"
    assert act(client, 2, "call-next").json() == {"ticket": None}


def test_snapshot(client: TestClient) -> None:
    take(client, "A")
    take(client, "B", priority=True)
    act(client, 4, "call-next")
    act(client, 7, "pause")
    snapshot = client.get("/api/halls/demo").json()
    assert snapshot["hall"]["name"] == "滨江区政务服务中心"
    waiting = {c["code"]: c["waiting"] for c in snapshot["categories"]}
    assert waiting == {"A": 1, "B": 0, "C": 0, "D": 0, "E": 0, "F": 0, "G": 0}
    windows = {w["number"]: w for w in snapshot["windows"]}
    assert windows[4]["state"] == "serving" and windows[4]["ticket"]["number"] == "B001"
    assert windows[7]["state"] == "paused" and windows[1]["state"] == "idle"
    assert [w["number"] for w in snapshot["windows"] if w["tidal"]] == [13, 14]
    assert snapshot["latest_calls"][0]["number"] == "B001"
    assert snapshot["last_event_id"] != "0-0"


def test_every_window_action(client: TestClient) -> None:
    skipped = take(client, "A")
    take(client, "A")
    act(client, 1, "call-next")
    assert act(client, 1, "recall").json()["ticket"]["recalls"] == 1
    assert act(client, 1, "skip").json()["ticket"]["state"] == "skipped"
    requeued = client.post(f"/api/tickets/{skipped['id']}/requeue", headers=ADMIN)
    assert requeued.status_code == 200 and requeued.json()["ticket"]["state"] == "waiting"
    act(client, 1, "call-next")
    moved = act(client, 1, "transfer", service="B").json()["ticket"]
    assert (moved["service"], moved["transferred_from"], moved["state"]) == ("B", "A", "waiting")
    assert client.get(f"/api/tickets/{moved['id']}").json()["transferred_from"] == "A"
    assert act(client, 1, "pause").json() == {"window": {"number": 1, "state": "paused"}}
    assert act(client, 1, "resume").json() == {"window": {"number": 1, "state": "open"}}


ERRORS = [
    # (method, path, body, headers, status, code)
    ("GET", "/api/halls/nowhere", None, {}, 404, "unknown_hall"),
    ("POST", "/api/halls/nowhere/tickets", {"service": "A"}, {}, 404, "unknown_hall"),
    ("POST", "/api/halls/demo/tickets", {"service": "Z"}, {}, 404, "unknown_service"),
    ("POST", "/api/halls/demo/tickets", {"service": "a"}, {}, 404, "unknown_service"),
    ("POST", "/api/halls/demo/tickets", {}, {}, 422, "missing_field"),
    ("POST", "/api/halls/demo/tickets", {"service": 1}, {}, 422, "invalid_field"),
    ("POST", "/api/halls/demo/tickets", {"service": "A", "priority": "yes"}, {}, 422, "invalid_field"),
    ("POST", "/api/halls/demo/tickets", {"service": "A", "prority": True}, {}, 422, "unknown_field"),
    ("POST", "/api/halls/demo/tickets", [1, 2], {}, 422, "invalid_body"),
    ("POST", "/api/halls/demo/tickets", b"{not json", {}, 400, "invalid_json"),
    ("POST", "/api/halls/demo/tickets", b"\xff\xfe", {}, 400, "invalid_json"),
    ("POST", "/api/halls/demo/tickets", b"", {}, 422, "missing_body"),
    ("POST", "/api/halls/demo/tickets", b'{"service": "' + b"A" * 20000 + b'"}', {}, 413, "body_too_large"),
    (
        "POST",
        "/api/halls/demo/tickets",
        {"service": "A"},
        {"Idempotency-Key": ""},
        400,
        "bad_idempotency_key",
    ),
    (
        "POST",
        "/api/halls/demo/tickets",
        {"service": "A"},
        {"Idempotency-Key": "x" * 300},
        400,
        "bad_idempotency_key",
    ),
    ("GET", "/api/tickets/demo.doesnotexist", None, {}, 404, "unknown_ticket"),
    ("GET", "/api/tickets/garbage", None, {}, 404, "unknown_ticket"),
    ("GET", "/api/tickets/nowhere.abc", None, {}, 404, "unknown_ticket"),
    ("POST", "/api/tickets/demo.doesnotexist/requeue", None, ADMIN, 404, "unknown_ticket"),
    ("POST", "/api/halls/demo/windows/99/call-next", None, ADMIN, 404, "unknown_window"),
    ("POST", "/api/halls/demo/windows/abc/call-next", None, ADMIN, 404, "unknown_window"),
    ("POST", "/api/halls/demo/windows/-1/call-next", None, ADMIN, 404, "unknown_window"),
    ("POST", "/api/halls/demo/windows/1/dance", None, ADMIN, 404, "unknown_action"),
    ("POST", "/api/halls/demo/windows/1/transfer", {"service": "Q"}, ADMIN, 404, "unknown_service"),
    ("POST", "/api/halls/demo/windows/1/transfer", None, ADMIN, 422, "missing_body"),
    ("POST", "/api/halls/demo/windows/1/call-next", {"extra": 1}, ADMIN, 422, "unknown_field"),
    ("POST", "/api/halls/demo/windows/1/recall", None, ADMIN, 409, "no_current_ticket"),
    ("POST", "/api/halls/demo/windows/1/skip", None, ADMIN, 409, "no_current_ticket"),
    ("POST", "/api/halls/demo/windows/1/complete", None, ADMIN, 409, "no_current_ticket"),
    ("POST", "/api/halls/demo/windows/1/resume", None, ADMIN, 409, "window_not_paused"),
    ("POST", "/api/halls/demo/windows/1/call-next", None, {}, 401, "missing_token"),
    (
        "POST",
        "/api/halls/demo/windows/1/call-next",
        None,
        {"Authorization": "Bearer wrong"},
        401,
        "bad_token",
    ),
    ("POST", "/api/halls/demo/windows/1/call-next", None, {"Authorization": "Basic abc"}, 401, "bad_token"),
    ("DELETE", "/api/halls/demo/tickets", None, {}, 405, "method_not_allowed"),
    ("GET", "/api/nothing-here", None, {}, 404, "not_found"),
    (
        "POST",
        "/api/halls/demo/sign-in",
        {"username": "w01", "password": "nope", "window": 1},
        {},
        401,
        "bad_credentials",
    ),
    (
        "POST",
        "/api/halls/demo/sign-in",
        {"username": "ghost", "password": "tidequeue", "window": 1},
        {},
        401,
        "bad_credentials",
    ),
    (
        "POST",
        "/api/halls/demo/sign-in",
        {"username": "w01", "password": "tidequeue", "window": 2},
        {},
        403,
        "wrong_window",
    ),
    (
        "POST",
        "/api/halls/demo/sign-in",
        {"username": "w01", "password": "tidequeue", "window": 77},
        {},
        404,
        "unknown_window",
    ),
    (
        "POST",
        "/api/halls/demo/sign-in",
        {"username": "w01", "password": "tidequeue", "window": "1"},
        {},
        422,
        "invalid_field",
    ),
]


@pytest.mark.parametrize(("method", "path", "body", "headers", "status", "code"), ERRORS)
def test_errors_are_json_with_a_stable_code(
    client: TestClient, method: str, path: str, body: Any, headers: dict[str, str], status: int, code: str
) -> None:
    content = body if isinstance(body, bytes) else (json.dumps(body).encode() if body is not None else None)
    response = client.request(method, path, content=content, headers={"Content-Type": "application/json", **headers})
    assert (response.status_code, response.json()["error"]) == (status, code), response.text
    assert response.json()["message"]


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("text/plain", b'{"service": "A"}'),  # what a form on another site can send without asking first
        ("application/x-www-form-urlencoded", b"service=A"),
        ("multipart/form-data; boundary=x", b'--x\r\nContent-Disposition: form-data; name="service"\r\n\r\nA\r\n--x--'),
        (None, b'{"service": "A"}'),
    ],
)
def test_a_post_that_is_not_json_takes_no_ticket(client: TestClient, content_type: str | None, body: bytes) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.post("/api/halls/demo/tickets", content=body, headers=headers)
    assert (response.status_code, response.json()["error"]) == (415, "unsupported_media_type")
    assert client.get("/api/halls/demo").json()["categories"][0]["waiting"] == 0  # nothing was taken
    booking = client.post("/api/halls/demo/bookings", content=body, headers=headers)
    assert booking.status_code == 415


def test_a_paused_window_answers_409(client: TestClient) -> None:
    take(client)
    act(client, 1, "pause")
    response = act(client, 1, "call-next")
    assert (response.status_code, response.json()["error"]) == (409, "window_paused")
    assert act(client, 1, "pause").status_code == 409


def test_requeue_of_a_ticket_that_was_not_skipped_is_409(client: TestClient) -> None:
    ticket = take(client)
    response = client.post(f"/api/tickets/{ticket['id']}/requeue", headers=ADMIN)
    assert (response.status_code, response.json()["error"]) == (409, "ticket_not_skipped")


def test_a_clerk_acts_at_their_own_window_only(client: TestClient) -> None:
    take(client)
    signed = sign_in(client, "w01", 1)
    assert signed.status_code == 200
    assert signed.json()["clerk"]["name"] == "1号窗口"
    mine = {"Authorization": f"Bearer {signed.json()['token']}"}
    assert act(client, 1, "call-next", headers=mine).json()["ticket"]["number"] == "A001"
    other = act(client, 2, "call-next", headers=mine)
    assert (other.status_code, other.json()["error"]) == (403, "wrong_window")
    # the token belongs to this hall only
    elsewhere = client.post("/api/halls/allday/windows/1/call-next", headers=mine)
    assert elsewhere.status_code == 401
    # any clerk of the hall may take back a skipped visitor
    ticket_id = act(client, 1, "skip", headers=mine).json()["ticket"]["id"]
    assert client.post(f"/api/tickets/{ticket_id}/requeue", headers=mine).status_code == 200
    assert client.post("/api/halls/demo/sign-out", headers=mine).json() == {"signed_out": True}
    assert act(client, 1, "call-next", headers=mine).status_code == 401


def test_whoami_tells_a_pad_where_its_token_may_act(client: TestClient) -> None:
    token = {"Authorization": f"Bearer {sign_in(client, 'w05', 5).json()['token']}"}
    assert client.get("/api/halls/demo/whoami?window=5", headers=token).json() == {
        "name": "w05", "window": 5, "supervisor": False,
    }  # fmt: skip
    assert client.get("/api/halls/demo/whoami?window=6", headers=token).status_code == 403
    assert client.get("/api/halls/demo/whoami?window=66", headers=token).status_code == 404
    assert client.get("/api/halls/demo/whoami", headers=ADMIN).json()["supervisor"] is True
    assert client.get("/api/halls/demo/whoami").status_code == 401


def test_a_floating_clerk_may_sign_in_at_any_window(client: TestClient) -> None:
    assert sign_in(client, "floater", 9).json()["window"] == 9


def test_a_retried_request_returns_the_first_answer(client: TestClient) -> None:
    headers = {"Idempotency-Key": "kiosk-3-000017"}
    first = client.post("/api/halls/demo/tickets", json={"service": "C"}, headers=headers)
    again = client.post("/api/halls/demo/tickets", json={"service": "C"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    snapshot = client.get("/api/halls/demo").json()
    assert next(c for c in snapshot["categories"] if c["code"] == "C")["waiting"] == 1
    reused = client.post("/api/halls/demo/tickets", json={"service": "D"}, headers=headers)
    assert (reused.status_code, reused.json()["error"]) == (422, "idempotency_key_reused")

    take(client, "A")
    take(client, "A")
    call_headers = {**ADMIN, "Idempotency-Key": "pad-1-press-5"}
    called = client.post("/api/halls/demo/windows/1/call-next", headers=call_headers).json()
    recalled = client.post("/api/halls/demo/windows/1/call-next", headers=call_headers).json()
    assert called == recalled
    assert next(c for c in client.get("/api/halls/demo").json()["categories"] if c["code"] == "A")["waiting"] == 1


def test_no_input_gives_a_500_or_harms_a_ticket(client: TestClient, sync_redis: Redis) -> None:
    rng = random.Random(7)
    junk = [
        "",
        "A",
        "AA",
        "\u0000",
        "😀",
        "../../etc",
        "%00",
        "' OR 1=1",
        "9" * 50,
        "A" * 5000,
        "null",
        "{}",
        "[]",
        "demo.",
        ".demo",
        "demo..x",
    ]
    bodies: list[bytes] = [
        b"",
        b"null",
        b"true",
        b"123",
        b'"A"',
        b"{}",
        b'{"service": null}',
        b'{"service": ["A"]}',
        b'{"service": {"code": "A"}}',
        b'{"service": "A", "priority": null}',
        b'{"service": "\\u0000"}',
        b"\x00\x01\x02",
        b'{"service": "A"' * 100,
        b'{"window": 1e999}',
    ]
    issued = 0
    for _ in range(400):
        if rng.random() < 0.3:
            # real work between the junk, so that the junk has state to harm
            window, kind = rng.choice([1, 3, 4, 12]), rng.randrange(4)
            if kind == 0:
                response = client.post("/api/halls/demo/tickets", json={"service": rng.choice("ABE")})
            elif kind == 1:
                response = act(client, window, "call-next")
            elif kind == 2:
                response = act(client, window, rng.choice(["skip", "complete", "recall"]))
            else:
                response = act(client, window, "transfer", service=rng.choice("AB"))
            issued += response.status_code == 201
            assert response.status_code < 500, response.text
            continue
        raw_part = rng.choice(junk)
        part = quote(raw_part, safe="")
        path = rng.choice(
            [
                f"/api/halls/{part}",
                "/api/halls/demo/tickets",
                f"/api/tickets/{part}",
                f"/api/tickets/demo.{part}/requeue",
                f"/api/halls/demo/windows/{part}/call-next",
                f"/api/halls/demo/windows/1/{part}",
                "/api/halls/demo/windows/1/transfer",
                "/api/halls/demo/sign-in",
            ]
        )
        body = rng.choice([*bodies, json.dumps({"service": rng.choice("ABCDEFGZ")}).encode()])
        headers = rng.choice([{}, ADMIN, {"Authorization": raw_part[:100]}, {"Idempotency-Key": raw_part[:300]}])
        try:
            response = client.request(rng.choice(["GET", "POST", "PUT"]), path, content=body, headers=headers)
        except UnicodeEncodeError:
            continue  # a header the HTTP client itself cannot send
        assert response.status_code < 500, (path, body, response.text)
        assert response.headers["content-type"].startswith("application/json")
        issued += response.status_code == 201
    snapshot = client.get("/api/halls/demo").json()
    waiting = sum(c["waiting"] for c in snapshot["categories"])
    serving = sum(1 for w in snapshot["windows"] if w["ticket"])
    served = sum(w["served_today"] for w in snapshot["windows"])
    replay = check_history(sync_redis, "demo")
    assert issued > 10  # the junk came with enough good requests to change the state
    assert len(replay.state) == issued
    assert waiting + serving + served + list(replay.state.values()).count("skipped") == issued


def test_errors_never_show_a_traceback(client: TestClient) -> None:
    response = client.post("/api/halls/demo/tickets", content=b"{", headers={"Content-Type": "application/json"})
    assert "Traceback" not in response.text
    assert set(response.json()) == {"error", "message", "message_en"}


def test_health_and_hall_list(client: TestClient) -> None:
    assert client.get("/api/health").json() == {"ok": True, "halls": ["allday", "demo"]}
    assert {h["id"] for h in client.get("/api/halls").json()["halls"]} == {"allday", "demo"}


def test_random_strings_never_match_a_ticket(client: TestClient) -> None:
    take(client)
    for _ in range(50):
        guess = "demo." + "".join(random.choices(string.ascii_letters + string.digits + "-_", k=22))
        assert client.get(f"/api/tickets/{guess}").status_code == 404


def test_public_views_never_show_who_called_or_a_booking_code(client: TestClient) -> None:
    """The hall screen's snapshot and a ticket's own page are public: the clerk's username and a booked visitor's
    code (which with a look-up gives their masked name and phone digits) stay with the staff."""
    signed = client.post("/api/halls/demo/sign-in", json={"username": "w01", "password": "tidequeue", "window": 1})
    token = {"Authorization": f"Bearer {signed.json()['token']}"}
    ticket = take(client, "A")
    called = client.post("/api/halls/demo/windows/1/call-next", headers=token).json()["ticket"]
    assert called["id"] == ticket["id"] and called["clerk"] == "w01"  # the clerk's own answer says who
    public = client.get(f"/api/tickets/{ticket['id']}").json()
    assert public["state"] == "called" and "clerk" not in public
    serving = next(w for w in client.get("/api/halls/demo").json()["windows"] if w["number"] == 1)["ticket"]
    assert serving["number"] == ticket["number"] and "clerk" not in serving and "booking" not in serving


def test_wrong_passwords_slow_the_guesser_but_not_the_clerk_for_long(client: TestClient) -> None:
    def sign_in(password: str, username: str = "w02", window: int = 2) -> Any:
        body = {"username": username, "password": password, "window": window}
        return client.post("/api/halls/demo/sign-in", json=body)

    for _ in range(3):  # typos are free
        assert sign_in("wrong").status_code == 401
    assert sign_in("wrong").status_code == 401  # the fourth failure earns a wait
    refused = sign_in("tidequeue")  # even the right password waits its turn now
    assert (refused.status_code, refused.json()["error"]) == (429, "too_many_sign_ins")
    wait = int(refused.headers["Retry-After"])
    assert 1 <= wait <= 30 and refused.json()["message"].startswith("登录失败次数过多")
    assert "try again in" in refused.json()["message_en"]
    # Another clerk signs in from the same address (a hall's pads share its gateway) while w02 waits ...
    assert sign_in("tidequeue", "w03", 3).status_code == 200
    # ... until the address's own failures add up: past ten wrong guesses, whatever the names, it waits too.
    for name in ("w05", "w06", "w07", "w08", "w09", "w10", "w12"):
        assert sign_in("wrong", name, int(name[1:])).status_code == 401
    assert sign_in("tidequeue", "w11", 11).status_code == 429


async def test_a_usernames_wait_doubles_and_stops_at_30_seconds(redis: Any) -> None:
    from queue_server.store.sign_in_guard import SignInGuard

    guard = SignInGuard(redis, "demo")
    waits = []
    for n in range(12):
        await guard.failed("w04", f"10.0.0.{n}")  # a guesser on many addresses
        waits.append(await guard.wait("w04", "10.9.9.9"))
    assert waits[:3] == [0, 0, 0] and waits[3:7] == [1, 2, 4, 8] and max(waits) == 30
    await guard.succeeded("w04")
    assert await guard.wait("w04", "10.9.9.9") == 0  # the real clerk got in: the slate is clean


DEVICE_TOKEN = "kiosk-7-token-for-tests"


@pytest.fixture
def outside(sync_redis: Redis, redis_url: str, config_dir: Path, tmp_path: Path) -> Iterator[Callable[..., TestClient]]:
    """Clients from other addresses than the hall's LAN, on a demo hall that also trusts one device token and one
    reverse proxy (10.0.0.2)."""
    text = (config_dir / "demo.toml").read_text(encoding="utf-8")
    digest = hashlib.sha256(DEVICE_TOKEN.encode()).hexdigest()
    text = text.replace(
        "tickets_per_hour = 10",
        f'tickets_per_hour = 3\ndevice_tokens = ["{digest}"]\ntrusted_proxies = ["10.0.0.2/32"]',
    )
    (tmp_path / "demo.toml").write_text(text, encoding="utf-8")
    app = create_app(load_halls(tmp_path), redis_url, Clock(MORNING), admin_token="supervisor-secret")
    opened: list[TestClient] = []

    def at(address: str, **headers: str) -> TestClient:
        client = TestClient(app, raise_server_exceptions=False, client=(address, 40000), headers=headers)
        client.__enter__()
        opened.append(client)
        return client

    yield at
    for client in opened:
        client.__exit__(None, None, None)


def test_an_anonymous_address_takes_only_its_hourly_tickets(outside: Callable[..., TestClient]) -> None:
    phone = outside("203.0.113.7")
    for _ in range(3):
        assert phone.post("/api/halls/demo/tickets", json={"service": "A"}).status_code == 201
    refused = phone.post("/api/halls/demo/tickets", json={"service": "B"})
    assert (refused.status_code, refused.json()["error"]) == (429, "too_many_tickets")
    assert 1 <= int(refused.headers["Retry-After"]) <= 3600
    assert refused.json()["message"].startswith("取号过于频繁") and "a hall kiosk" in refused.json()["message_en"]
    assert outside("203.0.113.8").post("/api/halls/demo/tickets", json={"service": "A"}).status_code == 201


def test_kiosks_on_the_lan_or_with_a_device_token_are_not_limited(outside: Callable[..., TestClient]) -> None:
    lan_kiosk = outside("127.0.0.1")
    remote_kiosk = outside("198.51.100.9", **{"X-Device-Token": DEVICE_TOKEN})
    impostor = outside("198.51.100.10", **{"X-Device-Token": "a-guess"})
    for _ in range(6):
        assert lan_kiosk.post("/api/halls/demo/tickets", json={"service": "A"}).status_code == 201
        assert remote_kiosk.post("/api/halls/demo/tickets", json={"service": "A"}).status_code == 201
    statuses = [impostor.post("/api/halls/demo/tickets", json={"service": "A"}).status_code for _ in range(4)]
    assert statuses == [201, 201, 201, 429]


def test_x_forwarded_for_is_believed_only_from_a_trusted_proxy(outside: Callable[..., TestClient]) -> None:
    proxy = outside("10.0.0.2")
    for n in range(5):  # five phones behind the proxy: each has its own three tickets
        answer = proxy.post(
            "/api/halls/demo/tickets", json={"service": "A"}, headers={"X-Forwarded-For": f"203.0.113.{n}"}
        )
        assert answer.status_code == 201
    # A client that writes the header itself is still known by its own address.
    liar = outside("203.0.113.50")
    statuses = [
        liar.post(
            "/api/halls/demo/tickets", json={"service": "A"}, headers={"X-Forwarded-For": f"10.9.0.{n}"}
        ).status_code
        for n in range(4)
    ]
    assert statuses == [201, 201, 201, 429]
    # Nor can it pass as the hall's LAN through the header.
    spoof = outside("203.0.113.51")
    statuses = [
        spoof.post(
            "/api/halls/demo/tickets", json={"service": "A"}, headers={"X-Forwarded-For": "127.0.0.1"}
        ).status_code
        for _ in range(4)
    ]
    assert statuses == [201, 201, 201, 429]


@pytest.mark.parametrize(
    ("origin", "status"),
    [
        ("http://testserver", 201),  # the server's own pages
        ("https://evil.example", 403),  # another site's page, in a visitor's browser
        ("http://testserver.evil.example", 403),
        ("null", 403),  # a sandboxed frame or a file
    ],
)
def test_a_browser_post_from_another_site_is_refused(client: TestClient, origin: str, status: int) -> None:
    answer = client.post("/api/halls/demo/tickets", json={"service": "A"}, headers={"Origin": origin})
    assert answer.status_code == status
    if status == 403:
        assert answer.json()["error"] == "foreign_origin" and answer.json()["message_en"]
        assert client.get("/api/halls/demo").json()["categories"][0]["waiting"] == 0


def test_a_listed_origin_may_post(sync_redis: Redis, redis_url: str, config_dir: Path, tmp_path: Path) -> None:
    text = (config_dir / "demo.toml").read_text(encoding="utf-8")
    text = text.replace("tickets_per_hour = 10", 'tickets_per_hour = 10\norigins = ["https://portal.example.gov.cn"]')
    (tmp_path / "demo.toml").write_text(text, encoding="utf-8")
    app = create_app(load_halls(tmp_path), redis_url, Clock(MORNING), admin_token="supervisor-secret")
    with TestClient(app, client=("127.0.0.1", 50000)) as portal:
        ok = portal.post(
            "/api/halls/demo/tickets", json={"service": "A"}, headers={"Origin": "https://portal.example.gov.cn"}
        )
        assert ok.status_code == 201
        other = portal.post(
            "/api/halls/demo/tickets", json={"service": "A"}, headers={"Origin": "https://other.example"}
        )
        assert other.status_code == 403


def test_a_channel_handshake_from_another_site_is_refused(client: TestClient) -> None:
    with client.websocket_connect("/ws/halls/demo", headers={"Origin": "http://testserver"}) as ws:
        assert ws.receive_json()["type"] == "snapshot"
    foreign = {"Origin": "https://evil.example"}
    with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect("/ws/halls/demo", headers=foreign):
        pass
    assert refused.value.code == 1008
