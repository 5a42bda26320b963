"""The time-off-in-lieu ledger (调休台账) as the API answers it, the page shows it and the CSV writes it: one line a
clerk for the month asked, with the balance carried, the flag and what it says, and the month's days taken. Pure:
from the ledger the store adds up (:class:`queue_server.store.lieu_store.MonthLedger`)."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any, TypedDict

from queue_server.core.hall import Hall
from queue_server.core.lieu_ledger import MonthLine, contracted_day, hours_minutes, warning
from queue_server.store.lieu_store import MonthLedger
from queue_server.web.ratings_export import BOM, safe_cell

EARNING_ROLES = ("clerk", "reserve")  # the accounts that serve at windows, and so earn and take time off in lieu


class LieuClerk(TypedDict):
    """One clerk's month (minutes, to a tenth): ``earned`` (the overtime report's time off in lieu), ``taken``,
    ``net`` = earned − taken, ``opening`` (the balance carried from the month before) and ``balance`` = opening +
    net, also as hours:minutes. ``warn``: ``over`` (the balance is past ``warn_minutes``), ``ahead`` (below minus
    it: time off taken before it was earned) or empty; ``warning``/``warning_en`` say it. ``day_minutes``: the
    clerk's contracted day, what one day of 调休 takes."""

    username: str
    name: str
    role: str
    day_minutes: float
    earned_minutes: float
    taken_minutes: float
    net_minutes: float
    opening_minutes: float
    balance_minutes: float
    balance: str
    warn: str
    warning: str
    warning_en: str


class LieuEntry(TypedDict):
    """Time off in lieu taken on one day: ``source`` ``entry`` (a supervisor entered it; ``id`` deletes it) or
    ``rota`` (a day of an approved 调休 request; ``id`` is the request's)."""

    id: str
    source: str
    username: str
    date: str
    minutes: float
    note: str
    by: str
    at: str


class LieuAnswer(TypedDict):
    """The time-off-in-lieu ledger (调休台账) of a month: each clerk's line, the month's days taken, and the
    ledger's terms: it adds up from ``since``; ``unrecorded_months`` ended before the ledger kept their earned
    time and their tickets may be pruned, so it counts what tickets remain."""

    hall: str
    month: str
    since: str
    warn_minutes: int
    warnings: int
    clerks: list[LieuClerk]
    taken: list[LieuEntry]
    unrecorded_months: list[str]


def lieu_answer(hall: Hall, month: str, found: MonthLedger) -> LieuAnswer:
    usernames = [c.username for c in hall.clerks if c.role in EARNING_ROLES]
    usernames += sorted(set(found.lines) - set(usernames))
    clerks = [_clerk(hall, u, found.lines.get(u, [])) for u in usernames]
    return {
        "hall": hall.id,
        "month": month,
        "since": found.months[0],
        "warn_minutes": hall.lieu.warn_minutes,
        "warnings": sum(1 for c in clerks if c["warn"]),
        "clerks": clerks,
        "taken": [lieu_entry(e) for e in found.taken],
        "unrecorded_months": found.unrecorded,
    }


def lieu_entry(entry: Mapping[str, Any]) -> LieuEntry:
    """A day taken as the API answers it; an entry as stored is a supervisor's (``source`` entry)."""
    return {
        "id": str(entry["id"]),
        "source": str(entry.get("source", "entry")),
        "username": str(entry["username"]),
        "date": str(entry["date"]),
        "minutes": float(entry["minutes"]),
        "note": str(entry.get("note", "")),
        "by": str(entry.get("by", "")),
        "at": str(entry.get("at", "")),
    }


def _clerk(hall: Hall, username: str, lines: list[MonthLine]) -> LieuClerk:
    clerk = hall.clerk(username)
    line = lines[-1] if lines else MonthLine("", 0.0, 0.0, 0.0, "")
    zh, en = warning(line, hall.lieu.warn_minutes)
    return {
        "username": username,
        "name": (clerk.display_name or clerk.name) if clerk else username,
        "role": clerk.role if clerk else "",
        "day_minutes": contracted_day(clerk.hours_per_week if clerk else 40),
        "earned_minutes": line.earned,
        "taken_minutes": line.taken,
        "net_minutes": line.net,
        "opening_minutes": line.opening,
        "balance_minutes": line.balance,
        "balance": hours_minutes(line.balance),
        "warn": line.warn,
        "warning": zh,
        "warning_en": en,
    }


COLUMNS = (
    "月份 month", "工作人员 clerk", "姓名 name", "本月获得（分钟） earned (min)", "本月已休（分钟） taken (min)",
    "本月净增（分钟） net (min)", "上月结余（分钟） opening (min)", "累计结余（分钟） balance (min)", "提醒 warning",
)  # fmt: skip


def lieu_csv(answer: LieuAnswer) -> str:
    """One row a clerk: UTF-8 with a byte-order mark for Excel; minutes as numbers (a negative number is no
    formula), names and warnings as text that no spreadsheet takes for a formula."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for c in answer["clerks"]:
        figures = [c["earned_minutes"], c["taken_minutes"], c["net_minutes"], c["opening_minutes"]]
        writer.writerow(
            [
                answer["month"],
                safe_cell(c["username"]),
                safe_cell(c["name"]),
                *(_number(m) for m in (*figures, c["balance_minutes"])),
                safe_cell(c["warning"] and f"{c['warning']} {c['warning_en']}"),
            ]
        )
    return BOM + out.getvalue()


def _number(minutes: float) -> str:
    text = f"{minutes:.1f}"
    return text.removesuffix(".0")
