"""The time-off-in-lieu ledger (调休台账) over HTTP, for supervisors (docs/rota.md).

- ``GET /api/halls/{hall}/lieu?month=YYYY-MM``: each clerk's minutes earned and taken in the month, the balance
  carried from the ledger's first month, and a flag past the hall's ``[lieu] warn_minutes``; the month's days taken.
- ``GET …/lieu.csv?month=``: the same, one row a clerk.
- ``POST …/lieu/taken``: a supervisor enters time off a clerk took; ``DELETE …/lieu/taken/{id}`` takes a mistaken
  entry back. (Approved 调休 requests in the rota's time off count by themselves.)

Thin: check the caller and the month, add up through :mod:`queue_server.store.lieu_store`, answer
:mod:`queue_server.web.lieu_view`.
"""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from queue_server.core.business_day import business_day
from queue_server.core.errors import InvalidRequest, NotFound
from queue_server.core.lieu_ledger import month_of, month_shift
from queue_server.store import lieu_store
from queue_server.store.hall_store import HallStore
from queue_server.web import auth
from queue_server.web.bodies import Body, body_of, calendar_day
from queue_server.web.context import context, hall_store
from queue_server.web.lieu_view import EARNING_ROLES, LieuAnswer, LieuEntry, lieu_answer, lieu_csv, lieu_entry
from queue_server.web.openapi import documented
from queue_server.web.staff_api import month_days

MONTH_QUERY = {"month": "YYYY-MM"}
MONTHS_AHEAD = 12  # a ledger may be read this far past the current month (approved 调休 planned ahead)
MOST_MINUTES = 24 * 60  # one entry is one day's time off


class LieuTaken(Body, kw_only=True):
    """调休: time off in lieu ``username`` took on ``date`` (YYYY-MM-DD), ``minutes`` long (1 to 1440), entered by
    a supervisor; ``note`` says what for."""

    username: Annotated[str, Meta(min_length=1, max_length=64, examples=["w04"])]
    date: Annotated[str, Meta(max_length=10, examples=["2026-12-03"])]
    minutes: Annotated[int, Meta(description="1 to 1440", examples=[240])]
    note: Annotated[str, Meta(max_length=200, examples=["下午调休"])] = ""


def _month(request: Request, store: HallStore) -> str:
    """The month asked, from 2000 to :data:`MONTHS_AHEAD` months past the current one."""
    text = request.query_params.get("month")
    first, _ = month_days(text)
    hall = store.hall
    current = month_of(business_day(context(request).clock.now(), hall.timezone, hall.rollover))
    month = month_of(first)
    if calendar_day(first.isoformat()) is None or month > month_shift(current, MONTHS_AHEAD):
        raise InvalidRequest(
            f"月份超出范围：{text}（最晚到 {month_shift(current, MONTHS_AHEAD)}）。",
            f"The month is out of range: {text} (at the latest {month_shift(current, MONTHS_AHEAD)}).",
            "invalid_month",
        )
    return month


async def _answer(request: Request, store: HallStore) -> LieuAnswer:
    month = _month(request, store)
    found = await lieu_store.month_ledger(store, month, context(request).clock.now())
    return lieu_answer(store.hall, month, found)


@documented(
    "get",
    "调休台账: each clerk's time off in lieu earned and taken in the month, and the running balance",
    answers={200: LieuAnswer},
    caller="supervisor",
    query=MONTH_QUERY,
    errors=("invalid_month",),
    description="Earned: the month's time off in lieu from the overtime report (/staff/overtime). Taken: the days "
    "supervisors entered, and each working day of an approved time-off request of kind lieu (a contracted day, "
    "hours_per_week × 60 ÷ 5). The balance carries from the ledger's first month (`since`); past the hall's "
    "[lieu] warn_minutes either way the clerk is flagged (`warn` over or ahead).",
)
async def lieu(request: Request) -> JSONResponse:
    store = hall_store(request)
    await auth.supervisor(request, store.hall, "查看调休台账", "read the time-off-in-lieu ledger")
    return JSONResponse(await _answer(request, store), headers={"Cache-Control": "no-store"})


@documented(
    "get",
    "调休台账 as CSV: one row a clerk, for a spreadsheet (UTF-8 with BOM)",
    answers={200: "text/csv; charset=utf-8"},
    caller="supervisor",
    query=MONTH_QUERY,
    errors=("invalid_month",),
)
async def lieu_csv_file(request: Request) -> Response:
    store = hall_store(request)
    await auth.supervisor(request, store.hall, "导出调休台账", "export the time-off-in-lieu ledger")
    answer = await _answer(request, store)
    name = f"lieu-{store.hall.id}-{answer['month']}.csv"
    return Response(
        lieu_csv(answer).encode(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


@documented(
    "post",
    "调休: a supervisor enters time off in lieu a clerk took",
    body=LieuTaken,
    answers={201: LieuEntry},
    caller="supervisor",
    errors=("invalid_lieu_entry",),
)
async def take(request: Request) -> JSONResponse:
    store = hall_store(request)
    who = await auth.supervisor(request, store.hall, "登记调休", "enter time off in lieu")
    body = await body_of(request, LieuTaken)
    clerk = store.hall.clerk(body.username)
    if clerk is None or clerk.role not in EARNING_ROLES:
        fault = (f"没有窗口工作人员 {body.username[:64]!r}", f"no clerk {body.username[:64]!r} who serves at windows")
    elif calendar_day(body.date) is None:
        fault = ("日期应写作 YYYY-MM-DD", "the date is written YYYY-MM-DD")
    elif not 1 <= body.minutes <= MOST_MINUTES:
        fault = (f"时长应为 1 到 {MOST_MINUTES} 分钟", f"the minutes are 1 to {MOST_MINUTES}")
    elif await lieu_store.requested_on(store, body.username, body.date):
        fault = (
            f"{body.date} 已有批准的调休申请（排班中），不要重复登记",
            f"an approved 调休 request of the rota covers {body.date} already: it would count twice",
        )
    else:
        fault = None
    if fault is not None:
        raise InvalidRequest(f"调休登记无效：{fault[0]}。", f"Not entered: {fault[1]}.", "invalid_lieu_entry")
    now = context(request).clock.now().astimezone(store.hall.timezone)
    entry = {
        "username": body.username,
        "date": body.date,
        "minutes": body.minutes,
        "note": body.note,
        "by": who.name,
        "at": now.isoformat(timespec="seconds"),
    }
    record = await lieu_store.add_taken(store.redis, store.hall.id, entry)
    return JSONResponse(lieu_entry(record), status_code=201)


@documented(
    "delete",
    "调休: a supervisor takes back an entry of time off taken (a mistake)",
    answers={200: LieuEntry},
    caller="supervisor",
    errors=("unknown_lieu_entry",),
)
async def take_back(request: Request) -> JSONResponse:
    store = hall_store(request)
    await auth.supervisor(request, store.hall, "修改调休登记", "change the time off in lieu entered")
    removed = await lieu_store.remove_taken(store.redis, store.hall.id, request.path_params["id"][:40])
    if removed is None:
        raise NotFound(
            "没有这条调休登记（排班中批准的调休申请不能在此删除）。",
            "No such entry of time off taken (an approved 调休 request of the rota is not deleted here).",
            "unknown_lieu_entry",
        )
    return JSONResponse(lieu_entry(removed))


routes = [
    Route("/api/halls/{hall}/lieu", lieu),
    Route("/api/halls/{hall}/lieu.csv", lieu_csv_file),
    Route("/api/halls/{hall}/lieu/taken", take, methods=["POST"]),
    Route("/api/halls/{hall}/lieu/taken/{id}", take_back, methods=["DELETE"]),
]
