"""The rota as files: a CSV of the month for a spreadsheet, and an iCalendar (RFC 5545) of one clerk's duties for
their phone's calendar. Pure.

The CSV is like the ratings' (:mod:`queue_server.web.ratings_export`): UTF-8 with a byte-order mark so that Excel
reads the Chinese, a bilingual header, and no cell a spreadsheet would take for a formula. One row a post, an
uncovered one with the clerk left empty and marked 缺岗.

The calendar is written by hand rather than with the ``icalendar`` package: it needs a handful of properties, and
RFC 5545's few rules that matter here fit in a screen (CRLF line ends, lines folded at 75 octets, ``\\ ; ,`` and
newlines escaped in text). Times are UTC (``…Z``), so no VTIMEZONE is needed and every calendar shows them in its
own zone. A clerk's posts that follow one another at one window (the morning, then the lunch-time service) are one
event.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from queue_server.core.hall import Hall
from queue_server.rota.needs import KIND_NAMES, Month, Post
from queue_server.web.ratings_export import BOM, safe_cell

COLUMNS = (
    "日期 date", "星期 weekday", "时段 session", "开始 start", "结束 end", "窗口 window", "业务 services",
    "类别 kind", "工作人员 clerk", "姓名 name",
)  # fmt: skip
WEEKDAYS = ("一", "二", "三", "四", "五", "六", "日")
UNCOVERED = "缺岗 uncovered"


def rota_csv(facts: Month, assignments: Mapping[str, str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for post in facts.posts:
        username = assignments.get(post.key)
        clerk = facts.hall.clerk(username) if username else None
        writer.writerow(
            safe_cell(v)
            for v in (
                post.day.isoformat(),
                WEEKDAYS[post.day.weekday()],
                post.name,
                f"{post.start:%H:%M}",
                f"{post.end:%H:%M}",
                f"后台 back office ({post.window})" if post.back_office else post.window,
                " ".join(post.services),
                KIND_NAMES[post.kind][0],
                username or UNCOVERED,
                (clerk.display_name or clerk.name) if clerk else "",
            )
        )
    return BOM + out.getvalue()


def escape(text: str) -> str:
    """TEXT as RFC 5545 §3.3.11 writes it."""
    return (
        text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r\n", "\\n").replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """A content line folded at 75 octets (RFC 5545 §3.1), never inside a UTF-8 character."""
    out: list[str] = []
    current, size = "", 0
    for char in line:
        width = len(char.encode())
        if size + width > (75 if not out else 74):  # a continuation line starts with a space
            out.append(current)
            current, size = "", 0
        current += char
        size += width
    out.append(current)
    return "\r\n ".join(out)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def shifts(posts: Iterable[Post]) -> list[list[Post]]:
    """Posts that follow one another at one window, joined: one event each."""
    joined: list[list[Post]] = []
    for post in sorted(posts, key=lambda p: (p.day, p.start)):
        last = joined[-1][-1] if joined else None
        if last is not None and last.day == post.day and last.window == post.window and last.end == post.start:
            joined[-1].append(post)
        else:
            joined.append([post])
    return joined


def rota_ics(hall: Hall, facts: Month, assignments: Mapping[str, str], username: str, now: datetime) -> str:
    """``username``'s duties of the month as an iCalendar (one VEVENT a shift)."""
    clerk = hall.clerk(username)
    who = (clerk.display_name or clerk.name) if clerk else username
    mine = [facts.by_key[k] for k, u in assignments.items() if u == username and k in facts.by_key]
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//tidequeue//rota//ZH",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape(f'{hall.name} 排班 · {who} · {facts.days[0]:%Y-%m}')}",
    ]
    for shift in shifts(mine):
        first, last = shift[0], shift[-1]
        start = datetime.combine(first.day, first.start, tzinfo=hall.timezone)
        end = datetime.combine(last.day, last.end, tzinfo=hall.timezone)
        sessions = "、".join(dict.fromkeys(s for p in shift for s in p.sessions))
        sessions_en = " + ".join(dict.fromkeys(s for p in shift for s in p.sessions_en))
        services = " ".join(dict.fromkeys(c for p in shift for c in p.services))
        lines += [
            "BEGIN:VEVENT",
            f"UID:{hall.id}-{username}-{first.day:%Y%m%d}-{first.start:%H%M}-w{first.window}@tidequeue",
            f"DTSTAMP:{_stamp(now)}",
            f"DTSTART:{_stamp(start)}",
            f"DTEND:{_stamp(end)}",
            f"SUMMARY:{escape(_where(first) + f' {sessions} / ' + _where_en(first) + f', {sessions_en}')}",
            f"LOCATION:{escape(f'{hall.name}（{hall.name_en}）' + _where(first))}",
            f"DESCRIPTION:{escape(f'业务 services: {services}; 类别 {KIND_NAMES[first.kind][0]} {first.kind}')}",
            "TRANSP:OPAQUE",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)


def _where(post: Post) -> str:
    return "后台值班" if post.back_office else f"{post.window}号窗口"


def _where_en(post: Post) -> str:
    return "Back office" if post.back_office else f"Window {post.window}"
