"""The published rota decides who signs in where, against a real Redis: a draft decides nothing; once published, on
a day the rota covers, a clerk signs in only at a window of their posts that day (and is told where the rota has
them), a clerk the rota has off is told so, a hand edit moves them at once, another server process on the same
Redis goes by the same rota, a day the rota does not cover goes by the hall file, and a withdrawn rota decides
nothing again."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from redis import Redis
from starlette.testclient import TestClient

from queue_server.config.loader import load_halls
from queue_server.runtime.clock import Clock
from queue_server.server.app import create_app
from tests.conftest import SHANGHAI

ADMIN = {"Authorization": "Bearer supervisor-secret"}
ROTA = "/api/halls/demo/rota?month=2026-12"
DAY = "2026-12-03"
CONFIG = Path(__file__).resolve().parent.parent.parent / "config"
DEMO = load_halls(CONFIG)["demo"]
THURSDAY = datetime(2026, 12, 3, 8, 45, tzinfo=SHANGHAI)  # before the doors open: clerks sign in


def server(redis_url: str, now: datetime) -> TestClient:
    app = create_app(load_halls(CONFIG), redis_url, Clock(now), admin_token="supervisor-secret", background=False)
    return TestClient(app, client=("127.0.0.1", 50000))


@pytest.fixture(scope="module")
def client(redis_url: str) -> Iterator[TestClient]:
    Redis.from_url(redis_url).flushall()
    with server(redis_url, THURSDAY) as c:
        yield c


@pytest.fixture(scope="module")
def december(client: TestClient) -> dict[str, Any]:
    """December made (a draft, which binds nobody: a clerk it has off signs in at their window), then published."""
    answer = client.get(ROTA, headers=ADMIN)
    assert answer.status_code == 200 and answer.json()["ok"], answer.text
    draft: dict[str, Any] = answer.json()
    assert draft["generated_now"] and draft["published"] is None
    resting = next(f"w{n:02d}" for n in range(1, 15) if f"w{n:02d}" not in thursday_windows(draft))
    signed = sign_in(client, resting, int(resting[1:]))
    assert signed.status_code == 200, signed.text
    client.post("/api/halls/demo/sign-out", headers={"Authorization": f"Bearer {signed.json()['token']}"})
    published = client.post("/api/halls/demo/rota/publish?month=2026-12", headers=ADMIN)
    assert published.status_code == 200, published.text
    body: dict[str, Any] = published.json()
    assert body["published"]["by"] and body["version"] == draft["version"] + 1
    return body


def sign_in(client: TestClient, username: str, window: int) -> Any:
    body = {"username": username, "password": "tidequeue", "window": window}
    return client.post("/api/halls/demo/sign-in", json=body)


def thursday_windows(december: dict[str, Any]) -> dict[str, set[int]]:
    held: dict[str, set[int]] = {}
    for post in december["posts"]:
        if post["date"] == DAY and post["clerk"]:
            held.setdefault(post["clerk"], set()).add(post["window"])
    return held


def test_a_clerk_signs_in_only_where_the_rota_has_them(client: TestClient, december: dict[str, Any]) -> None:
    held = thursday_windows(december)
    rover = next(name for name in sorted(held) if name.startswith("z"))  # a 综合岗 clerk bound to no window
    mine = min(held[rover])
    assert sign_in(client, rover, mine).status_code == 200
    elsewhere = next(n for n in range(1, 15) if n not in held[rover])
    refused = sign_in(client, rover, elsewhere)
    assert (refused.status_code, refused.json()["error"]) == (403, "not_on_rota")
    assert "今天的排班表安排" in refused.json()["message"] and f"不在 {elsewhere} 号窗口" in refused.json()["message"]
    assert "supervisor changes the rota" in refused.json()["message_en"]


def test_a_clerk_the_rota_has_off_is_told_so(client: TestClient, december: dict[str, Any]) -> None:
    held = thursday_windows(december)
    resting = next(f"w{n:02d}" for n in range(1, 15) if f"w{n:02d}" not in held)
    refused = sign_in(client, resting, int(resting[1:]))  # their own window, which the hall file allows
    assert (refused.status_code, refused.json()["error"]) == (403, "not_on_rota")
    person = DEMO.clerk(resting)
    assert (
        person is not None
        and f"今天的排班表上没有{person.display_name}（{resting}）的岗位" in refused.json()["message"]
    )


def test_a_hand_edit_moves_a_clerk_at_once(redis_url: str, client: TestClient, december: dict[str, Any]) -> None:
    """Two clerks bound to no window, with the same hours on a day at different windows, swap (through a server
    whose clock is on that day): each may then sign in at the other's window, and no longer at their own."""
    unbound = {c["username"] for c in december["clerks"] if not c["windows"] and not c["username"].startswith("b")}
    day, a, b = next(found for found in (_swappable(december, day, unbound) for day in _days(december)) if found)
    posts = [p for p in december["posts"] if p["date"] == day and p["clerk"] in (a, b)]
    a_window = min(p["window"] for p in posts if p["clerk"] == a)
    b_window = min(p["window"] for p in posts if p["clerk"] == b)
    swap = {p["key"]: (b if p["clerk"] == a else a) for p in posts}
    with server(redis_url, datetime.fromisoformat(f"{day}T08:45:00+08:00")) as that_day:
        assert sign_in(that_day, b, b_window).status_code == 200  # b at their window, before the edit
        edited = that_day.put(ROTA, headers=ADMIN, json={"date": day, "assignments": swap})
        assert edited.status_code == 200, edited.text
        assert edited.json()["published"] == december["published"]  # an edit keeps it published
        assert sign_in(that_day, a, b_window).status_code == 200  # taking over from b there
        own = sign_in(that_day, a, a_window)
        assert (own.status_code, own.json()["error"]) == (403, "not_on_rota")
        assert str(b_window) in own.json()["message"]  # told where the rota has them now


def _days(december: dict[str, Any]) -> list[str]:
    return sorted({p["date"] for p in december["posts"]})


def _swappable(december: dict[str, Any], day: str, unbound: set[str]) -> tuple[str, str, str] | None:
    """Two of ``unbound`` who hold posts of the same hours and kinds on ``day``, at different windows."""
    posts = [p for p in december["posts"] if p["date"] == day and p["clerk"] in unbound]
    shapes: dict[str, list[tuple[str, str, str]]] = {}
    windows: dict[str, set[int]] = {}
    for p in posts:
        shapes.setdefault(p["clerk"], []).append((p["start"], p["end"], p["kind"]))
        windows.setdefault(p["clerk"], set()).add(p["window"])
    for a in sorted(shapes):
        for b in sorted(shapes):
            if a < b and sorted(shapes[a]) == sorted(shapes[b]) and windows[a].isdisjoint(windows[b]):
                return day, a, b
    return None


def test_another_process_goes_by_the_kept_rota_from_its_start(
    redis_url: str, client: TestClient, december: dict[str, Any]
) -> None:
    resting = next(f"w{n:02d}" for n in range(1, 15) if f"w{n:02d}" not in thursday_windows(december))
    with server(redis_url, THURSDAY) as other:
        refused = sign_in(other, resting, int(resting[1:]))
        assert (refused.status_code, refused.json()["error"]) == (403, "not_on_rota")
    # November has no kept rota: the hall file decides, and a window's own clerk signs in there
    with server(redis_url, datetime(2026, 11, 26, 8, 45, tzinfo=SHANGHAI)) as november:
        assert sign_in(november, resting, int(resting[1:])).status_code == 200


def test_a_withdrawn_rota_decides_nothing(client: TestClient, december: dict[str, Any]) -> None:
    resting = next(f"w{n:02d}" for n in range(1, 15) if f"w{n:02d}" not in thursday_windows(december))
    withdrawn = client.delete("/api/halls/demo/rota/publish?month=2026-12", headers=ADMIN)
    assert withdrawn.status_code == 200 and withdrawn.json()["published"] is None
    assert sign_in(client, resting, int(resting[1:])).status_code == 200
    missing = client.post("/api/halls/demo/rota/publish?month=2027-01", headers=ADMIN)
    assert (missing.status_code, missing.json()["error"]) == (404, "no_rota")
