"""Replays a hall's whole event stream and checks the exactly-once rules on it.

Used by the concurrency tests: whatever the interleaving, every ticket is called at most once per time it
waits, no two windows hold the same ticket, no number is issued twice, and the stored tickets agree with the
history. A 特呼 (``called`` with ``special``) follows the same rules as call-next; a ``transferred`` event without
a window is the guide desk moving a ticket that waits, which stays waiting.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, cast

from redis import Redis

from queue_server.store import keys


@dataclass
class Replay:
    state: dict[str, str] = field(default_factory=dict)
    held: dict[int, str] = field(default_factory=dict)  # window -> ticket it holds
    calls: Counter[str] = field(default_factory=Counter)
    special_calls: int = 0  # 特呼: called by name
    desk_moves: int = 0  # waiting tickets moved to another category at the guide desk
    numbers: Counter[tuple[str, str]] = field(default_factory=Counter)
    violations: list[str] = field(default_factory=list)

    def expect(self, ticket: str, allowed: tuple[str, ...], event: dict[str, Any]) -> None:
        if self.state.get(ticket) not in allowed:
            self.violations.append(f"{event['type']} of {event.get('number')} in state {self.state.get(ticket)}")

    def apply(self, e: dict[str, Any]) -> None:
        kind, ticket = e["type"], e.get("ticket_id", "")
        window = int(e.get("window") or 0)
        if kind == "issued":
            self.expect(ticket, (), e) if ticket in self.state else None
            self.numbers[(e["business_day"], e["number"])] += 1
            self.state[ticket] = "waiting"
        elif kind == "called":
            self.expect(ticket, ("waiting",), e)
            if ticket in self.held.values():
                self.violations.append(f"{e['number']} called at {window} while held by another window")
            if window in self.held:
                self.violations.append(f"window {window} called {e['number']} while still holding a ticket")
            self.held[window] = ticket
            self.calls[ticket] += 1
            self.special_calls += bool(e.get("special"))
            self.state[ticket] = "called"
        elif kind == "transferred" and not window:
            self.expect(ticket, ("waiting",), e)
            if ticket in self.held.values():
                self.violations.append(f"{e['number']} moved at the desk while a window holds it")
            self.desk_moves += 1
        elif kind in ("completed", "skipped", "transferred"):
            self.expect(ticket, ("called",), e)
            if self.held.get(window) != ticket:
                self.violations.append(f"{kind} of {e['number']} at window {window}, which does not hold it")
            self.held.pop(window, None)
            self.state[ticket] = {"completed": "served", "skipped": "skipped", "transferred": "waiting"}[kind]
        elif kind == "recalled":
            self.expect(ticket, ("called",), e)
        elif kind == "requeued":
            self.expect(ticket, ("skipped",), e)
            self.state[ticket] = "waiting"
        elif kind == "expired":
            self.expect(ticket, ("waiting",), e)
            self.state[ticket] = "expired"


def replay_hall(redis: Redis, hall_id: str) -> Replay:
    replay = Replay()
    entries = cast(list[tuple[str, dict[str, str]]], redis.xrange(keys.events(hall_id)))
    for _, fields in entries:
        replay.apply(json.loads(fields["data"]))
    return replay


def check_history(redis: Redis, hall_id: str) -> Replay:
    """Replay the stream, assert the exactly-once rules and that the stored tickets match the replay."""
    replay = replay_hall(redis, hall_id)
    assert replay.violations == []
    assert [n for n, count in replay.numbers.items() if count > 1] == []
    stored = {tid: json.loads(raw)["state"] for tid, raw in redis.hgetall(keys.tickets(hall_id)).items()}
    assert stored == replay.state
    return replay
