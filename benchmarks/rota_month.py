"""How long does the solver take to make a month's rota, and does it keep every rule? For docs/rota.md.

Solves the demo hall's December 2026 (or the hall and month given) ``--runs`` times, each twice: the first pass
alone (the rota that breaks the fewest rules, proven) and both passes (the clerks' comforts after it), and prints a
Markdown row per run with the wall-clock seconds, CP-SAT's deterministic time, whether every rule holds, and the
machine's load average at the end (the machine is shared: say what else ran).

Usage: python benchmarks/rota_month.py [--hall demo] [--month 2026-12] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from queue_server.config.loader import load_halls
from queue_server.rota.needs import month_of
from queue_server.rota.rules import check
from queue_server.rota.solver import solve

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hall", default="demo")
    parser.add_argument("--month", default="2026-12")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    hall = load_halls(ROOT / "config")[args.hall]
    year, month = (int(part) for part in args.month.split("-"))
    facts = month_of(hall, year, month)
    back = sum(1 for p in facts.posts if p.back_office)
    print(f"{hall.id} {args.month}: {len(facts.posts)} posts ({back} back office), {len(facts.clerks)} clerks")
    print("| run | first pass s | work units | rules kept | both passes s | rules kept | load (1 min) |")
    print("|---|---|---|---|---|---|---|")
    for run in range(1, args.runs + 1):
        first = solve(facts, polish=0)
        both = solve(facts)
        kept = (check(facts, first.assignments) == [], check(facts, both.assignments) == [])
        print(
            f"| {run} | {first.seconds:.2f} ({first.status}) | {first.work:.2f} | {kept[0]} | {both.seconds:.2f}"
            f" | {kept[1]} | {os.getloadavg()[0]:.2f} |"
        )


if __name__ == "__main__":
    main()
