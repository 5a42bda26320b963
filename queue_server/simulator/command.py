"""``queue-server simulate``: try a hall day before a real one, with and without the tidal controller.

Reads the hall files and a profile, runs the day once per policy on a virtual clock (with ``--seeds``, once per
policy and seed, on one Redis, one after the other), and prints the report (a table, or JSON with ``--json``) on
standard output; progress goes to standard error, a line per seed and per simulated hour. Bad input (an unknown
hall, a missing or wrong profile, a bad date, a day the hall is closed, bad seeds) is one line on standard error
and exit code 2; a Redis that cannot be reached or started, exit code 1.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import secrets
import sys
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import redis

from queue_server.config.loader import ConfigError, load_halls
from queue_server.core.hall import Hall
from queue_server.simulator.engine import POLICIES, Policy, Progress
from queue_server.simulator.profile import Profile, ProfileError, load_profile
from queue_server.simulator.report import build_report, render_text, seed_entry
from queue_server.simulator.runner import embedded_redis, simulate
from queue_server.simulator.seeds import SeedsError, build_seeds_report, parse_seeds, render_seeds_text, seeds_label
from queue_server.simulator.staffing import boundaries
from queue_server.simulator.trial import TrialError, apply_trial, staffing_option, window_list, without_reserve
from queue_server.store.embedded_redis import EmbeddedRedisError

PROG = "queue-server simulate"


class BadInput(Exception):
    """What the user asked for cannot be simulated; the message says why."""


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Simulate a hall day on a virtual clock through the real scripts and tidal controller: every "
        "window on its own categories (static) and with the tidal controller (tidal), side by side.",
    )
    parser.add_argument("--profile", type=Path, required=True, help="the day's profile, e.g. config/profiles/x.toml")
    parser.add_argument("--hall", help="hall id (default: the profile's hall)")
    parser.add_argument("--date", help="the day to simulate, YYYY-MM-DD (default: the profile's date)")
    parser.add_argument("--policy", choices=[*POLICIES, "both"], default="both", help="default: both")
    parser.add_argument("--seed", type=int, help="random seed; the same seed gives the same day (default: random)")
    parser.add_argument(
        "--seeds",
        metavar="LIST",
        help="run the day once per seed and report the mean, the worst seed and a line per seed, e.g. 1-5 or "
        "1,2,5 (instead of --seed)",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--tidal-windows",
        metavar="LIST",
        help="try these windows as the tidal ones instead of the hall file's, e.g. 11,12,13,14",
    )
    parser.add_argument(
        "--reserve",
        action="store_true",
        help="let the hall's back-office staff (后台力量) answer the controller's alerts in the tidal run; their "
        "minutes are reported apart. Without it both runs have the same staff, and reserve windows stay closed",
    )
    parser.add_argument(
        "--staff",
        action="append",
        default=[],
        metavar="SESSION=LIST",
        help="try staffing a session (its name or name_en) at these windows, e.g. 周末及节假日专场=1,3,4,6,10,13; "
        "repeatable",
    )
    parser.add_argument("--config", type=Path, default=Path("config"), help="folder of hall files (default config/)")
    parser.add_argument(
        "--redis-url",
        help="run on this Redis (each run uses its own hall id and deletes its keys after); default: a throw-away "
        "embedded Redis",
    )
    return parser.parse_args(argv)


def seeds_of(args: argparse.Namespace) -> tuple[int, ...] | None:
    """The seeds of ``--seeds`` (None without it), or :class:`BadInput` / :class:`SeedsError`."""
    if args.seeds is None:
        return None
    if args.seed is not None:
        raise BadInput("--seed and --seeds: give one of them")
    return parse_seeds(args.seeds)


def prepare(args: argparse.Namespace) -> tuple[Hall, Profile, date, dict[str, Any] | None]:
    """The hall (with the trial's changes), the profile, the day and the trial, or :class:`BadInput`,
    :class:`TrialError`, ConfigError or ProfileError."""
    profile = load_profile(args.profile)
    halls = load_halls(args.config)
    hall_id = args.hall or profile.hall
    if hall_id not in halls:
        raise BadInput(f"unknown hall {hall_id!r} in {args.config} (halls: {', '.join(sorted(halls))})")
    if hall_id != profile.hall:
        raise BadInput(f"{profile.source} is a profile for hall {profile.hall!r}, not {hall_id!r}")
    hall = halls[hall_id]
    profile.check_hall(hall)
    tidal = window_list(args.tidal_windows, "--tidal-windows") if args.tidal_windows is not None else None
    staffing = dict(staffing_option(text) for text in args.staff)
    hall = apply_trial(hall, tidal, staffing)
    if not args.reserve:
        hall = without_reserve(hall)
    trial: dict[str, Any] | None = None
    if tidal is not None or staffing or (args.reserve and hall.reserve):
        trial = {
            "tidal_windows": None if tidal is None else list(tidal),
            "staff": {k: list(v) for k, v in staffing.items()},
        }
        if args.reserve and hall.reserve:
            trial["reserve"] = True
    if args.date is not None:
        try:
            day = date.fromisoformat(args.date)
        except ValueError:
            raise BadInput(f"--date: expected a date like 2026-11-23, got {args.date!r}") from None
    elif profile.day is not None:
        day = profile.day
    else:
        raise BadInput(f"{profile.source}: profile.date is not set; give --date")
    if not hall.sessions:
        raise BadInput(f"hall {hall.id!r} has no [[sessions]] (open at all times): a simulated day needs sessions")
    if not boundaries(hall, day):
        raise BadInput(f"hall {hall.id!r} has no session on {day} (closed that day); pick another --date")
    return hall, profile, day, trial


async def run_seeds(
    url: str,
    hall: Hall,
    profile: Profile,
    day: date,
    policies: Sequence[Policy],
    seeds: Sequence[int],
    progress: Progress,
) -> list[dict[str, Any]]:
    """Each seed's :func:`seed_entry`, one seed after the other on the Redis at ``url``; with several seeds, the
    progress says which seed is running."""
    entries = []
    for i, seed in enumerate(seeds, start=1):
        tagged = progress
        if len(seeds) > 1:
            progress(f"seed {seed} ({i} of {len(seeds)})")
            tagged = _tagged(progress, seed)
        outcomes = await simulate(url, hall, profile, day, policies, seed, tagged)
        entries.append(seed_entry(hall, day, seed, outcomes))  # the tickets are dropped before the next seed
    return entries


def _tagged(progress: Progress, seed: int) -> Progress:
    return lambda line: progress(f"seed {seed}: {line}")


def simulate_command(argv: Sequence[str]) -> int:
    args = parse_args(argv)
    try:
        seeds = seeds_of(args)
        hall, profile, day, trial = prepare(args)
    except (BadInput, SeedsError, TrialError, ConfigError, ProfileError) as e:
        print(f"{PROG}: {e}", file=sys.stderr)
        return 2
    policies: tuple[Policy, ...] = POLICIES if args.policy == "both" else (args.policy,)
    started = time.monotonic()

    def progress(line: str) -> None:
        print(f"{PROG}: {line}", file=sys.stderr, flush=True)

    runs = seeds or (args.seed if args.seed is not None else secrets.randbelow(1_000_000),)
    which = f"seed {runs[0]}" if seeds is None else f"{len(runs)} seeds ({seeds_label(runs)})"
    progress(f"hall {hall.id}, {day}, {which}, policies {', '.join(policies)}")
    try:
        with contextlib.nullcontext(args.redis_url) if args.redis_url else embedded_redis() as url:
            entries = asyncio.run(run_seeds(url, hall, profile, day, policies, runs, progress))
    except (EmbeddedRedisError, redis.RedisError, OSError) as e:
        print(f"{PROG}: Redis: {e}", file=sys.stderr)
        return 1
    if seeds is None:
        report = build_report(hall, profile, day, entries[0], trial)
        text = render_text(report, hall)
    else:
        report = build_seeds_report(hall, profile, day, entries, trial)
        text = render_seeds_text(report, hall)
    progress(f"done in {time.monotonic() - started:.1f} s")
    print(json.dumps(report, ensure_ascii=False, indent=2) if args.json else text)
    return 0
