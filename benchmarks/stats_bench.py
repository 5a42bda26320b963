"""Statistics benchmark: how long one busy day's statistics take, from Redis to the finished summary.

It starts its own redis-server (the embedded one, in a temporary directory), plays a day of ``--tickets``
tickets in the ``demo`` hall through the real scripts (``HallStore.issue``, ``call_next``, ``skip``,
``complete``, ``tidal``, ``pause`` at fixed moments on Monday 2026-11-23, windows staffed per the hall's
sessions), then times, ``--repeats`` times each:

- ``load``: ``stats_api.load_statistics`` for that day: the day index and tickets, the paused time and the
  bookings read from Redis, and ``statistics.summarise`` on them (what the API does for one request);
- ``summarise``: the pure ``summarise`` alone, on tickets already loaded;
- ``csv`` and ``charts``: the CSV text and the four SVG charts from the summary.

It prints the median and the extremes of each, in ms, with the machine it ran on. Run it from the repository
root::

    .venv/bin/python benchmarks/stats_bench.py                  # 5,000 tickets, 7 repeats
    .venv/bin/python benchmarks/stats_bench.py --tickets 20000 --json result.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from redis.asyncio import Redis
from stats import machine_facts

from queue_server.config.loader import load_halls
from queue_server.core.hall import Hall
from queue_server.core.statistics.summary import summarise
from queue_server.core.statistics.windows import staffs
from queue_server.store.embedded_redis import EmbeddedRedis
from queue_server.store.hall_store import HallStore, Scripts
from queue_server.web.stats.api import load_statistics, paused_time, stored_bookings
from queue_server.web.stats.charts import CHARTS, render_chart
from queue_server.web.stats.export import statistics_csv

ROOT = Path(__file__).resolve().parent.parent
DAY = date(2026, 11, 23)  # a Monday: morning, lunch (five windows), afternoon and the evening extension
STEP = 15  # seconds between the moments at which windows act
OPENS, CLOSES, SERVE_UNTIL = (9, 0), (18, 30), (20, 0)  # hours: tickets issued until CLOSES, served on after


def moment(hall: Hall, hh: int, mm: int, seconds: float = 0) -> datetime:
    return datetime(DAY.year, DAY.month, DAY.day, hh, mm, tzinfo=hall.timezone) + timedelta(seconds=seconds)


def arrivals(hall: Hall, count: int, rng: random.Random) -> list[datetime]:
    """``count`` arrival moments between opening and closing, twice as dense in the morning peak (09:30-12:00)."""
    start, end = moment(hall, *OPENS), moment(hall, *CLOSES)
    span = (end - start).total_seconds()
    found: list[datetime] = []
    while len(found) < count:
        offset = rng.uniform(0, span)
        at = start + timedelta(seconds=offset)
        if (at.hour in (9, 10, 11) and not (at.hour == 9 and at.minute < 30)) or rng.random() < 0.5:
            found.append(at)
    return sorted(found)


def staffed_now(hall: Hall, at: datetime) -> set[int]:
    """The windows the sessions staff at ``at``; after closing, those of the evening session serve on."""
    local = at.astimezone(hall.timezone).time()
    running = [s for s in hall.sessions if s.runs_on(DAY, "workday") and s.start <= local < s.end]
    if not running:
        running = [s for s in hall.sessions if s.runs_on(DAY, "workday") and s.end.hour >= 18]
    return {w.number for w in hall.windows if any(staffs(s, w) for s in running)}


async def play_day(store: HallStore, tickets: int, seed: int) -> dict[str, int]:
    """The day through the real scripts; returns how many calls of each kind it made."""
    hall, rng = store.hall, random.Random(seed)
    codes = [s.code for s in hall.services]
    queue = arrivals(hall, tickets, rng)
    busy: dict[int, tuple[datetime, bool]] = {}  # window -> (when its visitor is done, whether it is a no-show)
    counts = dict.fromkeys(("issue", "call_next", "complete", "skip", "tidal", "pause"), 0)
    waiting, i = 0, 0
    at, end = moment(hall, *OPENS), moment(hall, *SERVE_UNTIL)
    while at <= end and (i < len(queue) or waiting or busy):
        for number, (done, no_show) in sorted(busy.items()):
            if done <= at:
                await (store.skip if no_show else store.complete)(done, number)
                counts["skip" if no_show else "complete"] += 1
                del busy[number]
        while i < len(queue) and queue[i] <= at:
            await store.issue(queue[i], rng.choice(codes))
            counts["issue"] += 1
            waiting, i = waiting + 1, i + 1
        if at == moment(hall, 10, 0):  # 潮汐窗口: window 13 helps ID cards through the morning peak
            await store.tidal(at, 13, "A", manual=True, cause="manual", reason="benchmark")
            counts["tidal"] += 1
        if at in (moment(hall, 15, 0), moment(hall, 15, 20)):
            await (store.pause if at.minute == 0 else store.resume)(at, 5)
            counts["pause"] += 1
        for number in sorted(staffed_now(hall, at) - set(busy)):
            window = hall.window(number)
            if window is None or not waiting or (number == 5 and moment(hall, 15, 0) <= at < moment(hall, 15, 20)):
                continue
            ticket = (await store.call_next(at, window))["ticket"]
            counts["call_next"] += 1
            if ticket is not None:
                waiting -= 1
                busy[number] = (at + timedelta(seconds=STEP * rng.randint(2, 8)), rng.random() < 0.04)
        at += timedelta(seconds=STEP)
    return counts


class Timer:
    """Wall-clock and CPU time of this process per run, in ms: on a shared machine the CPU time is the steadier
    figure, and wall time well above it means other processes had the cores."""

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []
        self._wall = self._cpu = 0.0

    def __enter__(self) -> Timer:
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall.append((time.perf_counter() - self._wall) * 1000)
        self.cpu.append((time.process_time() - self._cpu) * 1000)

    def figures(self) -> dict[str, float]:
        return {
            "median_ms": round(statistics.median(self.wall), 2),
            "min_ms": round(min(self.wall), 2),
            "max_ms": round(max(self.wall), 2),
            "cpu_median_ms": round(statistics.median(self.cpu), 2),
        }


async def measure(url: str, tickets: int, repeats: int, seed: int) -> dict[str, Any]:
    redis = Redis.from_url(url, decode_responses=True)
    hall = load_halls(ROOT / "config")["demo"]
    store = HallStore(redis, Scripts(redis), hall)
    started = time.perf_counter()
    counts = await play_day(store, tickets, seed)
    played = time.perf_counter() - started
    now = moment(hall, 21, 0)
    load, pure, csv_text, charts = Timer(), Timer(), Timer(), Timer()
    summary: dict[str, Any] = {}
    load_before = os.getloadavg()
    for _ in range(repeats):
        with load:
            summary = await load_statistics(store, DAY, DAY, now)
    loaded = await store.tickets_of_days(DAY, DAY)
    paused, bookings = await paused_time(store, DAY, DAY, now), await stored_bookings(store)
    for _ in range(repeats):
        with pure:
            summarise(hall, loaded, DAY, DAY, paused_ms=paused, bookings=bookings, now=now)
        with csv_text:
            statistics_csv(summary)
        with charts:
            for name in CHARTS:
                render_chart(name, summary)
    info = await redis.info("server")
    await redis.aclose()
    overall, spread, tidal = summary["overall"], summary["busy_spread"], summary["tidal_share"]
    return {
        "day": {
            "tickets": len(loaded),
            "script_calls": counts,
            "played_seconds": round(played, 1),
            "served": overall["served"],
            "skipped": overall["skipped"],
            "wait_p50_p90_max": [overall["wait_p50"], overall["wait_p90"], overall["wait_max"]],
            "busy_spread": spread["max_minus_min"],
            "tidal_share": tidal["share"],
            "summary_json_bytes": len(json.dumps(summary, ensure_ascii=False).encode()),
        },
        "repeats": repeats,
        "load_and_summarise": load.figures(),
        "summarise_only": pure.figures(),
        "csv": csv_text.figures(),
        "four_charts": charts.figures(),
        "machine": machine_facts(
            {"redis": info.get("redis_version", "?")},
            {"loadavg_1min_before_after": [round(load_before[0], 2), round(os.getloadavg()[0], 2)]},
        ),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="stats_bench", description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument("--tickets", type=int, default=5000, help="tickets in the day (default 5000)")
    parser.add_argument("--repeats", type=int, default=7, help="timed runs of each step (default 7)")
    parser.add_argument("--seed", type=int, default=20261123, help="random seed of the day")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="stats-bench-") as folder:
        server = EmbeddedRedis(Path(folder), persistent=False)
        url = server.start()
        try:
            result = asyncio.run(measure(url, args.tickets, args.repeats, args.seed))
        finally:
            server.stop()
    print(json.dumps(result, indent=2, ensure_ascii=False))
    total = result["load_and_summarise"]["median_ms"]
    cpu = result["load_and_summarise"]["cpu_median_ms"]
    tickets = result["day"]["tickets"]
    print(f"\n{tickets} tickets: load + summarise median {total} ms ({cpu} ms CPU) over {args.repeats} runs")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
