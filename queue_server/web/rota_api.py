"""The month's rota (排班) and the clerks' time off (休假) over HTTP (docs/rota.md).

- ``GET /api/halls/{hall}/rota?month=YYYY-MM``: the kept rota, or one made now and kept as a draft when the month
  has none (``generated_now``); ``POST …/rota/generate?month=`` makes it again. ``POST …/rota/publish?month=``
  publishes it (``DELETE``: back to a draft): only a published rota decides who is on duty.
- ``PUT …/rota?month=``: a supervisor's hand edit, the whole month's assignments or one day's changes, checked
  against the rules: an edit that breaks a rule the rota kept is refused (``422 rota_violation``, each breach
  listed in Chinese and English) and nothing is saved.
- ``GET …/rota.csv?month=`` and ``GET …/rota/{username}.ics?month=``: the month as a spreadsheet, a clerk's duties
  as a calendar (their own, or anyone's for a supervisor).
- ``GET/POST …/time-off`` and ``POST …/time-off/{id}/approve``: requests, which only bind the rota once approved.

Thin: check the caller and the month, read through :mod:`queue_server.store.rota_store`, answer
:mod:`queue_server.web.rota_view`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from msgspec import Meta
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from queue_server.core.business_day import business_day
from queue_server.core.errors import Forbidden, InvalidRequest, NotFound
from queue_server.rota.needs import Month, rostered
from queue_server.rota.rules import check
from queue_server.rota.solver import assignments_of
from queue_server.store import rota_store
from queue_server.store.hall_store import HallStore
from queue_server.web import auth
from queue_server.web.auth import Principal
from queue_server.web.bodies import Body, body_of, calendar_day
from queue_server.web.context import context, hall_store
from queue_server.web.lieu_view import EARNING_ROLES
from queue_server.web.openapi import documented
from queue_server.web.rota_export import rota_csv, rota_ics
from queue_server.web.rota_view import RotaAnswer, TimeOffList, rota_answer
from queue_server.web.staff_api import month_days

MONTH_QUERY = {"month": "YYYY-MM"}
MONTH_BODY = 256 * 1024  # a month's assignments: about a thousand posts
LONGEST_TIME_OFF = 366  # days one request may span
PostKey = Annotated[str, Meta(max_length=40, examples=["2026-12-01 09:00 #1"])]
Username = Annotated[str, Meta(min_length=1, max_length=64, examples=["w01"])]


class RotaEdit(Body, kw_only=True):
    """A supervisor's hand edit: ``assignments`` maps post keys (``2026-12-03 09:00 #1``, from the rota's
    ``posts``) to a clerk's username, or null to leave the post open. With ``date``, only that day changes: the
    posts listed (all of that day) take the clerks given, the day's other posts keep theirs. Without it the whole
    month is replaced, and a post left out is open."""

    assignments: Annotated[dict[PostKey, Username | None], Meta(max_length=4000)]
    date: Annotated[str, Meta(max_length=10, examples=["2026-12-03"])] | None = None


class TimeOffRequest(Body, kw_only=True):
    """休假: ``username`` away from ``first`` to ``last`` (YYYY-MM-DD, both included). A supervisor may record it
    approved at once; a clerk asks for their own, which a supervisor then approves. ``kind``: ``leave`` (休假) or
    ``lieu`` (调休: once approved, each working day takes a contracted day from the clerk's time-off-in-lieu
    balance)."""

    username: Username
    first: Annotated[str, Meta(max_length=10, examples=["2026-12-14"])]
    last: Annotated[str, Meta(max_length=10, examples=["2026-12-15"])]
    approved: bool = False
    note: Annotated[str, Meta(max_length=200, examples=["年休假"])] = ""
    kind: Literal["leave", "lieu"] = "leave"


def _month(request: Request) -> tuple[int, int]:
    first, _ = month_days(request.query_params.get("month"))
    if calendar_day(first.isoformat()) is None:  # the years dates are accepted in
        raise InvalidRequest(
            f"月份超出范围：{request.query_params.get('month')}。",
            f"The month is out of range: {request.query_params.get('month')}.",
            "invalid_month",
        )
    return first.year, first.month


async def _facts(request: Request, store: HallStore) -> Month:
    year, month = _month(request)
    hall = store.hall
    today = business_day(context(request).clock.now(), hall.timezone, hall.rollover)
    return await rota_store.month_facts(store, year, month, today)


async def _current(request: Request, store: HallStore, facts: Month, who: Principal) -> tuple[dict[str, Any], bool]:
    """The month's kept rota, or a new one, kept (True: made now)."""
    month = f"{facts.days[0]:%Y-%m}"
    record = await rota_store.stored(store.redis, store.hall.id, month)
    if record is not None:
        return record, False
    record, _ = await rota_store.generate(store, facts, context(request).clock.now(), who.name)
    return record, True


ROTA_ERRORS = ("invalid_month",)


@documented(
    "get",
    "排班: the month's rota, made and kept now if the month has none",
    answers={200: RotaAnswer},
    caller="supervisor",
    query=MONTH_QUERY,
    errors=ROTA_ERRORS,
)
@documented(
    "put",
    "排班: a supervisor's hand edit of the month's rota (the whole month, or one day), checked against the rules",
    body=RotaEdit,
    answers={200: RotaAnswer},
    caller="supervisor",
    query=MONTH_QUERY,
    errors=(*ROTA_ERRORS, "rota_violation", "rota_changed"),
    description="An edit that would break a rule the rota kept (an uncovered post, a clerk not qualified, two posts "
    "at once, a seventh day in a row, duty the day after weekend duty, approved time off, the week's contracted "
    "hours, a fair share) is refused with 422 rota_violation, listing each breach in `violations`; nothing is "
    "saved. Breaches the rota already had do not block an edit. The body may be up to 256 KiB.",
)
async def rota(request: Request) -> Response:
    store = hall_store(request)
    who = await auth.supervisor(request, store.hall, "查看和修改排班", "read and edit the rota")
    facts = await _facts(request, store)
    if request.method == "PUT":
        return await _edit(request, store, facts, who)
    record, made_now = await _current(request, store, facts, who)
    return JSONResponse(rota_answer(facts, record, made_now), headers={"Cache-Control": "no-store"})


@documented(
    "post",
    "排班: make the month's rota again with the solver, and keep it",
    answers={200: RotaAnswer},
    caller="supervisor",
    query=MONTH_QUERY,
    errors=ROTA_ERRORS,
)
async def generate(request: Request) -> JSONResponse:
    store = hall_store(request)
    who = await auth.supervisor(request, store.hall, "生成排班", "make the rota")
    facts = await _facts(request, store)
    record, _ = await rota_store.generate(store, facts, context(request).clock.now(), who.name)
    return JSONResponse(rota_answer(facts, record, True), headers={"Cache-Control": "no-store"})


async def _edit(request: Request, store: HallStore, facts: Month, who: Principal) -> JSONResponse:
    edit = await body_of(request, RotaEdit, limit=MONTH_BODY)
    record, _ = await _current(request, store, facts, who)
    kept = assignments_of(facts, record.get("assignments", {}))
    if edit.date is None:
        changed = {key: name for key, name in edit.assignments.items() if name is not None}
    else:
        day = calendar_day(edit.date)
        wrong = [key for key in edit.assignments if not key.startswith(f"{edit.date} ")]
        if day is None or wrong:
            raise InvalidRequest(
                f"一天的修改只能包含当天的岗位：{', '.join(wrong[:3]) or edit.date}。",
                f"A day's edit may only name that day's posts: {', '.join(wrong[:3]) or edit.date}.",
                "invalid_field",
            )
        merged: dict[str, str | None] = {**kept, **edit.assignments}
        changed = {key: name for key, name in merged.items() if name is not None}
    before = {v.key for v in check(facts, kept)}
    added = [v for v in check(facts, changed) if v.key not in before]
    if added:
        raise InvalidRequest(
            "修改未保存，违反排班规则：" + "；".join(v.message for v in added),
            "Not saved: the edit breaks the rota's rules: " + " ".join(v.message_en for v in added),
            "rota_violation",
            details={"violations": [v.as_dict() for v in added]},
        )
    now = context(request).clock.now()
    made = {"source": "edited", "at": now.isoformat(), "by": who.name, "solver": None}
    saved = await rota_store.save(store, facts, changed, made, now, over=record)
    return JSONResponse(rota_answer(facts, saved, False), headers={"Cache-Control": "no-store"})


@documented(
    "get",
    "排班 as CSV: one row a post, for a spreadsheet (UTF-8 with BOM)",
    answers={200: "text/csv; charset=utf-8"},
    caller="supervisor",
    query=MONTH_QUERY,
    errors=ROTA_ERRORS,
)
async def rota_csv_file(request: Request) -> Response:
    store = hall_store(request)
    who = await auth.supervisor(request, store.hall, "导出排班", "export the rota")
    facts = await _facts(request, store)
    record, _ = await _current(request, store, facts, who)
    text = rota_csv(facts, assignments_of(facts, record.get("assignments", {})))
    name = f"rota-{store.hall.id}-{facts.days[0]:%Y-%m}.csv"
    return Response(
        text.encode(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


@documented(
    "get",
    "排班 as iCalendar: one clerk's duties of the month (their own; a supervisor's: anyone's)",
    answers={200: "text/calendar; charset=utf-8"},
    caller="clerk",
    query=MONTH_QUERY,
    errors=(*ROTA_ERRORS, "unknown_clerk", "supervisors_only"),
)
async def rota_calendar(request: Request) -> Response:
    store = hall_store(request)
    who = await auth.caller(request, store.hall)
    username = request.path_params["username"]
    if not who.supervisor and who.name != username:
        raise Forbidden(
            "只有值班长可以查看他人的排班。", "Only a supervisor may read another clerk's rota.", "supervisors_only"
        )
    if all(c.username != username for c in rostered(store.hall)):
        raise NotFound(f"排班中没有 {username[:64]!r}。", f"No clerk {username[:64]!r} in the rota.", "unknown_clerk")
    facts = await _facts(request, store)
    record, _ = await _current(request, store, facts, who)
    now = context(request).clock.now()
    text = rota_ics(store.hall, facts, assignments_of(facts, record.get("assignments", {})), username, now)
    name = f"rota-{store.hall.id}-{username}-{facts.days[0]:%Y-%m}.ics"
    return Response(
        text.encode(),
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


@documented(
    "get",
    "休假: the hall's time-off requests (a clerk: their own); ?month= keeps those that touch it",
    answers={200: TimeOffList},
    caller="clerk",
    query={"month": "YYYY-MM (optional)"},
    errors=ROTA_ERRORS,
)
@documented(
    "post",
    "休假: ask for time off (a clerk, for themselves) or record it (a supervisor, approved or not)",
    body=TimeOffRequest,
    answers={201: dict},
    caller="clerk",
    errors=("invalid_time_off", "supervisors_only"),
)
async def time_off(request: Request) -> JSONResponse:
    store = hall_store(request)
    who = await auth.caller(request, store.hall)
    if request.method == "POST":
        return await _request_time_off(request, store, who)
    found = await rota_store.time_off_requests(store.redis, store.hall.id)
    if not who.supervisor:
        found = [r for r in found if r["username"] == who.name]
    if "month" in request.query_params:
        year, month = _month(request)
        start = f"{year:04d}-{month:02d}-01"
        end = f"{year:04d}-{month:02d}-31"
        found = [r for r in found if r["first"] <= end and r["last"] >= start]
    answer: TimeOffList = {"hall": store.hall.id, "requests": found}
    return JSONResponse(answer, headers={"Cache-Control": "no-store"})


async def _request_time_off(request: Request, store: HallStore, who: Principal) -> JSONResponse:
    body = await body_of(request, TimeOffRequest)
    if not who.supervisor and (body.username != who.name or body.approved):
        raise Forbidden(
            "只有值班长可以为他人登记或直接批准休假。",
            "Only a supervisor may record time off for someone else, or approve it.",
            "supervisors_only",
        )
    first, last = calendar_day(body.first), calendar_day(body.last)
    # anyone who serves at windows, the back office too, even where the rota does not place it (on_duty = 0)
    if (clerk := store.hall.clerk(body.username)) is None or clerk.role not in EARNING_ROLES:
        fault = (f"排班中没有 {body.username!r}", f"no clerk {body.username!r} in the rota")
    elif first is None or last is None:
        fault = ("日期应写作 YYYY-MM-DD", "dates are written YYYY-MM-DD")
    elif not first <= last or (last - first).days >= LONGEST_TIME_OFF:
        fault = ("结束日期应不早于开始日期，且不超过一年", "the last day is not before the first, within a year")
    else:
        fault = None
    if fault is not None:
        raise InvalidRequest(
            f"休假申请无效：{fault[0]}。", f"The time-off request is not valid: {fault[1]}.", "invalid_time_off"
        )
    entry = {
        "username": body.username,
        "first": body.first,
        "last": body.last,
        "approved": body.approved,
        "note": body.note,
        "kind": body.kind,
        "by": who.name,
        "at": context(request).clock.now().isoformat(),
    }
    return JSONResponse(await rota_store.request_time_off(store.redis, store.hall.id, entry), status_code=201)


@documented(
    "post",
    "休假: a supervisor approves a time-off request; the rota must then keep it",
    answers={200: dict},
    caller="supervisor",
    errors=("unknown_time_off",),
)
async def approve_time_off(request: Request) -> JSONResponse:
    store = hall_store(request)
    who = await auth.supervisor(request, store.hall, "批准休假", "approve time off")
    request_id = request.path_params["id"][:40]
    now = context(request).clock.now()
    found = await rota_store.approve_time_off(store.redis, store.hall.id, request_id, who.name, now)
    if found is None:
        raise NotFound("没有这条休假申请。", "No such time-off request.", "unknown_time_off")
    await rota_store.load_duty(store, now)  # leave from today on: the clerk's posts are held by nobody now
    return JSONResponse(found)


@documented(
    "post",
    "排班: publish the month's rota (DELETE: withdraw it, back to a draft); only a published rota decides who is "
    "on duty",
    answers={200: RotaAnswer},
    caller="supervisor",
    query=MONTH_QUERY,
    errors=(*ROTA_ERRORS, "no_rota", "rota_changed"),
    description="Once published, the rota decides which windows each session staffs, who may sign in at which "
    "window, and which back-office clerks may be called forward, on its days; every server process goes by it "
    "within a minute. A hand edit of a published rota takes effect the same way.",
)
@documented(
    "delete",
    "排班: withdraw the month's published rota, back to a draft: its days go by the hall file again",
    answers={200: RotaAnswer},
    caller="supervisor",
    query=MONTH_QUERY,
    errors=(*ROTA_ERRORS, "no_rota", "rota_changed"),
)
async def publish(request: Request) -> JSONResponse:
    store = hall_store(request)
    who = await auth.supervisor(request, store.hall, "发布排班", "publish the rota")
    facts = await _facts(request, store)
    month = f"{facts.days[0]:%Y-%m}"
    by = who.name if request.method == "POST" else None
    record = await rota_store.publish(store, month, by, context(request).clock.now())
    if record is None:
        raise NotFound(f"{month} 还没有排班，请先生成。", f"No rota is kept for {month}: make one first.", "no_rota")
    return JSONResponse(rota_answer(facts, record, False), headers={"Cache-Control": "no-store"})


routes = [
    Route("/api/halls/{hall}/rota", rota, methods=["GET", "PUT"]),
    Route("/api/halls/{hall}/rota/generate", generate, methods=["POST"]),
    Route("/api/halls/{hall}/rota/publish", publish, methods=["POST", "DELETE"]),
    Route("/api/halls/{hall}/rota.csv", rota_csv_file),
    Route("/api/halls/{hall}/rota/{username}.ics", rota_calendar),
    Route("/api/halls/{hall}/time-off", time_off, methods=["GET", "POST"]),
    Route("/api/halls/{hall}/time-off/{id}/approve", approve_time_off, methods=["POST"]),
]
