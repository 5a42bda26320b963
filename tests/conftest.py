"""Shared fixtures: a real redis-server on a free port in a temporary directory, and test halls."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from redis import Redis as SyncRedis
from redis.asyncio import Redis

from queue_server.core.hall import Hall, Service, Window
from queue_server.runtime.clock import Clock
from queue_server.store.embedded_redis import EmbeddedRedis
from queue_server.store.hall_store import HallStore, Scripts
from queue_server.store.redis_keeper import RedisKeeper
from tests.server_process import ServerProcess

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A fixed moment in the hall's zone; tests move it explicitly.
MORNING = datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)


class StoppedClock(Clock):
    """A server clock that stands still where the test puts it (``clock.moment = …``), so that two requests see
    the same moment and a test can move the hall to another day."""

    def __init__(self, moment: datetime) -> None:
        super().__init__()
        self.moment = moment

    def now(self) -> datetime:
        return self.moment


def make_hall(hall_id: str = "t1", requeue_after: int = 2) -> Hall:
    """A small hall: A and B have their own windows, 3 serves both, 4 serves B then A in order, 5 is tidal."""
    return Hall(
        id=hall_id,
        name="测试中心",
        name_en="Test Centre",
        timezone=SHANGHAI,
        rollover=time(3, 0),
        services=(
            Service("A", "公安户政", "ID cards", 6),
            Service("B", "社保", "Social insurance", 10),
            Service("C", "税务", "Tax", 12),
        ),
        windows=(
            Window(1, ("A",)),
            Window(2, ("B",)),
            Window(3, ("A", "B")),
            Window(4, ("B", "A"), policy="order"),
            Window(5, ("C",), tidal=True),
        ),
        requeue_after=requeue_after,
    )


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = EmbeddedRedis(tmp_path_factory.mktemp("redis"), persistent=False, tcp=True)
    url = server.start()
    yield url
    server.stop()


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url, decode_responses=True)
    await client.flushall()
    yield client
    await client.aclose()


@pytest.fixture
def hall() -> Hall:
    return make_hall()


@pytest.fixture
def store(redis: Redis, hall: Hall) -> HallStore:
    return HallStore(redis, Scripts(redis), hall)


@pytest.fixture
def config_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "config"


@pytest.fixture
def keeper(tmp_path: Path) -> Iterator[RedisKeeper]:
    """An embedded Redis of its own, under its keeper (which restarts it when a test kills it)."""
    keeper = RedisKeeper(EmbeddedRedis(tmp_path / "data"))
    keeper.start()
    yield keeper
    keeper.stop()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Screenshots and WAV files from the test run, kept for people to look at."""
    folder = Path(__file__).resolve().parent / "artifacts"
    folder.mkdir(exist_ok=True)
    return folder


# Chromium as the stack notes say: Debian's binary, never a downloaded one, and no background networking.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """A real headless Chromium (Debian's /usr/bin/chromium) driven by Playwright.

    Per module, not per session: Playwright's sync API keeps an event loop marked as running while it is open,
    which would break the asyncio tests that run after a browser module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def live_server(tmp_path: Path, redis_url: str) -> Iterator[ServerProcess]:
    """A real queue-server process on the test Redis (emptied first), with the shipped halls."""
    client = SyncRedis.from_url(redis_url)
    client.flushall()
    client.close()
    with ServerProcess(tmp_path / "var", redis_url=redis_url) as server:
        yield server.ready()
