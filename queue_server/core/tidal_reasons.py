"""Why the tidal controller acted, in words for the supervisor: Chinese first, then English. Pure."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from queue_server.core.hall import TidalPolicy
    from queue_server.core.tidal_outlook import Line


def _held(held: timedelta) -> int:
    return int(held.total_seconds() // 60)


def open_reason(line: Line, wait: float | None, policy: TidalPolicy, held: timedelta) -> str:
    m = _held(held)
    if wait is None:
        n = line.waiting
        return f"无窗口办理, {n} 人等候, 已持续 {m} 分钟 / no window serves it, {n} waiting, for {m} min"
    w, t = f"{wait:.0f}", f"{policy.open_at_minutes:g}"
    if wait < policy.open_at_minutes:  # it was the forecast that tripped
        return (
            f"预计来人增多, 15 分钟内等候将超过 {t} 分钟, 已持续 {m} 分钟 / "
            f"arrivals expected to push the wait past {t} min within 15 min, for {m} min"
        )
    return f"预计等候 {w} 分钟 ≥ {t} 分钟, 已持续 {m} 分钟 / predicted wait {w} min ≥ {t} min for {m} min"


def close_reason(line: Line, wait: float | None, threshold: float, held: timedelta) -> str:
    m = _held(held)
    if line.waiting == 0 or wait is None:
        return f"无人等候, 已持续 {m} 分钟 / nobody waiting for {m} min"
    w, t = f"{wait:.0f}", f"{threshold:g}"
    return f"预计等候 {w} 分钟 < {t} 分钟, 已持续 {m} 分钟 / predicted wait {w} min < {t} min for {m} min"


def home_reason(home: str, wait: float | None, helped: str) -> str:
    w = "–" if wait is None else f"{wait:.0f}"
    return (
        f"本窗口业务 {home} 排队加长 (预计等候 {w} 分钟), 从 {helped} 返回 / "
        f"its own line {home} has grown (predicted wait {w} min): back from {helped}"
    )


def reserve_reason(line: Line, wait: float | None, held: timedelta) -> str:
    m, n = _held(held), line.waiting
    w = "–" if wait is None else f"{wait:.0f}"
    return (
        f"拥堵预警: {n} 人等候, 预计等候 {w} 分钟, 已持续 {m} 分钟, 无潮汐窗口可调, 请后台人员支援 / "
        f"congestion warning: {n} waiting, predicted wait {w} min for {m} min, no tidal window free: "
        "back-office staff wanted"
    )


def balance_reason(service: str, waiting: int, mine: float, worked: float) -> str:
    a, b = f"{mine * 100:.0f}%", f"{worked * 100:.0f}%"
    return (
        f"均衡忙闲: 本窗口今日忙闲率 {a}, {service} 窗口 {b}, {waiting} 人等候 / "
        f"evening out the work: this window busy {a} today, {service}'s windows {b}, {waiting} waiting"
    )
