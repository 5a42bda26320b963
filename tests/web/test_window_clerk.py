"""Who serves at a window, and today's skipped numbers, as the public snapshot and the hall channel show them:
what the window screen (窗口屏) and the hall screen read."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from tests.web.conftest import act, sign_in, take


def window_view(client: TestClient, number: int) -> dict[str, Any]:
    snapshot = client.get("/api/halls/demo").json()
    view: dict[str, Any] = next(w for w in snapshot["windows"] if w["number"] == number)
    return view


def test_the_window_names_the_clerk_signed_in_there_by_display_name_only(client: TestClient) -> None:
    assert window_view(client, 3)["clerk"] is None
    token = sign_in(client, "w03", 3).json()["token"]

    view = window_view(client, 3)
    assert view["clerk"] == "张伟"
    assert "w03" not in str(client.get("/api/halls/demo").json()), "the username never leaves the staff side"

    assert client.post("/api/halls/demo/sign-out", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert window_view(client, 3)["clerk"] is None


def test_signing_out_an_old_session_leaves_a_colleagues_name(client: TestClient) -> None:
    first = sign_in(client, "w03", 3).json()["token"]
    again = sign_in(client, "w03", 3).json()["token"]
    client.post("/api/halls/demo/sign-out", headers={"Authorization": f"Bearer {first}"})
    # The same clerk signed in twice (two devices): the first sign-out takes the name off; the second finds none.
    assert window_view(client, 3)["clerk"] is None
    assert client.post("/api/halls/demo/sign-out", headers={"Authorization": f"Bearer {again}"}).status_code == 200


def test_sign_in_and_out_reach_screens_as_clerk_changed_events(client: TestClient) -> None:
    with client.websocket_connect("/ws/halls/demo") as ws:
        assert ws.receive_json()["type"] == "snapshot"
        token = sign_in(client, "w01", 1).json()["token"]
        event = ws.receive_json()
        assert (event["type"], event["window"], event["clerk"]) == ("clerk_changed", 1, "王芳")
        client.post("/api/halls/demo/sign-out", headers={"Authorization": f"Bearer {token}"})
        event = ws.receive_json()
        assert (event["type"], event["window"], event["clerk"]) == ("clerk_changed", 1, "")


def test_the_snapshot_lists_todays_skipped_numbers_until_they_come_back(client: TestClient) -> None:
    take(client, "A")
    take(client, "A")
    for _ in range(2):
        assert act(client, 1, "call-next").status_code == 200
        assert act(client, 1, "skip").status_code == 200
    skipped = client.get("/api/halls/demo").json()["skipped"]
    assert [s["number"] for s in skipped] == ["A002", "A001"]

    requeued = client.post(
        f"/api/tickets/{skipped[1]['ticket_id']}/requeue", headers={"Authorization": "Bearer supervisor-secret"}
    )
    assert requeued.status_code == 200, requeued.text
    assert [s["number"] for s in client.get("/api/halls/demo").json()["skipped"]] == ["A002"]
