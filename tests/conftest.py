"""Shared fixtures: a real redis-server on a free port in a temporary directory, and test halls."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from redis.asyncio import Redis

from queue_server.core.hall import Hall, Service, Window
from queue_server.runtime.clock import Clock
from queue_server.store.embedded_redis import EmbeddedRedis
from queue_server.store.hall_store import HallStore, Scripts
from queue_server.store.redis_client import connect
from queue_server.store.redis_keeper import RedisKeeper
from tests.redis_cluster import RedisClusterProcesses, sync_client
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
def single_redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One real redis-server on a free loopback port."""
    server = EmbeddedRedis(tmp_path_factory.mktemp("redis"), persistent=False, tcp=True)
    url = server.start()
    yield url
    server.stop()


@pytest.fixture(scope="session")
def cluster_redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real 3-master Redis Cluster on free loopback ports (``redis+cluster://…``), started when first asked for."""
    cluster = RedisClusterProcesses(tmp_path_factory.mktemp("cluster"))
    yield cluster.start()
    cluster.stop()


@pytest.fixture(scope="session")
def redis_url(single_redis_url: str) -> str:
    """The Redis the tests run on: one node; the store's and the feed's tests run on a cluster too (their conftest
    makes this fixture take both)."""
    return single_redis_url


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    """The server's own kind of client for ``redis_url`` (one Redis or a cluster), on an empty Redis (FLUSHALL
    reaches every master of a cluster)."""
    client = await connect(redis_url, max_connections=64)
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
    client = sync_client(redis_url)
    client.flushall()
    client.close()
    with ServerProcess(tmp_path / "var", redis_url=redis_url) as server:
        yield server.ready()
