"""The month's rota kept in Redis, on one Redis and on a cluster: a draft decides nothing, publishing it makes the
process go by it, and an edit made from a rota someone changed meanwhile is refused (a compare-and-set in one
script), with the first edit kept."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from redis.asyncio import Redis

from queue_server.config.loader import load_halls
from queue_server.core.errors import Conflict
from queue_server.core.hall import Hall
from queue_server.rota.needs import month_of
from queue_server.store import rota_store
from queue_server.store.hall_store import HallStore, Scripts
from tests.conftest import SHANGHAI

THURSDAY = datetime(2026, 12, 3, 8, 45, tzinfo=SHANGHAI)


@pytest.fixture
def demo(config_dir: Path) -> Hall:
    return load_halls(config_dir)["demo"]


def thursday_morning(demo: Hall) -> dict[str, str]:
    """Windows 1-4 held by their own clerks on Thursday morning; every other post of December open."""
    return {f"2026-12-03 09:00 #{n}": f"w{n:02d}" for n in (1, 2, 3, 4)}


async def test_a_published_rota_decides_and_a_stale_edit_is_refused(redis: Redis, demo: Hall) -> None:
    store = HallStore(redis, Scripts(redis), demo)
    facts = month_of(demo, 2026, 12)
    made = {"source": "edited", "at": THURSDAY.isoformat(), "by": "first", "solver": None}
    draft = await rota_store.save(store, facts, thursday_morning(demo), made, THURSDAY)
    assert (draft["version"], draft["published"]) == (1, None)
    assert store.hall.duty == {}  # a draft decides nothing
    published = await rota_store.publish(store, "2026-12", "boss", THURSDAY)
    assert published is not None and published["version"] == 2
    thursday = store.hall.duty[THURSDAY.date()]
    assert thursday.clerks == {"w01": (1,), "w02": (2,), "w03": (3,), "w04": (4,)}

    seen = await rota_store.stored(redis, "demo", "2026-12")
    assert seen is not None
    moved = {**thursday_morning(demo), "2026-12-03 09:00 #5": "w05"}
    await rota_store.save(store, facts, moved, made, THURSDAY, over=seen)  # the first supervisor
    with pytest.raises(Conflict) as second:
        await rota_store.save(store, facts, thursday_morning(demo), {**made, "by": "second"}, THURSDAY, over=seen)
    assert second.value.code == "rota_changed" and "请刷新" in second.value.message
    kept = await rota_store.stored(redis, "demo", "2026-12")
    assert kept is not None and (kept["by"], kept["version"], kept["published"]["by"]) == ("first", 3, "boss")
    assert store.hall.duty[THURSDAY.date()].clerks["w05"] == (5,)  # still published: the edit decides at once
    assert await rota_store.publish(store, "2027-01", "boss", THURSDAY) is None
