"""A window's waiting list, 特呼 (calling a given ticket), the case number on completion, and priority tickets
only from staff: over HTTP against the demo hall and a real Redis."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from tests.web.conftest import ADMIN, act, sign_in, take


def bearer(client: TestClient, username: str, window: int) -> dict[str, str]:
    response = sign_in(client, username, window)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def queue(client: TestClient, window: int, headers: dict[str, str], limit: int = 10) -> Any:
    return client.get(f"/api/halls/demo/windows/{window}/queue?limit={limit}", headers=headers)


def test_the_waiting_list_is_in_the_order_call_next_takes_it(client: TestClient) -> None:
    # Window 3 serves A then E ("order"): priority first, then all of A, then E, whatever the arrival order.
    e1 = take(client, "E")
    a1 = take(client, "A")
    a2 = take(client, "A")
    # 绿色通道 comes from staff (here the supervisors' token)
    pri = client.post("/api/halls/demo/tickets", json={"service": "E", "priority": True}, headers=ADMIN).json()
    clerk = bearer(client, "w03", 3)
    listed = queue(client, 3, clerk).json()
    assert [t["number"] for t in listed["next"]] == [pri["number"], a1["number"], a2["number"], e1["number"]]
    assert listed["next"][0]["priority"] is True
    assert all(t["waited_minutes"] == 0 for t in listed["next"])
    assert listed["skipped"] == []
    # What the list says is what call-next does.
    for expected in listed["next"]:
        assert act(client, 3, "call-next", clerk).json()["ticket"]["number"] == expected["number"]


def test_the_list_shows_todays_skipped_visitors_of_the_windows_categories(client: TestClient) -> None:
    a1, b1 = take(client, "A"), take(client, "B")
    clerk = bearer(client, "w01", 1)
    act(client, 1, "call-next", clerk)
    act(client, 1, "skip", clerk)
    act(client, 4, "call-next")
    act(client, 4, "skip")
    listed = queue(client, 1, clerk).json()
    assert [t["number"] for t in listed["skipped"]] == [a1["number"]]  # B's no-show is window 4's business
    assert b1["number"] in [t["number"] for t in queue(client, 4, ADMIN).json()["skipped"]]
    # a clerk reads its own window's list only
    assert queue(client, 4, clerk).json()["error"] == "wrong_window"
    assert queue(client, 1, {}).status_code == 401
    assert queue(client, 1, clerk, limit=0).json()["error"] == "invalid_field"


def test_special_call_by_number_completes_the_current_visitor_and_calls_that_one(client: TestClient) -> None:
    first, second, third = take(client, "A"), take(client, "A"), take(client, "A")
    clerk = bearer(client, "w01", 1)
    act(client, 1, "call-next", clerk)  # first
    response = client.post("/api/halls/demo/windows/1/call", json={"number": third["number"].lower()}, headers=clerk)
    assert response.status_code == 200, response.text
    called = response.json()["ticket"]
    assert (called["number"], called["state"], called["window"], called["special"]) == (
        third["number"],
        "called",
        1,
        True,
    )
    assert client.get(f"/api/tickets/{first['id']}").json()["state"] == "served"
    # the hall screen shows the special call like any call
    snapshot = client.get("/api/halls/demo").json()
    assert snapshot["latest_calls"][0]["number"] == third["number"]
    assert snapshot["latest_calls"][0]["special"] is True
    # and the line goes on without it
    assert [t["number"] for t in queue(client, 1, clerk).json()["next"]] == [second["number"]]


def test_special_call_refuses_what_it_may_not_call_in_both_languages(client: TestClient) -> None:
    a1, b1 = take(client, "A"), take(client, "B")
    clerk = bearer(client, "w01", 1)
    refused = client.post("/api/halls/demo/windows/1/call", json={"ticket_id": b1["id"]}, headers=clerk)
    assert (refused.status_code, refused.json()["error"]) == (409, "not_served_here")
    assert b1["number"] in refused.json()["message"] and "transfer it first" in refused.json()["message_en"]
    assert client.post("/api/halls/demo/windows/1/call", json={"ticket_id": a1["id"]}, headers=clerk).status_code == 200
    again = client.post("/api/halls/demo/windows/1/call", json={"number": a1["number"]}, headers=clerk)
    assert (again.status_code, again.json()["error"]) == (409, "ticket_not_waiting")
    assert "已被叫号" in again.json()["message"] and "(called)" in again.json()["message_en"]
    unknown = client.post("/api/halls/demo/windows/1/call", json={"number": "A999"}, headers=clerk)
    assert (unknown.status_code, unknown.json()["error"]) == (404, "unknown_number")
    assert client.post("/api/halls/demo/windows/1/call", json={}, headers=clerk).json()["error"] == "missing_field"
    mismatch = client.post(
        "/api/halls/demo/windows/1/call", json={"number": a1["number"], "ticket_id": b1["id"]}, headers=clerk
    )
    assert mismatch.json()["error"] == "ticket_number_mismatch"
    assert client.post("/api/halls/demo/windows/2/call", json={"number": "A001"}, headers=clerk).status_code == 403


def test_special_call_is_answered_once_for_a_retried_key(client: TestClient) -> None:
    a1, a2 = take(client, "A"), take(client, "A")
    headers = {**ADMIN, "Idempotency-Key": "pad-special-1"}
    first = client.post("/api/halls/demo/windows/1/call", json={"number": a2["number"]}, headers=headers)
    replay = client.post("/api/halls/demo/windows/1/call", json={"number": a2["number"]}, headers=headers)
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json()["ticket"]["id"] == first.json()["ticket"]["id"] == a2["id"]
    assert client.get(f"/api/tickets/{a1['id']}").json()["state"] == "waiting"


def test_the_case_number_is_kept_for_staff_and_never_shown_to_the_public(client: TestClient) -> None:
    ticket = take(client, "A")
    act(client, 1, "call-next")
    bad = act(client, 1, "complete", case_number="有中文")
    assert (bad.status_code, bad.json()["error"]) == (422, "invalid_case_number")
    assert act(client, 1, "complete", case_number="x" * 41).json()["error"] == "invalid_case_number"
    done = act(client, 1, "complete", case_number="GA-2026-001234")
    assert done.status_code == 200, done.text
    assert done.json()["ticket"]["case_number"] == "GA-2026-001234"
    assert "case_number" not in client.get(f"/api/tickets/{ticket['id']}").json()
    staff_view = client.get(f"/api/halls/demo/tickets?number={ticket['number']}", headers=ADMIN).json()
    assert staff_view["case_number"] == "GA-2026-001234"
    # completing without one still works, as before
    take(client, "A")
    act(client, 1, "call-next")
    assert "case_number" not in act(client, 1, "complete").json()["ticket"]


def test_priority_tickets_need_a_staff_token(client: TestClient) -> None:
    # The kiosk (a trusted device on the hall's LAN) has no staff token: no 绿色通道 from its screen.
    refused = client.post("/api/halls/demo/tickets", json={"service": "A", "priority": True})
    assert (refused.status_code, refused.json()["error"]) == (403, "priority_staff_only")
    assert "导办台" in refused.json()["message"] and "guide desk" in refused.json()["message_en"]
    bad = client.post(
        "/api/halls/demo/tickets", json={"service": "A", "priority": True}, headers={"Authorization": "Bearer nope"}
    )
    assert bad.status_code == 401
    clerk = bearer(client, "w02", 2)
    for headers in (clerk, ADMIN):
        issued = client.post("/api/halls/demo/tickets", json={"service": "A", "priority": True}, headers=headers)
        assert issued.status_code == 201 and issued.json()["priority"] is True
    assert take(client, "A")["priority"] is False  # an ordinary ticket needs nothing
