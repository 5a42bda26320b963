"""The supervisors' staff report: time off in lieu (调休) each clerk has earned in a month."""

from __future__ import annotations

import calendar
import re
from datetime import date

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from queue_server.core.errors import InvalidRequest
from queue_server.core.overtime import ClerkTime, overtime
from queue_server.core.records import Overtime
from queue_server.web import auth
from queue_server.web.context import hall_store
from queue_server.web.openapi import documented

MONTH = re.compile(r"^([0-9]{4})-([0-9]{2})$")


def month_days(text: str | None) -> tuple[date, date]:
    """The first and last day of ``YYYY-MM``."""
    match = MONTH.match(text or "")
    if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) < 2000:
        raise InvalidRequest(
            f"月份应写作 ?month=YYYY-MM（如 2026-11），收到 {text!r}。",
            f"Give the month as ?month=YYYY-MM (e.g. 2026-11), not {text!r}.",
            "invalid_month",
        )
    year, month = int(match[1]), int(match[2])
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


@documented(
    "get",
    "调休: each clerk's time outside regular hours in a month",
    answers={200: Overtime},
    caller="supervisor",
    query={"month": "YYYY-MM"},
    errors=("invalid_month", "supervisors_only", "missing_token", "bad_token"),
)
async def staff_overtime(request: Request) -> JSONResponse:
    """``GET /api/halls/{hall}/staff/overtime?month=YYYY-MM``: minutes each clerk worked after hours, on rest days
    and on holidays, and the time off in lieu that adds up to. Supervisors only."""
    store = hall_store(request)
    await auth.supervisor(request, store.hall, "查看人员报表", "read the staff report")
    first, last = month_days(request.query_params.get("month"))
    found = overtime(store.hall, await store.tickets_of_days(first, last))
    # Every clerk of the hall is listed, those with nothing to claim too; then anyone else who called visitors.
    names = {c.username: c.name for c in store.hall.clerks}
    usernames = [*names, *sorted(set(found) - set(names))]
    clerks = [{"username": u, "name": names.get(u, u), **found.get(u, ClerkTime()).as_dict()} for u in usernames]
    total = sum(found.get(u, ClerkTime()).time_off for u in usernames)
    return JSONResponse(
        {
            "hall": store.hall.id,
            "month": f"{first:%Y-%m}",
            "clerks": clerks,
            "total_time_off_minutes": round(total, 1),
        }
    )


routes = [Route("/api/halls/{hall}/staff/overtime", staff_overtime)]
