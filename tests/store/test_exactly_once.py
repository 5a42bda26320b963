"""Exactly once under concurrency, against a real Redis: many visitors take tickets while every window calls,
calls given tickets by name (特呼), skips, transfers and takes back visitors, and the guide desk moves waiting
visitors to other categories, over several connection pools (as several server processes would).
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from pathlib import Path

import pytest
from redis.asyncio import Redis

from queue_server.config.loader import load_halls
from queue_server.core.errors import Conflict, InvalidRequest
from queue_server.core.hall import Window
from queue_server.store.hall_store import HallStore, Scripts
from queue_server.store.redis_client import connect
from queue_server.store.staff_desk import StaffDesk
from tests.conftest import MORNING
from tests.history import check_history
from tests.redis_cluster import sync_client

pytestmark = pytest.mark.asyncio

ISSUERS = 24
TICKETS_EACH = 40


async def test_concurrent_issue_and_call_next_is_exactly_once(redis: Redis, redis_url: str, config_dir: Path) -> None:
    hall = load_halls(config_dir)["demo"]
    # Three independent clients with their own connection pools stand for three server processes.
    clients = [await connect(redis_url, max_connections=40) for _ in range(3)]
    stores = [HallStore(c, Scripts(c), hall) for c in clients]
    desks = [StaffDesk(s) for s in stores]
    codes = hall.service_codes
    issued: list[str] = []
    returned: Counter[str] = Counter()
    special_refused = [0]
    done_issuing = asyncio.Event()

    async def visitor_stream(i: int) -> None:
        rng = random.Random(i)
        for _ in range(TICKETS_EACH):
            store = stores[rng.randrange(3)]
            ticket = (await store.issue(MORNING, rng.choice(codes), priority=rng.random() < 0.1))["ticket"]
            issued.append(ticket["id"])
            await asyncio.sleep(0)

    async def clerk(window: Window) -> None:
        rng = random.Random(1000 + window.number)
        idle_rounds = 0
        while True:
            store = stores[rng.randrange(3)]
            ticket = (await store.call_next(MORNING, window))["ticket"]
            if ticket is None:
                if done_issuing.is_set():
                    idle_rounds += 1
                    if idle_rounds > 3:
                        return
                await asyncio.sleep(0)
                continue
            idle_rounds = 0
            returned[ticket["id"]] += 1
            roll = rng.random()
            if roll < 0.05:
                await store.recall(MORNING, window.number)
            elif roll < 0.10:
                await store.skip(MORNING, window.number)
                # the visitor comes back a little later, through any process
                await stores[rng.randrange(3)].requeue(MORNING, ticket["id"])
            elif roll < 0.14:
                target = rng.choice([c for c in codes if c != ticket["service"]])
                await store.transfer(MORNING, window.number, target)
            elif roll < 0.16:
                await store.pause(MORNING, window.number)
                with pytest.raises(Conflict):
                    await store.call_next(MORNING, window)
                await store.resume(MORNING, window.number)
            elif roll < 0.30:
                # 特呼: a visitor named at random, who may meanwhile have been called elsewhere, or be of another
                # category; the script refuses those, and calls the rest exactly once.
                try:
                    special = await desks[rng.randrange(3)].call_ticket(MORNING, window, rng.choice(issued))
                except Conflict:
                    special_refused[0] += 1
                else:
                    returned[special["ticket"]["id"]] += 1

    async def guide_desk() -> None:
        # The guide desk moves visitors who wait to another category while the windows call them.
        rng = random.Random(7)
        while not done_issuing.is_set():
            if issued:
                try:
                    await desks[rng.randrange(3)].move_waiting(MORNING, rng.choice(issued), rng.choice(codes))
                except Conflict:
                    pass
                except InvalidRequest:  # same_service
                    pass
            await asyncio.sleep(0)

    async def issuers() -> None:
        await asyncio.gather(*(visitor_stream(i) for i in range(ISSUERS)))
        done_issuing.set()

    await asyncio.wait_for(asyncio.gather(issuers(), guide_desk(), *(clerk(w) for w in hall.windows)), timeout=120)
    # A clerk may have gone home before a colleague transferred someone into its line: serve the rest.
    for _ in range(ISSUERS * TICKETS_EACH):
        answers = [(await stores[0].call_next(MORNING, w))["ticket"] for w in hall.windows]
        for ticket in answers:
            if ticket is not None:
                returned[ticket["id"]] += 1
        if not any(answers):
            break
    for client in clients:
        await client.aclose()

    sync = sync_client(redis_url, decode_responses=True)
    replay = check_history(sync, hall.id)
    sync.close()
    assert len(issued) == len(set(issued)) == ISSUERS * TICKETS_EACH
    # Every visitor was served in the end, and each call the clerks saw is exactly one call in the history.
    assert set(replay.state.values()) == {"served"}
    assert returned == replay.calls
    assert sum(replay.calls.values()) >= len(issued)
    assert max(replay.calls.values()) > 1  # skipped-and-requeued and transferred visitors were called again
    assert replay.special_calls > 0 and special_refused[0] > 0 and replay.desk_moves > 0
