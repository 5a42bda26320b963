"""Clerks at their windows: signing in (a token bound to one window), asking who a token speaks for, signing out.
Each sign-in and sign-out also tells the window screen who serves there now (a ``clerk_changed`` event)."""

from __future__ import annotations

import contextlib

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from queue_server.core.errors import Conflict, UnknownWindow
from queue_server.core.records import SignedIn, SignedOut, WhoAmI
from queue_server.store import reserve_desk, rota_store
from queue_server.web import auth
from queue_server.web.api import window_of
from queue_server.web.bodies import SignIn, body_of
from queue_server.web.context import context, hall_store
from queue_server.web.openapi import documented

SIGNED_OUT = "后台人员签退，窗口关闭 / the back-office clerk signed out: the window is closed"


@documented(
    "post",
    "A clerk signs in at a window",
    body=SignIn,
    answers={200: SignedIn},
    errors=(
        "bad_credentials",
        "wrong_window",
        "not_on_rota",
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
    # The rota as published now: an edit another process made a moment ago lets its clerk in at once.
    await rota_store.load_duty(store, ctx.clock.now())
    signed_in = await auth.sign_in(ctx.redis, store.hall, username, password, number, ctx.clock.now(), address)
    # The window screen names who serves there now (its display name), with a clerk_changed event.
    clerk = store.hall.clerk(signed_in["clerk"]["username"])
    await store.clerk_arrived(ctx.clock.now(), number, username, clerk.display_name if clerk else "")
    return JSONResponse(signed_in)


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
    return JSONResponse(
        {
            "name": principal.name,
            "window": principal.window,
            "supervisor": principal.supervisor,
            "guide": principal.guide,
            "role": principal.role,
        }
    )


@documented(
    "post",
    "A clerk signs out; the token stops working",
    answers={200: SignedOut},
    caller="clerk",
    errors=("missing_token", "bad_token"),
)
async def sign_out(request: Request) -> JSONResponse:
    store = hall_store(request)
    ctx = context(request)
    gone = await auth.sign_out(ctx.redis, store.hall, request.headers.get("authorization"))
    if gone.window is not None and gone.role == "reserve":
        # 后台力量 signing out at a reserve window hands it back: switch sent back, window closed, name off
        with contextlib.suppress(Conflict):  # released already (the line went calm)
            now = ctx.clock.now()
            await reserve_desk.release(store, now, gone.window, "signed_out", SIGNED_OUT, force=True, clerk=gone.name)
    if gone.window is not None:
        await store.clerk_left(ctx.clock.now(), gone.window, gone.name)
    return JSONResponse({"signed_out": True})


routes = [
    Route("/api/halls/{hall}/sign-in", sign_in, methods=["POST"]),
    Route("/api/halls/{hall}/sign-out", sign_out, methods=["POST"]),
    Route("/api/halls/{hall}/whoami", whoami),
]
