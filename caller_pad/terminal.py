"""The terminal caller pad (叫号器): one key per action, a plain-text screen redrawn after each one.

:class:`Pad` owns what the clerk sees and what each key does, talking to the server through a
:class:`~caller_pad.client.HallClient`; :func:`run` puts the terminal in cbreak mode (no Enter, no echo) and
always restores it, whether the clerk quits, presses Ctrl-C or the process is told to stop.
"""

from __future__ import annotations

import json
import os
import select
import termios
import tty
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from caller_pad.client import ApiError, HallClient, Unreachable, new_key

REFRESH_SECONDS = 3.0  # other windows call too: keep the waiting count fresh while the clerk is idle
ESC = "esc"

# The API's stable error codes in the words a clerk at a Chinese desk reads first.
PLAIN_WORDS = {
    "window_paused": "窗口已暂停，请先按 p 恢复",
    "window_not_paused": "窗口未暂停",
    "no_current_ticket": "当前没有办理中的号，请先呼叫下一位",
    "same_service": "该号已在这个类别",
    "unknown_service": "没有这个类别",
    "unknown_hall": "没有这个大厅",
    "unknown_window": "没有这个窗口",
    "missing_token": "需要登录",
    "bad_token": "令牌无效或已过期，请重新登录",
    "bad_credentials": "用户名或密码错误",
    "wrong_window": "无权在这个窗口操作",
    "store_unavailable": "服务器暂时连不上号码库，请稍后重试",
    "internal_error": "服务器出错，请核对当前号后再重试",
}

# key → (API action, Chinese, English)
ACTIONS = {
    "n": ("call-next", "呼叫下一位", "call next"),
    " ": ("call-next", "呼叫下一位", "call next"),
    "r": ("recall", "重呼", "recall"),
    "s": ("skip", "过号", "skip"),
    "c": ("complete", "办结", "complete"),
}
DONE = {
    "call-next": ("已呼叫", "Called"),
    "recall": ("已重呼", "Recalled"),
    "skip": ("已过号", "Skipped"),
    "complete": ("已办结", "Completed"),
}
STATES = {"paused": "已暂停 paused", "serving": "服务中 serving", "idle": "空闲 idle"}
FOOTER = (
    "n/空格 呼叫下一位 call next · r 重呼 recall · s 过号 skip · c 办结 complete",
    "t 转移 transfer · p 暂停/恢复 pause/resume · ? 帮助 help · q 退出 quit",
)
HELP = (
    "帮助 Help (再按 ? 关闭 press ? again to close)",
    "  n/空格  办结当前的号并呼叫下一位  completes the current visitor, then calls the next",
    "  r       再呼叫一次当前的号        calls the current number again",
    "  s       过号：当前的号没有来      the visitor did not come: skip them",
    "  c       办结当前的号              the current visitor is done",
    "  t 字母  把当前的号转到该类别      then a category letter: transfer (Esc 取消 cancels)",
    "  p       暂停/恢复本窗口           pause/resume: a paused window calls nobody",
    "  连不上服务器时按同一键重试，不会重复操作   Server unreachable? Press the same key again:",
    "  the retry carries the same Idempotency-Key, so nothing happens twice.",
)


def plain_words(error: ApiError) -> str:
    """Why the server refused, as the screen shows it: in Chinese (the pad's words for a common refusal, else
    the server's), then the server's English message; never an HTTP status."""
    chinese = PLAIN_WORDS.get(error.code) or error.message_zh or "操作未完成"
    return f"{chinese} — {error.message}"


def unreachable_words(server: str, error: Unreachable) -> str:
    return f"无法连接服务器 Cannot reach the server {server} ({error})"


class Pad:
    """One window's caller pad: the latest hall snapshot, the last action's result and its error."""

    def __init__(self, client: HallClient, window: int) -> None:
        self.client = client
        self.window = window
        self.snapshot: dict[str, Any] | None = None
        self.result = "就绪 Ready"
        self.error = ""
        self.offline = ""
        self.choosing_category = False
        self.show_help = False
        # The request that got no answer: pressing the same key again resends it with the same key.
        self._pending: tuple[str, str, str] | None = None

    # What the pad knows, from the latest snapshot.

    def window_view(self) -> dict[str, Any]:
        for window in (self.snapshot or {}).get("windows", []):
            if window.get("number") == self.window:
                found: dict[str, Any] = window
                return found
        return {}

    def categories(self) -> dict[str, dict[str, Any]]:
        return {c["code"]: c for c in (self.snapshot or {}).get("categories", [])}

    def waiting(self) -> int:
        categories = self.categories()
        return sum(int(categories.get(code, {}).get("waiting", 0)) for code in self.window_view().get("services", []))

    def current(self) -> dict[str, Any] | None:
        ticket: dict[str, Any] | None = self.window_view().get("ticket")
        return ticket

    def category_name(self, code: str) -> str:
        category = self.categories().get(code)
        return f"{code} {category['name']} {category['name_en']}" if category else code

    # Talking to the server.

    def refresh(self) -> None:
        try:
            self.snapshot = self.client.snapshot()
            self.offline = ""
        except Unreachable as e:
            self.offline = unreachable_words(self.client.base, e) + "; 自动重试中 retrying"
        except ApiError as e:
            self.offline = plain_words(e)

    def act(self, action: str, label: str, body: dict[str, Any] | None = None) -> dict[str, Any] | None:
        """Send one action; its answer, or None after putting the failure on the screen."""
        asked = json.dumps(body, sort_keys=True)
        pending = self._pending
        key = pending[2] if pending and pending[:2] == (action, asked) else new_key()
        try:
            answer: dict[str, Any] = self.client.act(self.window, action, body, key)
        except Unreachable as e:
            self._pending = (action, asked, key)
            self.result = f"未完成 Not done: {label}"
            self.error = f"无法连接服务器，按同一键重试 Server unreachable ({e}): press the same key to retry"
            return None
        except ApiError as e:
            # A server error may have acted before failing; keep the key so a retry cannot act twice.
            self._pending = (action, asked, key) if e.status >= 500 else None
            self.result = f"未完成 Not done: {label}"
            self.error = plain_words(e)
            return None
        finally:
            self.refresh()
        self._pending = None
        self.error = ""
        return answer

    # Keys.

    def press(self, key: str) -> bool:
        """Handle one key; False when the clerk quits."""
        if self.choosing_category:
            self.choosing_category = False
            self.transfer_to(key)
            return True
        lower = key.lower()
        if lower in ("q", "\x04"):
            return False
        if lower in ACTIONS:
            action, chinese, english = ACTIONS[lower]
            answer = self.act(action, f"{chinese} {english}")
            if answer is not None:
                self.result = self.describe(action, answer.get("ticket"))
        elif lower == "t":
            self.ask_category()
        elif lower == "p":
            self.toggle_pause()
        elif key == "?":
            self.show_help = not self.show_help
        elif key == ESC:
            self.show_help = False
        else:
            self.result = f"未知按键 Unknown key {key!r} — 按 ? 查看帮助 press ? for help"
        return True

    def describe(self, action: str, ticket: dict[str, Any] | None) -> str:
        if ticket is None:
            return "没有人在等候 Nobody is waiting for this window"
        chinese, english = DONE[action]
        return f"{chinese} {ticket['number']} {english} {ticket['number']}"

    def ask_category(self) -> None:
        if self.current() is None:
            self.result = "未完成 Not done: 转移 transfer"
            self.error = PLAIN_WORDS["no_current_ticket"] + " — Nobody is at this window to transfer."
            return
        self.choosing_category = True

    def transfer_to(self, key: str) -> None:
        if key == ESC:
            self.result = "已取消转移 Transfer cancelled"
            return
        code = key.upper()
        if code not in self.categories():
            self.result = f"没有类别 {key!r}，已取消转移 No category {key!r}; transfer cancelled"
            return
        answer = self.act("transfer", "转移 transfer", {"service": code})
        if answer is not None:
            number = answer["ticket"]["number"]
            self.result = f"{number} 已转到 {self.category_name(code)} Transferred {number} to {code}"

    def toggle_pause(self) -> None:
        paused = self.window_view().get("state") == "paused"
        action, chinese, english = ("resume", "恢复", "resume") if paused else ("pause", "暂停", "pause")
        if self.act(action, f"{chinese} {english}") is not None:
            self.result = "窗口已恢复 Window resumed" if paused else "窗口已暂停 Window paused"

    # The screen.

    def screen(self) -> list[str]:
        hall = (self.snapshot or {}).get("hall", {})
        view = self.window_view()
        names = {code: c["name"] for code, c in self.categories().items()}
        services = ", ".join(f"{code} {names.get(code, '')}" for code in view.get("services", []))
        state = STATES.get(view.get("state", ""), "?")
        ticket = self.current()
        now = f"{ticket['number']}  {self.category_name(ticket['service'])}" if ticket else "空闲 idle (no visitor)"
        lines = [
            f"叫号器 Caller pad · {hall.get('name', self.client.hall)} {hall.get('name_en', '')}",
            f"窗口 Window {self.window} · 业务 Services: {services} · 状态 State: {state}",
            "",
            f"  当前 Now serving:  {now}",
            f"  等候 Waiting for this window: {self.waiting()}",
            f"  今日已办 Served today: {view.get('served_today', 0)}",
            "",
            f"结果 Result: {self.result}",
        ]
        if self.error:
            lines.append(f"错误 Error: {self.error}")
        if self.offline:
            lines.append(f"连接 Connection: {self.offline} (显示的可能已过时 what is shown may be out of date)")
        lines.append("")
        if self.choosing_category and ticket:
            lines.append(f"转移 {ticket['number']} 到哪个类别？按字母 Transfer {ticket['number']} to which category?")
            codes = [code for code in self.categories() if code != ticket["service"]]
            lines.extend(f"  {self.category_name(code)}" for code in codes)
            lines.append("  Esc 取消 cancel")
        elif self.show_help:
            lines.extend(HELP)
        else:
            lines.extend(FOOTER)
        return lines


def keys_of(chunk: bytes) -> list[str]:
    """The keys in one read: an escape sequence (Esc, or an arrow key) counts as one Esc."""
    text = chunk.decode(errors="replace")
    if text.startswith("\x1b"):
        return [ESC]
    return list(text.split("\x1b", 1)[0]) + ([ESC] if "\x1b" in text else [])


@contextmanager
def cbreak(fd: int, out: TextIO) -> Iterator[None]:
    """Keys arrive one by one without echo, on the alternate screen; everything is put back on the way out."""
    saved = termios.tcgetattr(fd)
    try:
        tty.setcbreak(fd)
        out.write("\x1b[?1049h\x1b[?25l")
        out.flush()
        yield
    finally:
        out.write("\x1b[?25h\x1b[?1049l")
        out.flush()
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def draw(lines: list[str], out: TextIO) -> None:
    # Overwrite in place and clear what is left, so a redraw does not flicker.
    out.write("\x1b[H" + "".join(f"{line}\x1b[K\n" for line in lines) + "\x1b[J")
    out.flush()


def run(pad: Pad, fd: int, out: TextIO, refresh_seconds: float = REFRESH_SECONDS) -> None:
    """The pad's loop, until the clerk presses q (or Ctrl-D, or the input ends)."""
    with cbreak(fd, out):
        pad.refresh()
        shown: list[str] = []
        while True:
            lines = pad.screen()
            if lines != shown:
                draw(lines, out)
                shown = lines
            ready, _, _ = select.select([fd], [], [], refresh_seconds)
            if not ready:
                pad.refresh()
                continue
            chunk = os.read(fd, 64)
            if not chunk:
                return
            for key in keys_of(chunk):
                if not pad.press(key):
                    return
