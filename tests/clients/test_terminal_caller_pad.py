"""The terminal caller pad as a clerk uses it: a real ``caller-pad`` in tmux against a real server, driven by
single key presses and read off the screen with ``tmux capture-pane``.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

from tests.server_process import ServerProcess

pytestmark = [pytest.mark.process]

HALL = "allday"  # open around the clock, so the test does not depend on the time of day


class Terminal:
    """One tmux session, on its own tmux server (socket in the test's folder) so nothing else is touched."""

    def __init__(self, folder: Path, command: str, env: dict[str, str]) -> None:
        self.socket = str(folder / f"tmux-{uuid.uuid4().hex[:8]}")
        exports = " ".join(f"{name}={shlex.quote(value)}" for name, value in env.items())
        # After the pad ends, the shell shows its exit code and the terminal's modes, then reads one typed
        # line: if the pad left the terminal in cbreak mode, that line would neither echo nor end at Enter.
        modes = "stty -a | tr -s ' ;\\n' '\\n' | grep -x -e icanon -e -icanon -e echo -e -echo | tr '\\n' ' '"
        script = (
            f'{exports} {command}; code=$?; echo "caller-pad exited: $code; modes: $({modes})";'
            ' read line; echo "typed: $line"; read done'
        )
        self.tmux("new-session", "-d", "-s", "pad", "-x", "100", "-y", "30", script)

    def tmux(self, *args: str) -> str:
        result = subprocess.run(
            ["tmux", "-S", self.socket, "-f", "/dev/null", *args],
            capture_output=True,
            text=True,
            timeout=10,
            env={**os.environ, "LANG": "C.UTF-8"},
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    def screen(self) -> str:
        # -J joins lines the terminal wrapped, so a long message reads as one line.
        return self.tmux("capture-pane", "-p", "-J", "-t", "pad")

    def press(self, *keys: str) -> None:
        for key in keys:
            self.tmux("send-keys", "-t", "pad", key)

    def type(self, text: str) -> None:
        self.tmux("send-keys", "-t", "pad", "-l", text)

    def wait_for(self, *texts: str, timeout: float = 10) -> str:
        """The screen once it shows every one of ``texts``; fails with the screen as it was."""
        deadline = time.monotonic() + timeout
        pause = threading.Event()
        while True:
            screen = self.screen()
            if all(text in screen for text in texts):
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"the screen never showed {texts!r}; it shows:\n{screen}")
            pause.wait(0.05)

    def close(self) -> None:
        subprocess.run(["tmux", "-S", self.socket, "kill-server"], capture_output=True, timeout=10)


@pytest.fixture
def open_pad(live_server: ServerProcess, tmp_path: Path) -> Iterator[Any]:
    """Start ``caller-pad`` in a 100×30 terminal; every terminal is closed after the test."""
    terminals: list[Terminal] = []

    def start(*args: str, token: str | None = "supervisor-secret", hall: str = HALL) -> Terminal:
        command = shlex.join(
            [sys.executable, "-m", "caller_pad.cli", "--server", live_server.url, "--hall", hall, *args]
        )
        terminal = Terminal(tmp_path, command, {"QUEUE_TOKEN": token} if token else {})
        terminals.append(terminal)
        return terminal

    try:
        yield start
    finally:
        for terminal in terminals:
            terminal.close()


def window(server: ServerProcess, number: int) -> dict[str, Any]:
    snapshot = httpx2.get(f"{server.url}/api/halls/{HALL}").json()
    found: dict[str, Any] = next(w for w in snapshot["windows"] if w["number"] == number)
    return found


def ticket(server: ServerProcess, ticket_id: str) -> dict[str, Any]:
    answer: dict[str, Any] = httpx2.get(f"{server.url}/api/tickets/{ticket_id}").json()
    return answer


def assert_terminal_restored(pad: Terminal, exit_code: int) -> None:
    screen = pad.wait_for(f"caller-pad exited: {exit_code}; modes:")
    assert f"caller-pad exited: {exit_code}; modes: icanon echo" in screen, screen
    pad.type("hello")
    pad.press("Enter")
    screen = pad.wait_for("typed: hello")
    assert "hello" in screen.splitlines(), screen  # the shell echoed what was typed


def test_a_clerk_calls_completes_skips_and_transfers_with_single_keys(
    live_server: ServerProcess, open_pad: Any, artifacts: Path
) -> None:
    a1, a2, a3 = (live_server.take("A", hall=HALL) for _ in range(3))
    e1 = live_server.take("E", hall=HALL)
    pad = open_pad("--window", "3")  # window 3 serves A, then E
    pad.wait_for("窗口 Window 3", "空闲 idle", "等候 Waiting for this window: 4", "今日已办 Served today: 0")

    pad.press("n")
    screen = pad.wait_for("当前 Now serving:  A001", "已呼叫 A001 Called A001", "Waiting for this window: 3")
    (artifacts / "caller-pad-after-call.txt").write_text(screen)
    assert window(live_server, 3)["ticket"]["number"] == "A001"

    pad.press("c")
    pad.wait_for("已办结 A001 Completed A001", "今日已办 Served today: 1", "空闲 idle (no visitor)")
    assert ticket(live_server, a1["id"])["state"] == "served"
    assert window(live_server, 3)["served_today"] == 1

    pad.press("Space")
    pad.wait_for("已呼叫 A002")
    pad.press("s")
    pad.wait_for("已过号 A002 Skipped A002")
    assert ticket(live_server, a2["id"])["state"] == "skipped"

    pad.press("n")
    pad.wait_for("当前 Now serving:  A003")
    pad.press("t")
    pad.wait_for("Transfer A003 to which category?", "B 社保", "Esc 取消 cancel")
    pad.press("Escape")
    pad.wait_for("已取消转移 Transfer cancelled")
    assert window(live_server, 3)["ticket"]["number"] == "A003"

    pad.press("t")
    pad.wait_for("Transfer A003 to which category?")
    pad.press("b")
    pad.wait_for("A003 已转到 B 社保", "空闲 idle (no visitor)", "Waiting for this window: 1")
    moved = ticket(live_server, a3["id"])
    assert (moved["state"], moved["service"], moved["number"]) == ("waiting", "B", "A003")
    assert window(live_server, 3)["ticket"] is None

    pad.press("n")
    pad.wait_for("当前 Now serving:  E001", "Waiting for this window: 0")
    assert ticket(live_server, e1["id"])["window"] == 3

    pad.press("q")
    assert_terminal_restored(pad, 0)


def test_a_paused_window_refuses_to_call_and_says_why(live_server: ServerProcess, open_pad: Any) -> None:
    first = live_server.take("A", hall=HALL)
    pad = open_pad("--window", "1")
    pad.wait_for("Waiting for this window: 1")

    pad.press("p")
    pad.wait_for("窗口已暂停 Window paused", "状态 State: 已暂停 paused")
    assert window(live_server, 1)["state"] == "paused"

    pad.press("n")
    pad.wait_for("未完成 Not done: 呼叫下一位", "错误 Error: 窗口已暂停", "The window is paused")
    assert ticket(live_server, first["id"])["state"] == "waiting"

    pad.press("p")
    pad.wait_for("窗口已恢复 Window resumed")
    pad.press("n")
    screen = pad.wait_for("当前 Now serving:  A001")
    assert "错误 Error" not in screen

    pad.press("C-c")  # Ctrl-C must leave the terminal as it found it, too
    assert_terminal_restored(pad, 130)


def test_the_pad_keeps_running_when_the_server_goes_away(live_server: ServerProcess, open_pad: Any) -> None:
    live_server.take("A", hall=HALL)
    pad = open_pad("--window", "2")
    pad.wait_for("Waiting for this window: 1")
    live_server.stop()

    pad.press("n")
    pad.wait_for("无法连接服务器", "press the same key to retry", "Cannot reach the server")
    pad.press("?")
    pad.wait_for("帮助 Help")  # still answering keys
    pad.press("q")
    assert_terminal_restored(pad, 0)


def test_a_clerk_signs_in_with_a_password(live_server: ServerProcess, open_pad: Any) -> None:
    pad = open_pad("--window", "4", "--user", "w04", token=None, hall="demo")
    pad.wait_for("w04 的密码 password:")
    pad.type("tidequeue")
    pad.press("Enter")
    pad.wait_for("窗口 Window 4", "业务 Services: B 社保")
    pad.press("q")
    assert_terminal_restored(pad, 0)

    # A mistyped password is said plainly and asked for again; the clerk need not start the pad anew.
    wrong = open_pad("--window", "4", "--user", "w04", token=None, hall="demo")
    wrong.wait_for("password:")
    wrong.type("not-the-password")
    wrong.press("Enter")
    screen = wrong.wait_for("用户名或密码错误", "Wrong username or password", "请重新输入")
    assert "401" not in screen and "exited" not in screen
    wrong.type("tidequeue")
    wrong.press("Enter")
    wrong.wait_for("窗口 Window 4", "业务 Services: B 社保")
    wrong.press("q")
    assert_terminal_restored(wrong, 0)


def test_a_refusal_is_told_in_words_not_in_status_codes(live_server: ServerProcess, open_pad: Any) -> None:
    pad = open_pad("--window", "1")
    pad.wait_for("Waiting for this window: 0")
    pad.press("c")  # nobody at the window to complete
    screen = pad.wait_for("错误 Error:", "call the next visitor first")
    assert "409" not in screen and "HTTP" not in screen
    pad.press("q")
    assert_terminal_restored(pad, 0)


@pytest.mark.parametrize(
    ("args", "token", "says"),
    [
        (["--hall", "nowhere", "--window", "3"], "supervisor-secret", "没有这个大厅"),
        (["--hall", HALL, "--window", "99"], "supervisor-secret", "没有这个窗口"),
        (["--hall", HALL, "--window", "3"], "not-a-token", "令牌无效或已过期"),
        (["--hall", HALL, "--window", "3"], "", "需要令牌"),
    ],
    ids=["unknown-hall", "unknown-window", "bad-token", "no-token"],
)
def test_bad_arguments_end_with_one_plain_line(
    live_server: ServerProcess, args: list[str], token: str, says: str
) -> None:
    env = {**os.environ, "QUEUE_TOKEN": token}
    result = subprocess.run(
        [sys.executable, "-m", "caller_pad.cli", "--server", live_server.url, *args],
        capture_output=True,
        text=True,
        timeout=30,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 1
    assert says in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
