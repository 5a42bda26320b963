"""Sign-in back-off: after a few wrong passwords, a username and a client address must wait, longer each time.

A guesser is slowed to a crawl, while the real clerk is never locked out for long: a username waits at most
:data:`USER_WAIT_MAX` seconds (a stream of wrong guesses for someone else's name keeps them out no longer than
that at a time), an address up to :data:`ADDRESS_WAIT_MAX`. Failures are forgotten :data:`FORGET_SECONDS` after
the last one, and a username's on a good sign-in. Shared by every server process through Redis.
"""

from __future__ import annotations

import math

from redis.asyncio import Redis

from queue_server.store import keys

USER_FREE_FAILURES = 3  # typos are free
ADDRESS_FREE_FAILURES = 10  # a hall's pads often share one address (its LAN's gateway): typos of several clerks
USER_WAIT_MAX = 30.0  # seconds
ADDRESS_WAIT_MAX = 300.0
FORGET_SECONDS = 15 * 60

# KEYS[1] failures counter, KEYS[2] the wait; ARGV[1] free failures, ARGV[2] the longest wait (ms), ARGV[3] forget
# after (s). Counts one failure and sets the wait it earns, 1 s doubling after the free ones.
FAIL = """
local n = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[3])
local over = n - tonumber(ARGV[1])
if over > 0 then
  local wait = math.min(1000 * 2 ^ (over - 1), tonumber(ARGV[2]))
  redis.call('SET', KEYS[2], n, 'PX', math.floor(wait))
end
return n
"""


class SignInGuard:
    """The back-off of one hall's sign-ins."""

    def __init__(self, redis: Redis, hall_id: str) -> None:
        self.redis, self.hall_id = redis, hall_id
        self._fail = redis.register_script(FAIL)

    def _parties(self, username: str, address: str) -> list[tuple[str, int, float]]:
        """Who is counted: (key, free failures, longest wait in seconds)."""
        return [
            (f"user:{username}", USER_FREE_FAILURES, USER_WAIT_MAX),
            (f"addr:{address}", ADDRESS_FREE_FAILURES, ADDRESS_WAIT_MAX),
        ]

    async def wait(self, username: str, address: str) -> int:
        """Seconds the caller must wait before trying again (0: may try now)."""
        waits = [
            await self.redis.pttl(keys.sign_in_wait(self.hall_id, who))
            for who, _, _ in self._parties(username, address)
        ]
        return math.ceil(max(0, *waits) / 1000)

    async def failed(self, username: str, address: str) -> None:
        for who, free, longest in self._parties(username, address):
            await self._fail(
                keys=[keys.sign_in_failures(self.hall_id, who), keys.sign_in_wait(self.hall_id, who)],
                args=[free, int(longest * 1000), FORGET_SECONDS],
            )

    async def succeeded(self, username: str) -> None:
        who = f"user:{username}"
        await self.redis.delete(keys.sign_in_failures(self.hall_id, who), keys.sign_in_wait(self.hall_id, who))
