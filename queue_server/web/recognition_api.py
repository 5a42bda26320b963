"""The performance recognition report (服务明星评选参考) for supervisors: each clerk's quarter as JSON and as a CSV for
a spreadsheet. For the 服务明星 selection and reviews, not for the public; figures are listed by clerk in the hall
file's order (docs/recognition.md)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from queue_server.core.recognition import Quarter, quarter_of
from queue_server.core.recognition_records import ClerkRecognition, Recognition
from queue_server.store.recognition_store import quarter_report
from queue_server.web import auth
from queue_server.web.context import hall_store
from queue_server.web.openapi import documented
from queue_server.web.ratings_export import BOM
from queue_server.web.ratings_export import safe_cell as spreadsheet_cell

QUARTER_QUERY = {"quarter": "YYYY-Qn (e.g. 2026-Q4)"}
ERRORS = ("invalid_quarter",)

# (header, value): the figures in the order the page shows them; then one column per category
COLUMNS: tuple[tuple[str, Callable[[ClerkRecognition], object]], ...] = (
    ("工作人员 clerk", lambda c: c["username"]),
    ("姓名 name", lambda c: c["name"]),
    ("办结 served", lambda c: c["served"]),
    ("过号 no_shows", lambda c: c["no_shows"]),
    ("平均办理分钟 handling_mean_minutes", lambda c: c["handling_mean_minutes"]),
    ("办理分钟中位数 handling_median_minutes", lambda c: c["handling_median_minutes"]),
    ("评价数 rated", lambda c: c["rated"]),
    ("平均评价 mean_level", lambda c: c["mean_level"]),
    ("非常满意占比 very_satisfied_share", lambda c: c["very_satisfied_share"]),
    ("满意率 satisfaction", lambda c: c["satisfaction"]),
    ("差评 poor", lambda c: c["poor"]),
    ("节假日值班天数 holiday_duty_days", lambda c: c["holiday_duty_days"]),
    ("周末值班天数 weekend_duty_days", lambda c: c["weekend_duty_days"]),
    ("晚间值班天数 evening_duty_days", lambda c: c["evening_duty_days"]),
    ("节假日工作分钟 holiday_minutes", lambda c: c["holiday_minutes"]),
    ("休息日工作分钟 rest_day_minutes", lambda c: c["rest_day_minutes"]),
)


def recognition_csv(report: Recognition) -> str:
    """One row a clerk, then the hall's total; UTF-8 with a byte-order mark, no cell a formula."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    categories = report["categories"]
    writer.writerow([title for title, _ in COLUMNS] + [f"办结·{c['name']} served_{c['code']}" for c in categories])
    for clerk in report["clerks"]:
        row = [value(clerk) for _, value in COLUMNS] + [clerk["services"].get(c["code"], 0) for c in categories]
        writer.writerow(spreadsheet_cell(v) for v in row)
    totals = report["totals"]
    figures = (
        totals["served"], totals["no_shows"], totals["handling_mean_minutes"], totals["handling_median_minutes"],
        totals["rated"], totals["mean_level"], totals["very_satisfied_share"], totals["satisfaction"], totals["poor"],
    )  # fmt: skip
    clerks = report["clerks"]
    duty = (  # person-days and minutes, over everyone listed
        sum(c["holiday_duty_days"] for c in clerks),
        sum(c["weekend_duty_days"] for c in clerks),
        sum(c["evening_duty_days"] for c in clerks),
        round(sum(c["holiday_minutes"] for c in clerks), 1),
        round(sum(c["rest_day_minutes"] for c in clerks), 1),
    )
    served = [sum(c["services"].get(k["code"], 0) for c in clerks) for k in categories]
    writer.writerow(spreadsheet_cell(v) for v in ["合计 total", "", *figures, *duty, *served])
    return BOM + out.getvalue()


async def _report(request: Request, may_zh: str, may_en: str) -> tuple[Quarter, Recognition]:
    store = hall_store(request)
    await auth.supervisor(request, store.hall, may_zh, may_en)
    quarter = quarter_of(request.query_params.get("quarter"))
    return quarter, await quarter_report(store, quarter)


@documented(
    "get",
    "服务明星评选参考: each clerk's quarter (served, handling time, 好差评, duty days, holiday minutes)",
    answers={200: Recognition},
    caller="supervisor",
    query=QUARTER_QUERY,
    errors=ERRORS,
    description="For the supervisors' selection and reviews, not a public ranking: every serving account of the hall "
    "in the hall file's order, with zeros where it did nothing. Duty days count only months with a kept rota "
    "(`rotas`). Tickets older than 62 business days count by the tally kept when they were pruned.",
)
async def recognition(request: Request) -> JSONResponse:
    _, report = await _report(request, "查看服务表现报表", "read the performance report")
    return JSONResponse(report, headers={"Cache-Control": "no-store"})


@documented(
    "get",
    "服务明星评选参考 as CSV: one row a clerk and a total row (UTF-8 with BOM)",
    answers={200: "text/csv; charset=utf-8"},
    caller="supervisor",
    query=QUARTER_QUERY,
    errors=ERRORS,
)
async def recognition_csv_file(request: Request) -> Response:
    quarter, report = await _report(request, "导出服务表现报表", "export the performance report")
    name = f"recognition-{report['hall']}-{quarter.name}.csv"
    return Response(
        recognition_csv(report).encode(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


routes = [
    Route("/api/halls/{hall}/staff/recognition", recognition),
    Route("/api/halls/{hall}/staff/recognition.csv", recognition_csv_file),
]
