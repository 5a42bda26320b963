"""What `queue-server simulate` reports: the figures a hall compares the tidal controller on (the tidal share, the
busy-ratio spread, waits per category up to the longest, visitors turned away, staff minutes), for one seed and as
the mean over several seeds with the seed where tidal did worst."""

from __future__ import annotations

import json
import unicodedata
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from queue_server.core.hall import Window
from queue_server.server.cli import main
from queue_server.simulator.report import staff_minutes
from queue_server.simulator.seeds import MAX_SEEDS, SeedsError, mean_of, parse_seeds, seeds_label, worst
from tests.conftest import make_hall
from tests.simulator.test_simulator import CONGESTED, TINY_HALL


@pytest.fixture
def tiny(tmp_path: Path) -> list[str]:
    """The one-hour hall where ID cards (A) are swamped and window 3 (B) is tidal: the start of a command line."""
    folder = tmp_path / "config"
    folder.mkdir()
    (folder / "tiny.toml").write_text(TINY_HALL, encoding="utf-8")
    profile = tmp_path / "congested.toml"
    profile.write_text(CONGESTED, encoding="utf-8")
    return ["simulate", "--profile", str(profile), "--config", str(folder)]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[str, str]:
    assert main(list(args)) == 0
    out = capsys.readouterr()
    return out.out, out.err


def columns(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


def cells(lines: list[str], label: str) -> list[str]:
    """The policies' cells of the row that starts with ``label`` (cells are separated by two spaces or more)."""
    found = [line for line in lines if line.startswith(label)]
    assert len(found) == 1, f"no single row {label!r}"
    return [c.strip() for c in found[0][len(label) :].split("  ") if c.strip()]


def test_the_text_report_shows_each_figure_for_both_policies(
    capsys: pytest.CaptureFixture[str], tiny: list[str], redis_url: str
) -> None:
    text, _ = run(capsys, *tiny, "--redis-url", redis_url, "--seed", "5")
    assert all(columns(line) <= 100 for line in text.splitlines()[2:])
    report = json.loads(run(capsys, *tiny, "--redis-url", redis_url, "--seed", "5", "--json")[0])
    static, tidal = report["policies"]["static"], report["policies"]["tidal"]
    lines = text.splitlines()
    assert cells(lines, "wait p50 / p90 / max, minutes") == [
        f"{p['overall']['wait_p50']:.1f} / {p['overall']['wait_p90']:.1f} / {p['overall']['wait_max']:.1f}"
        for p in (static, tidal)
    ]
    # per category: the waits up to the longest one, and who was turned away
    a_static, a_tidal = static["categories"][0], tidal["categories"][0]
    assert a_static["wait_max"] >= a_static["wait_p90"] and a_static["turned_away"] == 0
    assert cells(lines, "  A ID cards") == [
        f"{c['wait_p50']:.1f} / {c['wait_p90']:.1f} / {c['wait_max']:.1f} · {c['turned_away']}"
        for c in (a_static, a_tidal)
    ]
    assert cells(lines, "tidal share (served when switched)") == ["0.0%", f"{tidal['tidal_share']['share'] * 100:.1f}%"]
    assert tidal["tidal_share"]["share"] > 0
    assert cells(lines, "busy-ratio spread (max − min)") == [
        f"{p['busy_spread']['max_minus_min']:.3f}" for p in (static, tidal)
    ]
    assert len(cells(lines, "busy-ratio stdev")) == 2
    # staff minutes: the tiny hall has no reserve, so the regular windows' open time is all of it
    for p in (static, tidal):
        regular = sum(w["open_minutes"] for w in p["windows"])
        assert p["staff_minutes"] == {
            "regular": pytest.approx(regular),
            "reserve": 0.0,
            "total": pytest.approx(regular),
        }
    assert cells(lines, "staff minutes, regular windows") == [
        f"{p['staff_minutes']['regular']:.0f}" for p in (static, tidal)
    ]
    assert cells(lines, "staff minutes, reserve (后台力量)") == ["0", "0"]
    assert cells(lines, "staff minutes, total") == cells(lines, "staff minutes, regular windows")
    # with window 3 helping ID cards, the hall empties sooner: fewer staff minutes
    assert tidal["staff_minutes"]["total"] < static["staff_minutes"]["total"]


def test_several_seeds_give_each_seed_the_mean_and_the_worst(
    capsys: pytest.CaptureFixture[str], tiny: list[str], redis_url: str
) -> None:
    out, err = run(capsys, *tiny, "--redis-url", redis_url, "--seeds", "1-3", "--json")
    report = json.loads(out)
    assert report["seeds"] == [1, 2, 3] and [e["seed"] for e in report["per_seed"]] == [1, 2, 3]
    assert "seed 2 (2 of 3)" in err and "seed 3: tidal: 09:00" in err  # which seed is running
    # a seed of a several-seed run is the very day that seed gives alone
    alone = json.loads(run(capsys, *tiny, "--redis-url", redis_url, "--seed", "2", "--json")[0])
    assert report["per_seed"][1]["policies"] == alone["policies"]

    def average(values: list[Any]) -> Any:
        known = [v for v in values if v is not None]
        return pytest.approx(sum(known) / len(known), abs=1e-4) if known else None

    for policy in ("static", "tidal"):
        mean = report["mean"][policy]
        days = [e["policies"][policy] for e in report["per_seed"]]
        for key in ("wait_p50", "wait_p90", "wait_max", "turned_away", "issued"):
            assert mean["overall"][key] == average([d["overall"][key] for d in days])
        for i, code in enumerate(("A", "B")):
            assert mean["categories"][i]["code"] == code
            for key in ("wait_p50", "wait_p90", "wait_max", "turned_away"):
                assert mean["categories"][i][key] == average([d["categories"][i][key] for d in days])
        for key in ("max_minus_min", "stdev"):
            assert mean["busy_spread"][key] == average([d["busy_spread"][key] for d in days])
        assert mean["tidal_share"]["share"] == average([d["tidal_share"]["share"] for d in days])
        for key in ("regular", "reserve", "total"):
            assert mean["staff_minutes"][key] == average([d["staff_minutes"][key] for d in days])
    # the worst seed for tidal is the one where its p90 exceeds static's the most
    gaps = {
        e["seed"]: e["policies"]["tidal"]["overall"]["wait_p90"] - e["policies"]["static"]["overall"]["wait_p90"]
        for e in report["per_seed"]
    }
    named = report["worst"]["p90"]
    assert gaps[named["seed"]] == max(gaps.values()) == pytest.approx(named["difference"], abs=0.01)
    chosen = next(e for e in report["per_seed"] if e["seed"] == named["seed"])["policies"]
    assert (named["static_p90"], named["tidal_p90"]) == (
        chosen["static"]["overall"]["wait_p90"],
        chosen["tidal"]["overall"]["wait_p90"],
    )
    by_category = {
        (e["seed"], s["code"]): t["wait_p90"] - s["wait_p90"]
        for e in report["per_seed"]
        for s, t in zip(e["policies"]["static"]["categories"], e["policies"]["tidal"]["categories"], strict=True)
        if s["wait_p90"] is not None and t["wait_p90"] is not None
    }
    category = report["worst"]["category"]
    assert by_category[(category["seed"], category["code"])] == max(by_category.values())
    assert category["difference"] > 0  # on some seed the tidal window's own line (B) waits longer


def test_the_text_of_several_seeds_fits_100_columns(
    capsys: pytest.CaptureFixture[str], tiny: list[str], redis_url: str
) -> None:
    text, _ = run(capsys, *tiny, "--redis-url", redis_url, "--seeds", "1,2,5")
    report = json.loads(run(capsys, *tiny, "--redis-url", redis_url, "--seeds", "1,2,5", "--json")[0])
    lines = text.splitlines()
    assert all(columns(line) <= 100 for line in lines[:1] + lines[2:])  # the profile's path is as long as it is
    assert lines[0].endswith("· seeds 1-2, 5")
    assert lines[1].endswith("congested.toml: 30.0 visitors drawn a day on average")
    assert lines[3].split() == ["mean", "of", "3", "seeds", "static", "tidal"]
    mean = report["mean"]
    assert cells(lines, "wait p50 / p90 / max, minutes") == [
        " / ".join(f"{mean[p]['overall'][k]:.1f}" for k in ("wait_p50", "wait_p90", "wait_max"))
        for p in ("static", "tidal")
    ]
    assert cells(lines, "turned away (issuing stopped)") == ["0.0", "0.0"]
    hall, category = report["worst"]["p90"], report["worst"]["category"]
    shown = "±0.0" if abs(hall["difference"]) < 0.05 else f"{hall['difference']:+.1f}"  # never "-0.0"
    assert cells(lines, f"  the hall, seed {hall['seed']}") == [
        f"{hall['static_p90']:.1f}",
        f"{hall['tidal_p90']:.1f} ({shown})",
    ]
    assert category["difference"] > 0
    assert cells(lines, f"  {category['code']} {category['name_en']}, seed {category['seed']}") == [
        f"{category['static_p90']:.1f}",
        f"{category['tidal_p90']:.1f} ({category['difference']:+.1f})",
    ]
    head = lines.index(next(line for line in lines if line.startswith("seed ")))
    assert lines[head].split() == ["seed", "p90", "static", "p90", "tidal", "spread", "static", "spread", "tidal",
                                   "tidal", "share"]  # fmt: skip
    for line, entry in zip(lines[head + 1 :], report["per_seed"], strict=True):
        tidal = entry["policies"]["tidal"]
        assert line.split() == [
            str(entry["seed"]),
            f"{entry['policies']['static']['overall']['wait_p90']:.1f}",
            f"{tidal['overall']['wait_p90']:.1f}",
            f"{entry['policies']['static']['busy_spread']['max_minus_min']:.3f}",
            f"{tidal['busy_spread']['max_minus_min']:.3f}",
            f"{tidal['tidal_share']['share'] * 100:.1f}%",
        ]


def test_one_policy_over_several_seeds_names_no_worst_seed(
    capsys: pytest.CaptureFixture[str], tiny: list[str], redis_url: str
) -> None:
    out, _ = run(capsys, *tiny, "--redis-url", redis_url, "--seeds", "4", "--policy", "tidal", "--json")
    report = json.loads(out)
    assert report["seeds"] == [4] and list(report["mean"]) == ["tidal"] and report["worst"] is None
    assert (
        report["mean"]["tidal"]["overall"]["wait_p90"]
        == report["per_seed"][0]["policies"]["tidal"]["overall"]["wait_p90"]
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--seeds", "0-"], "--seeds: expected seeds like 1-5 or 1,2,5, got '0-'"),
        (["--seeds", "5-1"], "--seeds: 5-1 ends before it starts"),
        (["--seeds", "a"], "--seeds: expected seeds like 1-5 or 1,2,5, got 'a'"),
        (["--seeds", "1-500"], f"--seeds: at most {MAX_SEEDS} seeds"),
        (["--seeds", "1,2,1"], "--seeds: a seed is listed twice"),
        (["--seeds", "1-3", "--seed", "4"], "--seed and --seeds: give one of them"),
    ],
)
def test_bad_seeds_are_one_line_and_exit_code_2(
    capsys: pytest.CaptureFixture[str], tiny: list[str], args: list[str], message: str
) -> None:
    assert main([*tiny, *args]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_seeds_are_read_as_ranges_and_lists() -> None:
    assert parse_seeds("1-5") == (1, 2, 3, 4, 5)
    assert parse_seeds("1,2,5") == (1, 2, 5)
    assert parse_seeds("7") == (7,)
    assert parse_seeds(" 3-4, 9 ") == (3, 4, 9)
    assert len(parse_seeds(f"1-{MAX_SEEDS}")) == MAX_SEEDS
    for bad in ("", "-3", "1-2-3", "1,,2", "1.5", f"0-{MAX_SEEDS}"):
        with pytest.raises(SeedsError):
            parse_seeds(bad)
    assert seeds_label((1, 2, 3, 5, 7, 8)) == "1-3, 5, 7-8"


def test_the_mean_leaves_out_days_without_a_figure() -> None:
    days = [
        {"overall": {"wait_p90": 10.0, "served": 20}, "categories": [{"code": "A", "wait_p90": None}]},
        {"overall": {"wait_p90": 20.0, "served": 25}, "categories": [{"code": "A", "wait_p90": 6.0}]},
        {"overall": {"wait_p90": 33.0, "served": 31}, "categories": [{"code": "A", "wait_p90": None}]},
    ]
    assert mean_of(days) == {
        "overall": {"wait_p90": 21.0, "served": pytest.approx(25.3333)},
        "categories": [{"code": "A", "wait_p90": 6.0}],  # nobody called on two of the days
    }
    assert mean_of([{"x": None}, {"x": None}]) == {"x": None}


def day(seed: int, static: tuple[float | None, ...], tidal: tuple[float | None, ...]) -> dict[str, Any]:
    """A seed's report reduced to what the worst seed is read from: the hall's p90 first, then A's and B's."""

    def policy(p90s: tuple[float | None, ...]) -> dict[str, Any]:
        return {
            "overall": {"wait_p90": p90s[0]},
            "categories": [
                {"code": code, "name": code, "name_en": code, "wait_p90": p90}
                for code, p90 in zip(("A", "B"), p90s[1:], strict=True)
            ],
        }

    return {"seed": seed, "policies": {"static": policy(static), "tidal": policy(tidal)}}


def test_the_worst_seed_is_where_tidal_loses_most_against_static() -> None:
    per_seed = [
        day(1, (20.0, 30.0, 5.0), (15.0, 12.0, 9.0)),  # tidal better overall, B +4
        day(2, (18.0, 25.0, 4.0), (19.5, 14.0, 16.0)),  # tidal 1.5 longer overall, B +12
        day(3, (22.0, None, 8.0), (23.5, 11.0, 10.0)),  # 1.5 longer too, but seed 2 came first; A not comparable
    ]
    assert worst(per_seed) == {
        "p90": {"seed": 2, "static_p90": 18.0, "tidal_p90": 19.5, "difference": 1.5},
        "category": {"seed": 2, "code": "B", "name": "B", "name_en": "B", "static_p90": 4.0, "tidal_p90": 16.0,
                     "difference": 12.0},
    }  # fmt: skip
    nobody = [day(1, (None, None, None), (None, None, None))]
    assert worst(nobody) == {"p90": None, "category": None}
    only_tidal = [{"seed": 1, "policies": {"tidal": per_seed[0]["policies"]["tidal"]}}]
    assert worst(only_tidal) is None


def test_staff_minutes_count_the_regular_windows_and_the_reserve_apart() -> None:
    hall = make_hall()
    rows = [{"number": n, "open_minutes": 60.0 * n} for n in (1, 2, 3, 4, 5)]
    assert staff_minutes(hall, rows, 0.0) == {"regular": 900.0, "reserve": 0.0, "total": 900.0}
    assert staff_minutes(hall, [*rows[:4], {"number": 5, "open_minutes": None}], 12.5) == {
        "regular": 600.0,
        "reserve": 12.5,
        "total": 612.5,
    }


@pytest.mark.skipif(not hasattr(Window, "reserve"), reason="Window.reserve (后台力量) is not in the hall yet")
def test_a_reserve_windows_open_time_is_not_regular_staff_time() -> None:
    hall = make_hall()
    reserve: dict[str, Any] = {"reserve": True}  # a field the type checker may not know yet
    hall = replace(hall, windows=tuple(replace(w, **reserve) if w.number == 5 else w for w in hall.windows))
    rows = [{"number": n, "open_minutes": 60.0} for n in (1, 2, 3, 4, 5)]
    # window 5's clerk came from the back office: that time is the engine's reserve minutes, walking included
    assert staff_minutes(hall, rows, 65.0) == {"regular": 240.0, "reserve": 65.0, "total": 305.0}
