"""Does the staffing plan meet the hall's service target? The simulator's answer, for docs/staffing.md.

For each profile and seed (queue_server.simulator.plan_check): the forecast the hall would have made for the day
(from the past weeks the profile gives, and the day's bookings), the staffing plan on it, and the day run in the
simulator's static policy twice, with the same visitors: staffed as the plan says (each session's windows serving
one category each, as many as the plan needs) and as the hall file staffs it. Prints a Markdown row per run: the
windows per session, the share of visitors called within the target minutes over the day, and the lowest share of
any category. The plan passes when every row of it has both at or above the target.

Usage: python benchmarks/staffing_check.py [--seeds 1-5] [--redis-url URL] [PROFILE ...]
(default: config/profiles/demo-weekday.toml and demo-weekend.toml; a throw-away embedded Redis when no URL).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from queue_server.config.loader import load_halls
from queue_server.simulator.plan_check import CheckResult, check
from queue_server.simulator.profile import load_profile
from queue_server.simulator.runner import embedded_redis
from queue_server.simulator.seeds import parse_seeds

ROOT = Path(__file__).resolve().parent.parent
PROFILES = [ROOT / "config" / "profiles" / "demo-weekday.toml", ROOT / "config" / "profiles" / "demo-weekend.toml"]


def line(name: str, result: CheckResult) -> str:
    windows = ", ".join(f"{session} {n}" for session, n in result.windows.items())
    lowest = min(result.visitors, key=result.share_of)
    return (
        f"| {name} | {result.seed} | {result.staffing} | {windows} | {result.share:.1%} | "
        f"{lowest} {result.share_of(lowest):.1%} | {'yes' if result.met else 'no'} |"
    )


async def run(redis_url: str, profiles: list[Path], seeds: tuple[int, ...]) -> bool:
    halls = load_halls(ROOT / "config")
    print("| profile | seed | staffing | windows per session | called within target | lowest category | met |")
    print("|---|---|---|---|---|---|---|")
    passed = True
    for path in profiles:
        profile = load_profile(path)
        hall = halls[profile.hall]
        if profile.day is None:
            raise SystemExit(f"{path}: the profile names no date")
        for seed in seeds:
            for staffing in ("plan", "hall"):
                result = await check(redis_url, hall, profile, profile.day, seed, staffing)
                print(line(path.stem, result), flush=True)
                passed &= result.met or staffing == "hall"
    return passed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("profiles", nargs="*", type=Path, default=PROFILES)
    parser.add_argument("--seeds", default="1-5")
    parser.add_argument("--redis-url")
    args = parser.parse_args()
    seeds = parse_seeds(args.seeds)
    if args.redis_url:
        passed = asyncio.run(run(args.redis_url, args.profiles, seeds))
    else:
        with embedded_redis() as url:
            passed = asyncio.run(run(url, args.profiles, seeds))
    print("the plan met the target in every run" if passed else "the plan MISSED the target", file=sys.stderr)
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
