"""The JSON API: thin handlers that parse, authorise, call one store method and format the answer."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any, cast

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from queue_server.core.admission import refusal
from queue_server.core.errors import Conflict, Forbidden, QueueError, UnknownService, UnknownWindow
from queue_server.core.hall import Window
from queue_server.core.hours import max_waiting
from queue_server.core.records import (
    HallList,
    Health,
    Pong,
    Snapshot,
    Ticket,
    TicketAnswer,
    TidalAnswer,
    WindowActionAnswer,
)
from queue_server.store.hall_store import HallStore
from queue_server.web import access, auth
from queue_server.web.bodies import (
    Complete,
    Empty,
    Pause,
    TakeTicket,
    TidalOpen,
    Transfer,
    body_of,
    case_number,
    fingerprint,
)
from queue_server.web.context import context, hall_store
from queue_server.web.openapi import documented
from queue_server.web.responses import idempotency


def window_of(store: HallStore, text: str) -> Window:
    # ASCII digits only: "³", "①" and "٣" are digits to str.isdigit, and int() reads "٣" as 3.
    window = store.hall.window(int(text)) if text.isascii() and text.isdigit() and len(text) < 6 else None
    if window is None:
        numbers = ", ".join(str(w.number) for w in store.hall.windows)
        raise UnknownWindow(
            f"本大厅没有 {text!r} 号窗口（窗口：{numbers}）。", f"No window {text!r} in this hall (windows: {numbers})."
        )
    return window


def service_code(store: HallStore, code: str) -> str:
    if store.hall.service(code) is None:
        known = ", ".join(f"{s.code} {s.name}" for s in store.hall.services)
        raise UnknownService(
            f"本大厅没有 {code!r} 这项业务（业务：{known}）。",
            f"No category {code!r} in this hall (categories: {known}).",
        )
    return code


def answer(data: Mapping[str, Any], status: int = 200) -> JSONResponse:
    """The script's answer; a replayed one says so in a header and is otherwise the first answer."""
    body = dict(data)
    headers = {"Idempotent-Replayed": "true"} if body.pop("replayed", False) else None
    return JSONResponse(body, status_code=status, headers=headers)


@documented("get", "A bare answer with no Redis behind it (the baseline of the HTTP benchmark)", answers={200: Pong})
async def ping(request: Request) -> JSONResponse:
    """A bare endpoint with no Redis behind it: the benchmark's baseline for the server stack itself."""
    return JSONResponse({"pong": True})


@documented(
    "get",
    "Healthy when Redis answers; the halls this server runs. While the embedded Redis restarts: 503 "
    "store_unavailable with restarting, down_since, restart_attempts and redis_exit",
    answers={200: Health},
    errors=("store_unavailable",),
)
async def health(request: Request) -> JSONResponse:
    ctx = context(request)
    state = ctx.redis_state() if ctx.redis_state is not None else None
    if state is not None and not state.up:
        # Say what is wrong and since when, without waiting on a Redis that is known to be down.
        since = (ctx.clock.now() - timedelta(seconds=state.down_for)).isoformat(timespec="seconds")
        raise QueueError(
            f"内置 Redis 于 {since} 停止（{state.last_exit}），正在从追加日志（AOF）自动重启，"
            f"已尝试 {state.attempts} 次；请稍后再试。",
            f"The embedded Redis stopped at {since} ({state.last_exit}) and is being restarted from its "
            f"append-only file (restart attempts so far: {state.attempts}); try again in a moment.",
            "store_unavailable",
            503,
            {
                "restarting": True,
                "down_since": since,
                "restart_attempts": state.attempts,
                "redis_exit": state.last_exit,
            },
        )
    await ctx.redis.ping()
    body: Health = {"ok": True, "halls": sorted(ctx.halls)}
    if state is not None:
        body["redis_restarts"] = state.restarts
    return JSONResponse(body)


@documented("get", "The halls this server runs", answers={200: HallList})
async def list_halls(request: Request) -> JSONResponse:
    halls = [{"id": h.id, "name": h.name, "name_en": h.name_en} for h in context(request).halls.values()]
    return JSONResponse({"halls": halls})


@documented(
    "get",
    "The hall as a screen shows it: hours, categories, windows, latest calls",
    answers={200: Snapshot},
)
async def hall_snapshot(request: Request) -> JSONResponse:
    store = hall_store(request)
    return JSONResponse(await store.snapshot(context(request).clock.now()))


@documented(
    "post",
    "取号: take a ticket for a category",
    body=TakeTicket,
    answers={201: Ticket},
    idempotent=True,
    errors=(
        "unknown_service",
        "closed",
        "issuing_closed",
        "too_many_tickets",
        "ticket_held",
        "walk_ins_only",
        "priority_staff_only",
        "bad_token",
    ),
    description="A priority ticket (绿色通道) needs a staff token (a signed-in clerk or guide desk, or the "
    "supervisors'): 403 priority_staff_only without one. With a staff token the client counts as the hall's own.",
)
async def take_ticket(request: Request) -> JSONResponse:
    store = hall_store(request)
    body = await body_of(request, TakeTicket)
    code, priority = service_code(store, body.service), body.priority
    ctx = context(request)
    who = access.caller(request, store.hall)
    # 绿色通道 is for visitors the staff see (elderly, disabled, pregnant): never from a kiosk's button or a phone.
    if await staff_issuing(request, store, priority):
        who = access.Caller(who.address, trusted=True)
    await access.take_ticket_allowed(ctx.limiter, store.hall, who)
    now = ctx.clock.now()
    # Outside the category's sessions, or past today's cut-off (延时服务), the issue script refuses; it checks the
    # line itself, so two kiosks cannot both take the last place, and a retried request still gets its ticket.
    # An anonymous client also holds one live ticket per category and leaves the walk-ins' share alone.
    limit = max_waiting(now, store.hall, code)
    key = idempotency(request, fingerprint(body))
    try:
        data = await store.issue(now, code, priority, key, max_waiting=limit, anonymous=who.anonymous)
    except Conflict as e:
        if e.code != "issuing_closed":
            raise
        raise refusal(now, store.hall, code, await store.waiting(code)) from None
    return answer({**data["ticket"], **visitor_key(data), "replayed": data.get("replayed", False)}, status=201)


def visitor_key(data: Mapping[str, Any]) -> dict[str, str]:
    """The visitor's own secret for a ticket just taken, for whoever took it (see records.Ticket.key)."""
    return {"key": data["key"]} if data.get("key") else {}


async def staff_issuing(request: Request, store: HallStore, priority: bool) -> bool:
    """Whether a signed-in member of staff issues this ticket; a priority ticket without a staff token is refused."""
    if request.headers.get("authorization") is None:
        if priority:
            raise Forbidden(
                "绿色通道号只能由导办台或窗口工作人员发放，请到导办台办理。",
                "Priority tickets (绿色通道) are issued by the guide desk or a clerk only; ask at the guide desk.",
                "priority_staff_only",
            )
        return False
    await auth.caller(request, store.hall)
    return True


@documented("get", "One ticket, as its visitor follows it", answers={200: Ticket})
async def ticket_status(request: Request) -> JSONResponse:
    ticket_id = request.path_params["ticket_id"]
    store = context(request).store_for_ticket(ticket_id)
    return JSONResponse(await store.ticket(context(request).clock.now(), ticket_id))


@documented(
    "post",
    "过号重排: a skipped visitor is back and rejoins the line",
    body=Empty,
    answers={200: TicketAnswer},
    caller="clerk",
    idempotent=True,
    errors=(
        "ticket_not_skipped",
        "ticket_from_another_day",
        "unknown_service",
    ),
)
async def requeue(request: Request) -> JSONResponse:
    """过号重排: a skipped visitor came back. Any clerk of the hall, or a supervisor, may do it."""
    ticket_id = request.path_params["ticket_id"]
    ctx = context(request)
    store = ctx.store_for_ticket(ticket_id)
    await auth.caller(request, store.hall)
    body = await body_of(request, Empty, required=False)
    return answer(await store.requeue(ctx.clock.now(), ticket_id, idempotency(request, fingerprint(body))))


WINDOW_ACTIONS = ("call-next", "recall", "skip", "complete", "transfer", "pause", "resume")


@documented(
    "post",
    'A clerk\'s action at a window: call-next, recall, skip, complete, transfer (body {"service"}), pause, resume',
    body=Transfer,
    body_required=False,
    answers={200: WindowActionAnswer},
    caller="clerk",
    idempotent=True,
    description='The body is empty, except for transfer: {"service": "C"}, and complete, which may carry the case '
    'number (办件编号, staff-only on the ticket): {"case_number": "GA-2026-001234"}. 特呼 (call a given ticket) is '
    "POST …/windows/{n}/call.",
    errors=(
        "invalid_case_number",
        "unknown_action",
        "unknown_service",
        "window_paused",
        "window_not_paused",
        "no_current_ticket",
        "same_service",
        "wrong_window",
    ),
)
async def window_action(request: Request) -> JSONResponse:
    store = hall_store(request)
    window = window_of(store, request.path_params["window"])
    action = request.path_params["action"]
    if action not in WINDOW_ACTIONS:
        raise UnknownWindow(
            f"没有 {action!r} 这个窗口操作（可用：{'、'.join(WINDOW_ACTIONS)}）。",
            f"No window action {action!r} (actions: {', '.join(WINDOW_ACTIONS)}).",
            "unknown_action",
        )
    ctx = context(request)
    principal = await auth.caller(request, store.hall)
    principal.check_window(window.number)
    body: Transfer | Complete | Pause | Empty
    if action == "transfer":
        body = await body_of(request, Transfer)
    elif action == "complete":
        body = await body_of(request, Complete, False)
    elif action == "pause":
        body = await body_of(request, Pause, False)
    else:
        body = await body_of(request, Empty, False)
    key = idempotency(request, fingerprint(body))
    now, n = ctx.clock.now(), window.number
    if action in ("pause", "resume"):
        if action == "pause":
            paused = await store.pause(now, n, key, reason=cast(Pause, body).reason)
        else:
            paused = await store.resume(now, n, key)
        state = paused["window"].get("state", "open")
        return answer({**paused, "window": {"number": n, "state": state}})
    data: Mapping[str, Any]
    if action == "call-next":
        data = await store.call_next(now, window, key, clerk=principal.name if principal.window else "")
    elif action == "recall":
        data = await store.recall(now, n, key)
    elif action == "skip":
        data = await store.skip(now, n, key)
    elif action == "complete":
        data = await store.complete(now, n, key, case_number(cast(Complete, body)))
    else:
        data = await store.transfer(now, n, service_code(store, cast(Transfer, body).service), key)
    return answer(data)


@documented(
    "post",
    "潮汐窗口: a supervisor switches a tidal window to a category",
    body=TidalOpen,
    answers={200: TidalAnswer},
    caller="supervisor",
    idempotent=True,
    errors=(
        "unknown_service",
        "not_a_tidal_window",
        "tidal_already_open",
        "tidal_manual",
    ),
)
@documented(
    "delete",
    "潮汐窗口: a supervisor sends a tidal window back to its own categories",
    body=Empty,
    answers={200: TidalAnswer},
    caller="supervisor",
    idempotent=True,
    errors=(
        "not_a_tidal_window",
        "tidal_not_open",
    ),
)
async def tidal_switch(request: Request) -> JSONResponse:
    """潮汐窗口 by hand: ``POST`` with ``{"service": "C"}`` switches a tidal window to that category, ``DELETE``
    releases it. Supervisors only; the controller leaves a hand-made switch alone until it is released."""
    store = hall_store(request)
    window = window_of(store, request.path_params["window"])
    ctx = context(request)
    await auth.supervisor(request, store.hall, "切换潮汐窗口", "switch a tidal window")
    if not window.tidal:
        raise Conflict(
            f"{window.number} 号窗口不是潮汐窗口。",
            f"Window {window.number} is not a tidal window (潮汐窗口).",
            "not_a_tidal_window",
        )
    if window.reserve:  # it opens with a back-office clerk at it, from the back office, and closes the same way
        raise Conflict(
            f"{window.number} 号窗口是后台支援窗口，由后台人员接受支援请求时开启。",
            f"Window {window.number} is a reserve window: it opens when a back-office clerk accepts an alert.",
            "not_a_tidal_window",
        )
    opening = request.method == "POST"
    body = await body_of(request, TidalOpen) if opening else await body_of(request, Empty, False)
    service = service_code(store, body.service) if isinstance(body, TidalOpen) else None
    reason = "值班长手动切换 / switched by a supervisor" if opening else "值班长手动恢复 / released by a supervisor"
    data = await store.tidal(
        ctx.clock.now(), window.number, service, manual=True, cause="manual", reason=reason,
        idempotency=idempotency(request, fingerprint(body)),
    )  # fmt: skip
    switched = data["window"].get("tidal")
    return answer({"window": {"number": window.number, "switched_to": switched}, "replayed": data.get("replayed")})


routes = [
    Route("/api/ping", ping),
    Route("/api/health", health),
    Route("/api/halls", list_halls),
    Route("/api/halls/{hall}", hall_snapshot),
    Route("/api/halls/{hall}/tickets", take_ticket, methods=["POST"]),
    Route("/api/halls/{hall}/windows/{window}/tidal", tidal_switch, methods=["POST", "DELETE"]),
    Route("/api/tickets/{ticket_id}", ticket_status),
    Route("/api/tickets/{ticket_id}/requeue", requeue, methods=["POST"]),
]

# Last of all the app's routes: its {action} would otherwise take the paths of other window routes (/call, /rating).
window_actions = [Route("/api/halls/{hall}/windows/{window}/{action}", window_action, methods=["POST"])]
