"""The statistics as a CSV download: one section per table, for a spreadsheet.

Each section is a title row (Chinese · English), a header row of the JSON field names, its rows, and a blank
row. UTF-8 with a byte-order mark, so that Excel opens the Chinese names correctly. Pure.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from typing import Any

BOM = "\ufeff"

CATEGORY_FIELDS = (
    "code", "name", "name_en", "issued", "served", "skipped", "expired", "at_window", "waiting_now",
    "wait_p50", "wait_p90", "wait_max", "wait_mean", "mean_handling",
)  # fmt: skip
OVERALL_FIELDS = (
    "issued", "served", "skipped", "expired", "at_window", "still_waiting",
    "wait_p50", "wait_p90", "wait_max", "wait_mean", "mean_handling",
)  # fmt: skip
WINDOW_FIELDS = (
    "number", "tidal", "services", "open_minutes", "serving_minutes", "paused_minutes", "busy_ratio", "served",
    "tidal_served", "mean_handling",
)  # fmt: skip
SPREAD_FIELDS = ("windows", "max", "min", "max_minus_min", "stdev")
TIDAL_FIELDS = ("served", "tidal_served", "share", "at_tidal_windows", "at_tidal_windows_share")
APPOINTMENT_FIELDS = ("booked", "checked_in", "missed", "cancelled", "pending")
PERIOD_FIELDS = ("hall", "first", "last", "session", "days", "active_days", "now")


def cell(value: Any) -> str:
    """A JSON value as spreadsheet text: nothing for None, true/false, lists joined by spaces."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return " ".join(cell(v) for v in value)
    return str(value)


def _section(writer: Any, title: str, fields: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> None:
    writer.writerow([title])
    writer.writerow(fields)
    for row in rows:
        writer.writerow([cell(row.get(name)) for name in fields])
    writer.writerow([])


def statistics_csv(summary: Mapping[str, Any]) -> str:
    """The summary made by :func:`queue_server.core.statistics.summary.summarise` as CSV text, byte-order mark first."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    period = {**summary["period"], "hall": summary["hall"]["id"]}
    _section(writer, "统计 · statistics", PERIOD_FIELDS, [period])
    _section(writer, "业务类别 · categories", CATEGORY_FIELDS, summary["categories"])
    _section(writer, "全部 · overall", OVERALL_FIELDS, [summary["overall"]])
    _section(writer, "窗口 · windows", WINDOW_FIELDS, summary["windows"])
    _section(writer, "忙闲率差异 · busy spread", SPREAD_FIELDS, [summary["busy_spread"]])
    _section(writer, "潮汐窗口 · tidal share", TIDAL_FIELDS, [summary["tidal_share"]])
    _section(writer, "预约 · appointments", APPOINTMENT_FIELDS, [summary["appointments"]])
    hours = [
        {"hour": hour, "arrivals": count, "waiting": summary["waiting_per_hour"].get(hour)}
        for hour, count in summary["arrivals_per_hour"].items()
    ]
    _section(writer, "每小时 · per hour", ("hour", "arrivals", "waiting"), hours)
    if "ratings" in summary:
        _rating_sections(writer, summary["ratings"])
    return BOM + out.getvalue()


RATING_FIELDS = ("rated", "satisfied", "satisfaction", "poor")
CASE_FIELDS = ("opened", "closed", "closed_on_time", "overdue")


def _rating_sections(writer: Any, ratings: Mapping[str, Any]) -> None:
    """好差评: 满意率 = (非常满意 + 满意 + 基本满意) ÷ all ratings; per window, clerk, category and day."""
    _section(writer, "好差评 · ratings", RATING_FIELDS, [ratings])
    _section(writer, "差评工单 · poor-rating cases", CASE_FIELDS, [ratings["cases"]])
    for title, key, name in (
        ("好差评 各窗口 · ratings per window", "by_window", "window"),
        ("好差评 各工作人员 · ratings per clerk", "by_clerk", "clerk"),
        ("好差评 各业务 · ratings per category", "by_category", "code"),
        ("好差评 每日 · ratings per day", "by_day", "day"),
    ):
        _section(writer, title, (name, *RATING_FIELDS), ratings[key])
