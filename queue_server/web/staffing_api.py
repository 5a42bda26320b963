"""The day's arrivals forecast and staffing plan for supervisors: ``GET /api/halls/{hall}/forecast?date=`` and
``GET /api/halls/{hall}/staffing?date=`` (docs/staffing.md).

Thin: check the caller and the date, read through :mod:`queue_server.store.day_outlook`, answer the records of
:mod:`queue_server.core.staffing_records`. A date is accepted up to :data:`MAX_DAYS_AWAY` days either side of the
hall's business day: further back the weeks it rests on are pruned, further ahead the plan would rest on weeks
that old, and the calendar and bookings rarely reach that far.
"""

from __future__ import annotations

from datetime import date, timedelta

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from queue_server.core.business_day import business_day
from queue_server.core.errors import InvalidRequest
from queue_server.core.staffing_records import ForecastAnswer, StaffingAnswer, forecast_record, plan_record
from queue_server.store.day_outlook import day_forecast, day_plan
from queue_server.store.hall_store import KEEP_DAYS
from queue_server.web import auth
from queue_server.web.bodies import calendar_day
from queue_server.web.context import context, hall_store
from queue_server.web.openapi import documented

MAX_DAYS_AWAY = KEEP_DAYS  # 62: tickets are kept this many business days
DATE_QUERY = {"date": "YYYY-MM-DD, within 62 days of today"}
ERRORS = ("missing_field", "invalid_date", "date_out_of_range")


def day_of(request: Request, today: date) -> date:
    """The ``date`` asked for, checked: present, ``YYYY-MM-DD``, and within :data:`MAX_DAYS_AWAY` of ``today``."""
    text = request.query_params.get("date")
    if text is None:
        raise InvalidRequest("请给出日期：?date=YYYY-MM-DD。", "Give the date: ?date=YYYY-MM-DD.", "missing_field")
    day = calendar_day(text)
    if day is None:
        raise InvalidRequest(
            f"日期应写作 YYYY-MM-DD（如 2026-11-23），收到 {text[:40]!r}。",
            f"The date must be written YYYY-MM-DD (e.g. 2026-11-23), not {text[:40]!r}.",
            "invalid_date",
        )
    earliest, latest = today - timedelta(days=MAX_DAYS_AWAY), today + timedelta(days=MAX_DAYS_AWAY)
    if not earliest <= day <= latest:
        raise InvalidRequest(
            f"只能预测今天（{today}）前后 {MAX_DAYS_AWAY} 天内的日期：{earliest} 至 {latest}。",
            f"Only dates within {MAX_DAYS_AWAY} days of today ({today}) can be forecast: {earliest} to {latest}.",
            "date_out_of_range",
            details={"earliest": earliest.isoformat(), "latest": latest.isoformat()},
        )
    return day


def _today(request: Request) -> date:
    hall = hall_store(request).hall
    return business_day(context(request).clock.now(), hall.timezone, hall.rollover)


@documented(
    "get",
    "全天到访预测: expected arrivals per category and hour of a date, with an error band",
    answers={200: ForecastAnswer},
    caller="supervisor",
    query=DATE_QUERY,
    errors=ERRORS,
    description="From the walk-ins of the same weekday over the last four weeks (a holiday or a 调休 working day: "
    "the latest days of its kind), seasonal plans' demand, and the date's bookings. The band: mean ± 1.28·sd over "
    "those days, sd at least a Poisson count's (about 8 hours in 10 fall inside).",
)
async def forecast(request: Request) -> JSONResponse:
    store = hall_store(request)
    await auth.supervisor(request, store.hall, "查看到访预测", "read the arrivals forecast")
    today = _today(request)
    found = await day_forecast(store, day_of(request, today), today)
    answer: ForecastAnswer = forecast_record(store.hall, found)
    return JSONResponse(answer, headers={"Cache-Control": "no-store"})


@documented(
    "get",
    "排班需求: windows needed per session and category to meet the hall's service target",
    answers={200: StaffingAnswer},
    caller="supervisor",
    query=DATE_QUERY,
    errors=ERRORS,
    description="Erlang C on the forecast's arrivals and the handling minutes measured lately (else the hall "
    "file's), per hour; a session needs what its busiest hour needs. Target: the hall's [staffing] table (default "
    "80% called within 15 minutes). Says where the windows the hall file staffs fall short.",
)
async def staffing(request: Request) -> JSONResponse:
    store = hall_store(request)
    await auth.supervisor(request, store.hall, "查看排班需求", "read the staffing plan")
    today = _today(request)
    found, plan = await day_plan(store, day_of(request, today), today)
    answer: StaffingAnswer = plan_record(store.hall, plan, found)
    return JSONResponse(answer, headers={"Cache-Control": "no-store"})


routes = [Route("/api/halls/{hall}/forecast", forecast), Route("/api/halls/{hall}/staffing", staffing)]
