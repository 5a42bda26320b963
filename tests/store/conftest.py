"""The store's tests run on one Redis and on a 3-master Redis Cluster: every script must keep to its hall's slot."""

from __future__ import annotations

import pytest

from tests.redis_cluster import REDIS_KINDS


@pytest.fixture(scope="session", params=REDIS_KINDS)
def redis_url(request: pytest.FixtureRequest) -> str:
    url: str = request.getfixturevalue(f"{request.param}_redis_url")
    return url
