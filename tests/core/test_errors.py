"""Every error a client can meet has a stable code, an HTTP status, and its message in Chinese and English."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from queue_server.core import errors
from queue_server.core.errors import SCRIPT_ERRORS, QueueError, from_script

PACKAGE = Path(errors.__file__).resolve().parent.parent
SCRIPTS = PACKAGE / "store" / "scripts"
CJK = re.compile(r"[\u4e00-\u9fff]")
KINDS = {name for name, value in vars(errors).items() if isinstance(value, type) and issubclass(value, QueueError)}


def script_codes() -> dict[str, set[str]]:
    """Every code a script can answer with, and the scripts that answer it."""
    found: dict[str, set[str]] = {}
    for path in sorted(SCRIPTS.glob("*.lua")):
        for code in re.findall(r"answer_error\('([a-z_]+)'", path.read_text()):
            found.setdefault(code, set()).add(path.name)
    return found


def test_the_scripts_answer_with_codes() -> None:
    codes = script_codes()
    assert {"unknown_service", "ticket_id_taken", "slot_full", "window_paused"} <= set(codes)


@pytest.mark.parametrize("code", sorted(script_codes()))
def test_every_script_code_is_a_typed_error_with_a_client_status(code: str) -> None:
    assert code in SCRIPT_ERRORS, f"{code} (from {', '.join(sorted(script_codes()[code]))}) has no entry"
    error = from_script(code)
    assert error.code == code
    assert 400 <= error.status < 500  # the client's fault or the hall's state, never a server error
    assert CJK.search(error.message) and not CJK.search(error.message_en.replace("过号", "").replace("暂停", ""))


def test_an_unknown_script_code_is_a_server_fault() -> None:
    error = from_script("something_new")
    assert (error.status, error.code) == (500, "internal_error")


def constructions() -> list[tuple[str, ast.Call]]:
    """Every construction of a QueueError kind in the server's code."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in KINDS:
                found.append((f"{path.relative_to(PACKAGE)}:{node.lineno}", node))
    return found


def test_errors_are_built_all_over_the_server() -> None:
    assert len(constructions()) > 40


@pytest.mark.parametrize(("where", "call"), constructions(), ids=[w for w, _ in constructions()])
def test_each_error_says_its_message_in_chinese_then_english(where: str, call: ast.Call) -> None:
    """One rule for messages: ``message`` in Chinese, ``message_en`` in English, then the code."""
    assert len(call.args) >= 2, f"{where}: give the Chinese and the English message"
    if all(isinstance(a, ast.Name) for a in call.args[:2]):  # words made earlier: named for their language
        assert [a.id for a in call.args[:2]] == ["zh", "en"], where  # type: ignore[attr-defined]
        return
    zh, en = (ast.unparse(a) for a in call.args[:2])
    assert CJK.search(zh), f"{where}: the first message is not Chinese: {zh}"
    english = re.sub(r"\([^)]*[\u4e00-\u9fff][^)]*\)", "", en)  # a Chinese term in brackets may help the reader
    assert not CJK.search(english), f"{where}: the second message is not English: {en}"
    if len(call.args) >= 3:
        code = call.args[2]
        assert isinstance(code, ast.Constant) and re.fullmatch(r"[a-z_]+", str(code.value)), where
