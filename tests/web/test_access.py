"""Who may act from where: the hall's devices and anonymous clients, sign-in back-off, cross-site requests, and
what public views keep to the staff."""

from __future__ import annotations

import contextlib
import hashlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from redis import Redis
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from queue_server.config.loader import load_halls
from queue_server.runtime.clock import Clock
from queue_server.server.app import create_app
from tests.conftest import MORNING
from tests.web.conftest import take


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
    reverse proxy (10.0.0.2), and lets an anonymous address hold two live channels."""
    text = (config_dir / "demo.toml").read_text(encoding="utf-8")
    digest = hashlib.sha256(DEVICE_TOKEN.encode()).hexdigest()
    text = text.replace(
        "tickets_per_hour = 10",
        "tickets_per_hour = 3\nchannels_per_address = 2\n"
        f'device_tokens = ["{digest}"]\ntrusted_proxies = ["10.0.0.2/32"]',
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
    for service in "ABC":
        assert phone.post("/api/halls/demo/tickets", json={"service": service}).status_code == 201
    refused = phone.post("/api/halls/demo/tickets", json={"service": "D"})
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
    statuses = [impostor.post("/api/halls/demo/tickets", json={"service": s}).status_code for s in "ABCD"]
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
            "/api/halls/demo/tickets", json={"service": service}, headers={"X-Forwarded-For": f"10.9.0.{n}"}
        ).status_code
        for n, service in enumerate("ABCD")
    ]
    assert statuses == [201, 201, 201, 429]
    # Nor can it pass as the hall's LAN through the header.
    spoof = outside("203.0.113.51")
    statuses = [
        spoof.post(
            "/api/halls/demo/tickets", json={"service": service}, headers={"X-Forwarded-For": "127.0.0.1"}
        ).status_code
        for service in "ABCD"
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


def test_an_anonymous_client_holds_one_live_ticket_per_category(outside: Callable[..., TestClient]) -> None:
    phone, kiosk = outside("203.0.113.20"), outside("127.0.0.1")
    first = phone.post("/api/halls/demo/tickets", json={"service": "A"}).json()
    again = phone.post("/api/halls/demo/tickets", json={"service": "A"})
    assert (again.status_code, again.json()["error"]) == (409, "ticket_held")
    assert first["number"] in again.json()["message"] and first["number"] in again.json()["message_en"]
    assert [kiosk.post("/api/halls/demo/tickets", json={"service": "A"}).status_code for _ in range(3)] == [201] * 3
    # Once the visitor has been served, the phone may take another.
    supervisor = {"Authorization": "Bearer supervisor-secret"}
    assert kiosk.post("/api/halls/demo/windows/1/call-next", headers=supervisor).json()["ticket"]["id"] == first["id"]
    assert kiosk.post("/api/halls/demo/windows/1/complete", headers=supervisor).status_code == 200
    assert phone.post("/api/halls/demo/tickets", json={"service": "A"}).status_code == 201
    # Another phone holds its own; a retry of its request (the answer was lost) gets that ticket back, not a refusal.
    other, key = outside("203.0.113.21"), {"Idempotency-Key": "phone-21-first"}
    taken = other.post("/api/halls/demo/tickets", json={"service": "A"}, headers=key).json()
    assert other.post("/api/halls/demo/tickets", json={"service": "A"}, headers=key).json()["id"] == taken["id"]
    assert other.post("/api/halls/demo/tickets", json={"service": "B"}).status_code == 201  # another category


def test_an_anonymous_address_holds_only_its_share_of_live_channels(outside: Callable[..., TestClient]) -> None:
    phone, screen = outside("203.0.113.30"), outside("127.0.0.1")
    with contextlib.ExitStack() as held:
        first = held.enter_context(phone.websocket_connect("/ws/halls/demo"))
        assert first.receive_json()["type"] == "snapshot"
        second = held.enter_context(phone.websocket_connect("/ws/halls/demo"))
        assert second.receive_json()["type"] == "snapshot"
        with phone.websocket_connect("/ws/halls/demo") as third:
            refusal = third.receive_json()
            assert refusal["error"] == "too_many_channels" and refusal["retry_after"] == 30
            assert "实时连接过多" in refusal["message"] and "at most 2" in refusal["message_en"]
            with pytest.raises(WebSocketDisconnect) as closed:
                third.receive_json()
            assert closed.value.code == 4429
        for _ in range(3):  # the hall's own screens are not counted
            with screen.websocket_connect("/ws/halls/demo") as hall_screen:
                assert hall_screen.receive_json()["type"] == "snapshot"
    # The phone closed its pages: it may follow its ticket again as soon as the server has seen them go.
    ticket = screen.post("/api/halls/demo/tickets", json={"service": "A"}).json()
    deadline = time.monotonic() + 5
    while True:
        with phone.websocket_connect(f"/ws/tickets/{ticket['id']}") as follow:
            if (message := follow.receive_json())["type"] == "ticket" or time.monotonic() > deadline:
                break
    assert message["ticket"]["number"] == ticket["number"]
