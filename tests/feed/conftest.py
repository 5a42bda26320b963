"""The event channels run on one Redis and on a 3-master Redis Cluster: each hall's stream is read on its node."""

from __future__ import annotations

import pytest

from tests.redis_cluster import REDIS_KINDS


@pytest.fixture(scope="session", params=REDIS_KINDS)
def redis_url(request: pytest.FixtureRequest) -> str:
    url: str = request.getfixturevalue(f"{request.param}_redis_url")
    return url
