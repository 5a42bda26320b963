"""The WebSocket benchmark's report: what each phase measured on each ws implementation, and whether it passed.

A run passes when every screen got every call once and in order, all clients connected, the idle clients all
got the final call within 5 s, and no server logged an error while running (errors logged while it was being
stopped are shown but not counted).
"""

from __future__ import annotations

import argparse
import shlex
import sys
from typing import Any

from proc_usage import OTHER_WARN
from ws_phases import GOAL_P99_MS


def fmt(p: dict[str, float | None]) -> str:
    return "  ".join(f"{k} {'-' if v is None else v}" for k, v in p.items())


def fmt_gc(collections: dict[str, dict[str, float]]) -> str:
    if not collections:
        return "none"
    return ", ".join(f"{g} {c['count']}x {c['ms']} ms (max {c['max_ms']})" for g, c in collections.items())


def print_report(results: list[dict[str, Any]], facts: dict[str, Any], args: argparse.Namespace) -> bool:
    ok = True
    for r in results:
        print(f"=== ws implementation: {r['ws_impl']}")
        if f := r.get("fanout"):
            print(
                f"fanout: {f['connected']}/{f['screens']} screens in {args.client_procs} load processes, "
                f"{f['calls']['made']}/{f['calls']['asked']} calls {args.interval * 1000:g} ms apart"
            )
            print(f"  latency ms (screen, call):   {fmt(f['latency_ms'])}")
            print(f"  first screen per call, ms:   {fmt(f['first_screen_ms'])}")
            print(f"  last minus first screen, ms: {fmt(f['spread_ms'])}")
            print(f"  clerk's answer, ms:          {fmt(f['clerk_answer_ms'])}")
            print(f"  event in Redis after, ms:    {fmt(f['event_in_redis_ms'])}  (stream id: 1 ms resolution)")
            print(
                f"  delivery: {f['pairs_received']}/{f['pairs_expected']} pairs, missing {f['missing']}, "
                f"duplicates {f['duplicates']}, screens out of order {f['screens_out_of_order']}, "
                f"resync snapshots {f['resync_snapshots']}, closed {f['screens_closed'] or 0}, "
                f"connect failures {f['connect_failures'] or 0}"
            )
            c = f["cpu_percent"]
            print(
                f"  cpu % of a core while calling: server {c['server']}, redis {c['redis']}, "
                f"load processes {c['clients']}, other {c['other']}; server {f['server_cpu_ms_per_call']} ms/call, "
                f"clients {f['client_cpu_us_per_message']} µs/message; "
                f"{f['messages_per_screen_per_call']} messages per screen per call"
            )
            if gcs := f.get("server_gc"):
                print(f"  server garbage collection while calling: {fmt_gc(gcs['calls'])}")
            verdict = "met" if f["goal_met"] else "MISSED"
            print(f"  goal p99 <= {GOAL_P99_MS:g} ms: {verdict}")
            if c["other"] is not None and c["other"] > OTHER_WARN:
                print(f"  WARNING: other processes took {c['other']}% of a core while calling")
            ok &= not (f["missing"] or f["duplicates"] or f["screens_out_of_order"] or f["connect_failures"])
            ok &= not f.get("server_log_errors")
        if i := r.get("idle"):
            rss, per = i["server_rss_kib"], i["kib_per_connection"]
            fc = i["final_call"]
            print(
                f"idle: {i['connected']}/{i['target']} connected in {i['connect_seconds']} s, "
                f"{i['open_after_hold']} still open after {i['hold_seconds']:g} s "
                f"(heartbeats per client {i['heartbeats_per_client']}), closed {i['closed_during_hold'] or 0}"
            )
            print(
                f"  server RSS KiB: before {rss['before']}, connected {rss['connected']}, "
                f"after hold {rss['after_hold']}; per connection {per['connected']} / {per['after_hold']} KiB"
            )
            print(f"  server fds held {i['server_fds_held']}, its RLIMIT_NOFILE {i['server_nofile_limit']}")
            print(
                f"  final call {fc['ticket']} (HTTP {fc['status']}): {fc['received_within_5s']}/{i['connected']} "
                f"clients within 5 s; latency ms {fmt(fc['latency_ms'])}; server CPU {fc['server_cpu_ms']} ms"
            )
            if gcs := i.get("server_gc"):
                for window, collections in gcs.items():
                    print(f"  server garbage collection, {window}: {fmt_gc(collections)}")
            ok &= fc["received_within_5s"] == i["target"] and not i["connect_failures"]
            ok &= not i.get("server_log_errors")
        for name in ("fanout", "idle"):
            if errors := r.get(name, {}).get("server_log_errors"):
                print(f"  !!! {name}: server log errors: {errors}")
            if (stop := r.get(name, {}).get("server_stop_seconds")) is not None:
                print(f"  {name}: the server took {stop} s to stop on SIGTERM after its clients had left")
            if stopping := r.get(name, {}).get("server_log_errors_while_stopping"):
                print(f"  {name}: logged while stopping (not counted as a failure): {stopping}")
    print(
        f"machine: nproc {facts['nproc']}, {facts['cpu_model']}, Python {facts['python']}, kernel {facts['kernel']}, "
        f"uvicorn {facts['uvicorn']}, websockets {facts['websockets']}, load processes on {facts['client_event_loop']}"
    )
    print("clock: time.monotonic_ns (CLOCK_MONOTONIC, one clock for all processes on Linux)")
    print(f"command: {shlex.join(sys.orig_argv)}")
    for r in results:
        for name in ("fanout", "idle"):
            if command := r.get(name, {}).get("server_command"):
                print(f"server ({r['ws_impl']}, {name}): {shlex.join(command)}")
    return ok
