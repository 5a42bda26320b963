"""Why a window is paused (暂停服务): a short fixed list, so that the window screen can tell a visitor in their own
language how long to expect, and a clerk picks one with a single tap instead of typing."""

from __future__ import annotations

from typing import Literal, NamedTuple, get_args

PauseReason = Literal["away", "break", "meal", "training", "system"]


class Reason(NamedTuple):
    code: PauseReason
    zh: str
    en: str


PAUSE_REASONS = (
    Reason("away", "临时离开，马上回来", "Back in a moment"),
    Reason("break", "工间休息", "Short break"),
    Reason("meal", "用餐时间", "Meal break"),
    Reason("training", "业务学习", "Staff training"),
    Reason("system", "系统维护", "System maintenance"),
)
assert tuple(r.code for r in PAUSE_REASONS) == get_args(PauseReason), "one list of pause reasons"
