"""Every script touches one hall's keys only, so a Redis Cluster can run it: each key of a hall carries the hash
tag ``{hall}``, the scripts name keys only through ``KEYS``, and a key of another slot is refused before it is sent.
"""

from __future__ import annotations

import inspect
import re
from importlib import resources

import pytest

from queue_server.store import keys, leases, sign_in_guard
from queue_server.store.hall_store import SCRIPT_NAMES, HallStore
from tests.conftest import MORNING

HALL = "chengdu-tianfu"


def hall_key_makers() -> list[tuple[str, object]]:
    return [
        (name, function)
        for name, function in inspect.getmembers(keys, inspect.isfunction)
        if function.__module__ == keys.__name__
        and not name.startswith("_")
        and list(inspect.signature(function).parameters)[:1] == ["hall"]
    ]


@pytest.mark.parametrize(("name", "make"), hall_key_makers())
def test_every_key_of_a_hall_carries_its_hash_tag(name: str, make: object) -> None:
    others = len(inspect.signature(make).parameters) - 1  # type: ignore[arg-type]
    extra: list[object] = ["A", False][:others] if name == "waiting" else ["x"] * others
    key = make(HALL, *extra)  # type: ignore[operator]
    assert keys.hash_tag(key) == HALL, f"keys.{name} makes {key!r}, outside the hall's slot"


def test_the_hash_tag_is_what_a_cluster_hashes() -> None:
    assert keys.hash_tag("tq:{demo}:events") == "demo"
    assert keys.hash_tag("tq:{}:x{demo}") is None  # an empty tag: Redis hashes the whole key
    assert keys.hash_tag("LIMITS:global") is None


def script_texts() -> dict[str, str]:
    folder = resources.files("queue_server.store.scripts")
    texts = {name: folder.joinpath(f"{name}.lua").read_text(encoding="utf-8") for name in SCRIPT_NAMES}
    texts["_prelude"] = folder.joinpath("_prelude.lua").read_text(encoding="utf-8")
    texts["sign_in_guard.FAIL"] = sign_in_guard.FAIL
    for name in ("BEAT", "RENEW", "RELEASE"):
        texts[f"leases.{name}"] = getattr(leases, name)
    return texts


@pytest.mark.parametrize("name", sorted(script_texts()))
def test_a_script_names_keys_only_through_keys(name: str) -> None:
    # A key a script makes up itself (a literal, or one built from another) could lie in another slot, and Redis
    # Cluster only guarantees the slot of the keys it is given.
    text = script_texts()[name]
    assert not re.search(r"""['"]tq:""", text), f"{name} writes a key name of its own"
    assert not re.search(r"KEYS\[[^\]]+\]\s*\.\.", text), f"{name} builds a key name from another"


async def test_a_key_of_another_hall_is_refused_before_it_reaches_redis(store: HallStore) -> None:
    await store.issue(MORNING, "A")
    with pytest.raises(ValueError, match="hash tag"):
        await store.run("status", MORNING, {"id": "x"}, extra_keys=[keys.ratings("another-hall")])
    # the hall's own extra keys pass, and the hall is as it was
    answer = await store.run("snapshot", MORNING, extra_keys=[keys.ratings(store.hall.id)])
    assert answer["waiting"]["A"] == [1, 0]
