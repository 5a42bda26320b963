"""Shared fixtures: a real redis-server on a free port in a temporary directory, and test halls."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from redis.asyncio import Redis

from queue_server.config import Hall, Service, Window
from queue_server.embedded_redis import EmbeddedRedis
from queue_server.store import HallStore, Scripts

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A fixed moment in the hall's zone; tests move it explicitly.
MORNING = datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)


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
