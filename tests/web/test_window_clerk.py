"""Who serves at a window, and today's skipped numbers, as the public snapshot and the hall channel show them:
what the window screen (窗口屏) and the hall screen read."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

from redis import Redis
from starlette.testclient import TestClient

from queue_server.config.loader import load_halls
from queue_server.server.app import create_app
from queue_server.store import keys
from tests.conftest import MORNING, StoppedClock
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


def test_a_new_business_day_names_nobody_until_its_clerks_sign_in(
    sync_redis: Redis, redis_url: str, config_dir: Path
) -> None:
    """A clerk who went home without signing out (the session ran out by itself) is not named on the window screen
    the next morning: the day's rollover takes every name off, and screens hear it."""
    clock = StoppedClock(MORNING)
    app = create_app(load_halls(config_dir), redis_url, clock, admin_token="supervisor-secret", background=False)
    with TestClient(app, client=("127.0.0.1", 50000)) as client:
        sign_in(client, "w03", 3)
        assert window_view(client, 3)["clerk"] == "张伟"
        clock.moment = MORNING + timedelta(days=1)
        with client.websocket_connect("/ws/halls/demo") as ws:
            snapshot = ws.receive_json()
            assert next(w for w in snapshot["windows"] if w["number"] == 3)["clerk"] is None
        sign_in(client, "w03", 3)  # today's sign-in names them again
        assert window_view(client, 3)["clerk"] == "张伟"
        stream = cast(list[tuple[str, dict[str, str]]], sync_redis.xrange(keys.events("demo")))
        events = [json.loads(fields["data"]) for _, fields in stream]
        cleared = [e for e in events if e["type"] == "clerk_changed" and e["window"] == 3 and e["clerk"] == ""]
        assert len(cleared) == 1, "the screens following the stream hear the name go, once"
