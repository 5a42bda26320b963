"""The tidal controller against Lanzhou's result, over profiles and seeds: the table in docs/simulator.md.

For each profile, ``queue-server simulate --seeds`` runs static and tidal with the same visitors and the same staff
(no reserve staff unless ``--reserve``), and this prints a Markdown row per profile with the goals of the issue:

- busy-ratio spread (max − min): the mean over seeds, static → tidal, at least 50% lower;
- tidal share (visitors served at a switched window for the line it was switched to), mean: at least 20%;
- p90 wait lower than static in every seed;
- no category's p90 more than 5 minutes worse than static (the mean over seeds, per category);
- staff minutes of both runs, so that the comparison is at equal staff time.

Usage: python benchmarks/tidal_goals.py [--seeds 1-5] [--reserve] [PROFILE ...]
(default: every profile in config/profiles/). Progress on standard error, the table on standard output.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def run(profile: Path, seeds: str, reserve: bool) -> dict[str, Any]:
    command = [sys.executable, "-m", "queue_server.server.cli", "simulate", "--profile", str(profile)]
    command += ["--seeds", seeds, "--json", *(["--reserve"] if reserve else [])]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{profile}: {done.stderr.strip().splitlines()[-1]}")
    return dict(json.loads(done.stdout))


def row(report: dict[str, Any]) -> dict[str, Any]:
    static, tidal = report["mean"]["static"], report["mean"]["tidal"]
    seeds = report["per_seed"]
    better = sum(
        1
        for s in seeds
        if s["policies"]["tidal"]["overall"]["wait_p90"] < s["policies"]["static"]["overall"]["wait_p90"]
    )
    worst_code, worst = "–", float("-inf")
    for i, category in enumerate(static["categories"]):
        differences = [
            (s["policies"]["tidal"]["categories"][i]["wait_p90"] or 0.0)
            - (s["policies"]["static"]["categories"][i]["wait_p90"] or 0.0)
            for s in seeds
        ]
        if statistics.mean(differences) > worst:
            worst_code, worst = category["code"], statistics.mean(differences)
    spread_static, spread_tidal = static["busy_spread"]["max_minus_min"], tidal["busy_spread"]["max_minus_min"]
    return {
        "profile": report["profile"]["name"],
        "p90": (static["overall"]["wait_p90"], tidal["overall"]["wait_p90"]),
        "better": f"{better}/{len(seeds)}",
        "spread": (spread_static, spread_tidal, (spread_tidal / spread_static - 1) * 100),
        "share": tidal["tidal_share"]["share"] * 100,
        "worst_category": (worst_code, worst),
        "staff": (static["staff_minutes"], tidal["staff_minutes"]),
    }


def markdown(rows: list[dict[str, Any]], reserve: bool) -> str:
    head = (
        "| profile | p90 static → tidal, min | p90 better | spread static → tidal | tidal share "
        "| worst category p90 | staff minutes static / tidal (reserve) |"
    )
    lines = [head, "|---|---|---|---|---|---|---|"]
    for r in rows:
        (ps, pt), (ss, st, change), (code, worst) = r["p90"], r["spread"], r["worst_category"]
        static_staff, tidal_staff = r["staff"]
        staff = f"{static_staff['total']:.0f} / {tidal_staff['regular']:.0f}"
        staff += f" ({tidal_staff['reserve']:.0f})" if reserve else ""
        lines.append(
            f"| {r['profile']} | {ps:.1f} → {pt:.1f} | {r['better']} | {ss:.3f} → {st:.3f} ({change:+.0f}%) "
            f"| {r['share']:.1f}% | {code} {worst:+.1f} min | {staff} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("profiles", nargs="*", type=Path)
    parser.add_argument("--seeds", default="1-5")
    parser.add_argument("--reserve", action="store_true", help="reserve staff answer alerts in the tidal run")
    args = parser.parse_args()
    profiles = args.profiles or sorted((ROOT / "config" / "profiles").glob("*.toml"))
    rows = []
    for i, profile in enumerate(profiles, 1):
        print(f"tidal_goals: {profile.name} ({i} of {len(profiles)}), seeds {args.seeds}", file=sys.stderr, flush=True)
        rows.append(row(run(profile, args.seeds, args.reserve)))
    print(markdown(rows, args.reserve))


if __name__ == "__main__":
    main()
