"""What the hall screen (大厅显示屏) tells visitors beyond the calls, in a real Chromium at 1920×1080 against real
server processes: a tidal window's switch, today's 过号 numbers, a closed hall, a visitor moved at the guide desk."""

from __future__ import annotations

from pathlib import Path

import httpx2
import pytest
from playwright.sync_api import Locator, expect
from redis import Redis as SyncRedis

from tests.clients.conftest import Screen, call_next
from tests.server_process import ServerProcess

pytestmark = [pytest.mark.browser, pytest.mark.process]


def test_a_visitor_moved_at_the_guide_desk_leaves_the_old_line_on_screen(
    screen: Screen, live_server: ServerProcess
) -> None:
    screen.open(live_server)
    ticket = live_server.take("A", hall="demo")
    expect(screen.waiting("A")).to_have_text("1 人", timeout=1000)
    moved = httpx2.post(
        f"{live_server.url}/api/tickets/{ticket['id']}/transfer",
        json={"service": "B"},
        headers={"Authorization": "Bearer supervisor-secret"},
    )
    assert moved.status_code == 200, moved.text
    expect(screen.waiting("B")).to_have_text("1 人", timeout=1000)
    expect(screen.waiting("A")).to_have_text("0 人")


def test_a_tidal_switch_is_shown_to_the_hall(screen: Screen, live_server: ServerProcess, artifacts: Path) -> None:
    """潮汐窗口: when a tidal window takes on a congested category, the whole hall is told where to go."""
    screen.open(live_server)
    admin = {"Authorization": "Bearer supervisor-secret"}
    tidal_url = f"{live_server.url}/api/halls/demo/windows/13/tidal"
    assert httpx2.post(tidal_url, json={"service": "C"}, headers=admin).status_code == 200
    banner = screen.page.locator("#tidal-banner")
    expect(banner).to_have_text("13号窗口现办理不动产业务", timeout=1000)
    expect(screen.window(13)).to_contain_text("不动产")
    # The banner hides neither the clock nor the session line, nor any window.
    for part in ["#time", "#date", "#hours", "#hall-name"]:
        expect(screen.page.locator(part)).to_be_visible()
        assert not overlaps(banner, screen.page.locator(part)), part
    assert not overlaps(banner, screen.window(13))
    assert not overlaps(banner, screen.call)
    screen.page.screenshot(path=artifacts / "hall-screen-tidal.png")
    assert httpx2.delete(tidal_url, headers=admin).status_code == 200
    expect(banner).to_have_text("13号窗口恢复原业务", timeout=1000)
    expect(screen.window(13)).not_to_contain_text("不动产")


def overlaps(a: Locator, b: Locator) -> bool:
    one, two = a.bounding_box(), b.bounding_box()
    assert one is not None and two is not None
    return not (
        one["x"] + one["width"] <= two["x"]
        or two["x"] + two["width"] <= one["x"]
        or one["y"] + one["height"] <= two["y"]
        or two["y"] + two["height"] <= one["y"]
    )


def test_skipped_numbers_send_their_visitors_to_the_guide_desk(
    screen: Screen, live_server: ServerProcess, artifacts: Path
) -> None:
    """过号: a visitor who missed the call finds the number on the screen with where to go."""
    for _ in range(3):
        live_server.take("A", hall="demo")
    call_next(live_server, 1, "A001")
    live_server.act(1, "skip", hall="demo")
    screen.open(live_server)
    panel = screen.page.locator("#skipped-panel")
    # From the snapshot: the number skipped before the screen was opened.
    expect(panel).to_contain_text("过号请到导办台")
    expect(screen.page.locator("#skipped li")).to_have_text(["A001"])

    call_next(live_server, 2, "A002")
    skipped = live_server.act(2, "skip", hall="demo")["ticket"]
    expect(screen.page.locator("#skipped li")).to_have_text(["A002", "A001"], timeout=1000)
    screen.page.screenshot(path=artifacts / "hall-screen-skipped.png")

    # The visitor came back and was put in line again: the number leaves the list.
    requeued = httpx2.post(
        f"{live_server.url}/api/tickets/{skipped['id']}/requeue", headers={"Authorization": "Bearer supervisor-secret"}
    )
    assert requeued.status_code == 200, requeued.text
    expect(screen.page.locator("#skipped li")).to_have_text(["A001"], timeout=1000)


def test_skipped_numbers_in_english(screen: Screen, live_server: ServerProcess, artifacts: Path) -> None:
    live_server.take("B", hall="demo")
    call_next(live_server, 4, "B001")
    live_server.act(4, "skip", hall="demo")
    screen.open(live_server, "?lang=en")
    expect(screen.page.locator("#skipped-panel")).to_contain_text("Please go to the guide desk")
    expect(screen.page.locator("#skipped li")).to_have_text(["B001"])
    screen.page.screenshot(path=artifacts / "hall-screen-skipped-en.png")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_closed_hall_does_not_invite_anyone_to_take_a_ticket(
    screen: Screen, redis_url: str, tmp_path: Path, artifacts: Path, lang: str
) -> None:
    SyncRedis.from_url(redis_url).flushall()
    saturday_evening = ("--clock", "2026-11-28T20:00:00+08:00")
    with ServerProcess(tmp_path / "var", redis_url=redis_url, extra_args=saturday_evening) as server:
        server.ready()
        screen.open(server, "?lang=en" if lang == "en" else "")
        expect(screen.page.locator("#hours")).to_have_attribute("data-mode", "closed")
        if lang == "en":
            expect(screen.call_text).to_have_text("Welcome — the hall is closed")
        else:
            expect(screen.call_text).to_have_text("欢迎光临 · 现在休息，暂停取号")
            expect(screen.call_text).not_to_contain_text("取号等候")
        screen.page.screenshot(path=artifacts / f"hall-screen-closed-{lang}.png")
