"""The HTTP API as a kiosk, a phone and a caller pad use it, including every kind of bad input."""

from __future__ import annotations

import json
import random
import string
from typing import Any
from urllib.parse import quote

import pytest
from redis import Redis
from starlette.testclient import TestClient

from tests.history import check_history
from tests.web.conftest import ADMIN, act, sign_in, take


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
    # 绿色通道 comes from staff only
    assert (
        client.post("/api/halls/demo/tickets", json={"service": "B", "priority": True}, headers=ADMIN).status_code
        == 201
    )
    act(client, 4, "call-next")
    act(client, 7, "pause")
    snapshot = client.get("/api/halls/demo").json()
    assert snapshot["hall"]["name"] == "滨江区政务服务中心"
    waiting = {c["code"]: c["waiting"] for c in snapshot["categories"]}
    assert waiting == {"A": 1, "B": 0, "C": 0, "D": 0, "E": 0, "F": 0, "G": 0}
    windows = {w["number"]: w for w in snapshot["windows"]}
    assert windows[4]["state"] == "serving" and windows[4]["ticket"]["number"] == "B001"
    assert windows[7]["state"] == "paused" and windows[1]["state"] == "idle"
    assert all(w["tidal"] for w in snapshot["windows"])  # 15 and 16 too: reserve windows open as a switch
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


def test_a_pause_says_why_until_the_window_resumes(client: TestClient) -> None:
    def window_1() -> Any:
        return next(w for w in client.get("/api/halls/demo").json()["windows"] if w["number"] == 1)

    assert act(client, 1, "pause", reason="nap").status_code == 422  # only the hall's listed reasons
    assert window_1()["state"] == "idle"
    assert act(client, 1, "pause", reason="training").status_code == 200
    assert (window_1()["state"], window_1()["pause_reason"]) == ("paused", "training")
    act(client, 1, "resume")
    assert window_1()["pause_reason"] is None


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
        "name": "w05", "window": 5, "supervisor": False, "guide": False, "role": "clerk",
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


def test_the_clerk_on_record_is_whoever_called_the_visitor_last(client: TestClient) -> None:
    """A skipped visitor called again by the supervisor is not put down to the clerk who called them first (the
    overtime report and the 好差评 statistics count by it)."""
    w01 = {"Authorization": f"Bearer {sign_in(client, 'w01', 1).json()['token']}"}
    ticket = take(client, "A")
    assert act(client, 1, "call-next", headers=w01).json()["ticket"]["clerk"] == "w01"
    act(client, 1, "skip", headers=w01)
    assert client.post(f"/api/tickets/{ticket['id']}/requeue", headers=ADMIN).status_code == 200
    again = act(client, 1, "call-next").json()["ticket"]  # the supervisors' token names nobody
    assert again["id"] == ticket["id"] and again.get("clerk") is None
