"""The ratings (好差评) as a CSV download, one row a rating, for a spreadsheet or the city's 好差评 platform.

UTF-8 with a byte-order mark, so that Excel opens the Chinese right; the header says each column in Chinese and
English. Levels and reasons are written out in Chinese next to their codes. Pure.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from typing import Any

from queue_server.core.ratings import REASONS, is_bad, level_of

BOM = "\ufeff"
COLUMNS = (
    ("at", "评价时间 at"),
    ("business_day", "业务日 business_day"),
    ("number", "票号 number"),
    ("service", "业务 service"),
    ("window", "窗口 window"),
    ("clerk", "工作人员 clerk"),
    ("channel", "渠道 channel"),
    ("level", "等级 level"),
    ("level_name", "评价 rating"),
    ("bad", "差评 poor"),
    ("reasons", "原因 reasons"),
    ("comment", "意见 comment"),
    ("case_number", "办件编号 case_number"),
    ("case_id", "差评工单 case_id"),
)
_REASON_ZH = {r.code: r.zh for r in REASONS}


def _row(rating: Mapping[str, Any]) -> list[str]:
    level = rating.get("level")
    known = level_of(level) if isinstance(level, int) else None
    values = {
        **rating,
        "level_name": known.zh if known else "",
        "bad": "是" if isinstance(level, int) and is_bad(level) else "",
        "reasons": "、".join(_REASON_ZH.get(code, code) for code in rating.get("reasons") or []),
    }
    return [safe_cell(values.get(name)) for name, _ in COLUMNS]


# A cell starting with one of these is a formula to a spreadsheet: a visitor's comment must stay text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """A value as CSV text that no spreadsheet reads as a formula (every CSV of tidequeue uses it)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def ratings_csv(ratings: Iterable[Mapping[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([title for _, title in COLUMNS])
    for rating in ratings:
        writer.writerow(_row(rating))
    return BOM + out.getvalue()
