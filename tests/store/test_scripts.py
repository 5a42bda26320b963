"""The Lua scripts' calling convention: one JSON object as the only ARGV, every argument named in the header."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from queue_server.store import hall_store

SCRIPTS = Path(hall_store.__file__).resolve().parent / "scripts"
NAMES = sorted(p.stem for p in SCRIPTS.glob("*.lua") if not p.stem.startswith("_"))


def test_every_script_file_is_registered() -> None:
    assert set(NAMES) == set(hall_store.SCRIPT_NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_a_script_reads_its_arguments_by_name_and_lists_them(name: str) -> None:
    text = (SCRIPTS / f"{name}.lua").read_text()
    assert "ARGV" not in text, "arguments come by name from the prelude's A table, never as ARGV[n]"
    header = "\n".join(line for line in text.splitlines() if line.startswith("--"))
    used = set(
        re.findall(r"\bA\.([a-z_]+)", "\n".join(line for line in text.splitlines() if not line.startswith("--")))
    )
    listed = set(re.findall(r"\bA\.([a-z_]+)", header))
    assert used <= listed, f"{name}.lua uses arguments its header does not list: {sorted(used - listed)}"


def test_the_prelude_reads_one_json_argument() -> None:
    prelude = (SCRIPTS / "_prelude.lua").read_text()
    assert re.findall(r"ARGV\[(\d+)\]", prelude) == ["1", "1"]  # named in the header, decoded once
