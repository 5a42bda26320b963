"""The JSON API: thin handlers that parse, authorise, call one store method and format the answer."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any, cast

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from queue_server.core.admission import refusal
from queue_server.core.errors import Conflict, QueueError, UnknownService, UnknownWindow
from queue_server.core.hall import Window
from queue_server.core.hours import max_waiting
from queue_server.core.records import (
    HallList,
    Health,
    Pong,
    SignedIn,
    SignedOut,
    Snapshot,
    Ticket,
    TicketAnswer,
    TidalAnswer,
    WhoAmI,
    WindowActionAnswer,
)
from queue_server.store.hall_store import HallStore
from queue_server.web import access, auth
from queue_server.web.bodies import Empty, SignIn, TakeTicket, TidalOpen, Transfer, body_of, fingerprint
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
    ),
)
async def take_ticket(request: Request) -> JSONResponse:
    store = hall_store(request)
    body = await body_of(request, TakeTicket)
    code, priority = service_code(store, body.service), body.priority
    ctx = context(request)
    who = access.caller(request, store.hall)
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
    return answer({**data["ticket"], "replayed": data.get("replayed", False)}, status=201)


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
    description='The body is empty, except for transfer: {"service": "C"}.',
    errors=(
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
    body = await body_of(request, Transfer) if action == "transfer" else await body_of(request, Empty, False)
    key = idempotency(request, fingerprint(body))
    now, n = ctx.clock.now(), window.number
    if action in ("pause", "resume"):
        paused = await (store.pause if action == "pause" else store.resume)(now, n, key)
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
        data = await store.complete(now, n, key)
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


@documented(
    "post",
    "A clerk signs in at a window",
    body=SignIn,
    answers={200: SignedIn},
    errors=(
        "bad_credentials",
        "wrong_window",
        "too_many_sign_ins",
    ),
)
async def sign_in(request: Request) -> JSONResponse:
    store = hall_store(request)
    body = await body_of(request, SignIn)
    username, password, number = body.username, body.password, body.window
    if store.hall.window(number) is None:
        raise UnknownWindow(f"本大厅没有 {number} 号窗口。", f"No window {number} in this hall.")
    ctx = context(request)
    address = request.client.host if request.client else ""
    return JSONResponse(await auth.sign_in(ctx.redis, store.hall, username, password, number, ctx.clock.now(), address))


@documented(
    "get",
    "Who a token speaks for, and whether it may act at ?window=n",
    answers={200: WhoAmI},
    caller="clerk",
    query={"window": "a window number to check the token against"},
    errors=("wrong_window", "missing_token", "bad_token"),
)
async def whoami(request: Request) -> JSONResponse:
    """Who the bearer token speaks for, and whether it may act at ``?window=n``: lets a caller pad check its
    token before the clerk's first press."""
    store = hall_store(request)
    principal = await auth.caller(request, store.hall)
    if "window" in request.query_params:
        principal.check_window(window_of(store, request.query_params["window"]).number)
    return JSONResponse({"name": principal.name, "window": principal.window, "supervisor": principal.window is None})


@documented(
    "post",
    "A clerk signs out; the token stops working",
    answers={200: SignedOut},
    caller="clerk",
    errors=("missing_token", "bad_token"),
)
async def sign_out(request: Request) -> JSONResponse:
    store = hall_store(request)
    await auth.sign_out(context(request).redis, store.hall, request.headers.get("authorization"))
    return JSONResponse({"signed_out": True})


routes = [
    Route("/api/ping", ping),
    Route("/api/health", health),
    Route("/api/halls", list_halls),
    Route("/api/halls/{hall}", hall_snapshot),
    Route("/api/halls/{hall}/tickets", take_ticket, methods=["POST"]),
    Route("/api/halls/{hall}/sign-in", sign_in, methods=["POST"]),
    Route("/api/halls/{hall}/sign-out", sign_out, methods=["POST"]),
    Route("/api/halls/{hall}/whoami", whoami),
    Route("/api/halls/{hall}/windows/{window}/tidal", tidal_switch, methods=["POST", "DELETE"]),
    Route("/api/halls/{hall}/windows/{window}/{action}", window_action, methods=["POST"]),
    Route("/api/tickets/{ticket_id}", ticket_status),
    Route("/api/tickets/{ticket_id}/requeue", requeue, methods=["POST"]),
]
