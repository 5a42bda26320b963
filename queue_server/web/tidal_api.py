"""The tidal desk's API (潮汐调度台): a supervisor approves or declines the switches the controller suggests
(``[tidal] mode = "suggest"``), and back-office staff (后台力量) see and accept the alerts that call them to a reserve
window. Thin handlers over :mod:`queue_server.store.tidal_desk`."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from queue_server.core.tidal_records import AlertList, ReserveAccepted, SuggestionAnswer, SuggestionList
from queue_server.store import rota_store, tidal_desk
from queue_server.store.reserve_desk import reserve_only
from queue_server.web import auth
from queue_server.web.bodies import Empty, body_of
from queue_server.web.context import context, hall_store
from queue_server.web.openapi import documented

NO_STORE = {"Cache-Control": "no-store"}


@documented(
    "get",
    "潮汐调度建议: the switches waiting for a supervisor's approval (suggest mode)",
    answers={200: SuggestionList},
    caller="supervisor",
)
async def list_suggestions(request: Request) -> JSONResponse:
    store = hall_store(request)
    await auth.supervisor(request, store.hall, "查看调度建议", "read the suggested switches")
    answer: SuggestionList = {"mode": store.hall.tidal_policy.mode, "suggestions": await tidal_desk.suggestions(store)}
    return JSONResponse(answer, headers=NO_STORE)


@documented(
    "post",
    "潮汐调度建议: a supervisor approves a suggested switch; it is made at once",
    body=Empty,
    answers={200: SuggestionAnswer},
    caller="supervisor",
    description="An open or close switches the window as the controller would (a tidal_opened or tidal_closed "
    "event); a reserve suggestion raises the alert to the back office. A window that changed since the suggestion "
    "was made refuses with 409 (tidal_changed and the like) and the suggestion expires.",
    errors=(
        "unknown_suggestion",
        "tidal_changed",
        "tidal_manual",
        "tidal_already_open",
        "tidal_not_open",
        "alert_out",
        "not_reserved",
    ),
)
async def approve(request: Request) -> JSONResponse:
    store = hall_store(request)
    who = await auth.supervisor(request, store.hall, "批准调度建议", "approve a suggested switch")
    await body_of(request, Empty, False)
    answer = await tidal_desk.approve(store, context(request).clock.now(), request.path_params["id"], who.name)
    return JSONResponse(answer)


@documented(
    "post",
    "潮汐调度建议: a supervisor declines a suggested switch",
    body=Empty,
    answers={200: SuggestionAnswer},
    caller="supervisor",
    description="Nothing changes; the controller does not suggest that window and category again for "
    "min_between_switches.",
    errors=("unknown_suggestion",),
)
async def decline(request: Request) -> JSONResponse:
    store = hall_store(request)
    who = await auth.supervisor(request, store.hall, "驳回调度建议", "decline a suggested switch")
    await body_of(request, Empty, False)
    answer = await tidal_desk.decline(store, context(request).clock.now(), request.path_params["id"], who.name)
    return JSONResponse(answer)


@documented(
    "get",
    "后台力量: the open and accepted alerts, and where each back-office clerk is",
    answers={200: AlertList},
    caller="clerk",
    description="For back-office staff (role reserve) and supervisors.",
    errors=("reserve_only",),
)
async def list_alerts(request: Request) -> JSONResponse:
    store = hall_store(request)
    who = await auth.caller(request, store.hall)
    if not (who.supervisor or who.role == "reserve"):
        raise reserve_only()
    now = context(request).clock.now()
    answer: AlertList = {
        "alerts": await tidal_desk.alerts(store),
        "reserve_staff": await tidal_desk.reserve_staff(store, now),
    }
    return JSONResponse(answer, headers=NO_STORE)


@documented(
    "post",
    "后台力量: a back-office clerk accepts an alert; its window opens for its category with them at it",
    body=Empty,
    answers={200: ReserveAccepted},
    caller="clerk",
    description="The reserve window is resumed and switched to the alert's category (tidal_opened, cause reserve), "
    "names the clerk on its screen (clerk_changed) and a reserve_accepted event says by when they will be seated. "
    "The answer is a token for that window, as a sign-in's, for the web caller pad at `caller`. The clerk who "
    "accepted it asking again gets a fresh token; anyone else: 409 alert_taken.",
    errors=("unknown_alert", "alert_taken", "reserve_busy", "reserve_only", "off_duty", "missing_skill"),
)
async def accept(request: Request) -> JSONResponse:
    store = hall_store(request)
    who = await auth.caller(request, store.hall)
    if who.role != "reserve":
        raise reserve_only()
    await body_of(request, Empty, False)
    now = context(request).clock.now()
    await rota_store.load_duty(store, now)  # the rota as published now, should another process just have edited it
    answer: ReserveAccepted = await tidal_desk.accept(store, now, request.path_params["id"], who.name)
    return JSONResponse(answer, headers=NO_STORE)


routes = [
    Route("/api/halls/{hall}/tidal/suggestions", list_suggestions),
    Route("/api/halls/{hall}/tidal/suggestions/{id}/approve", approve, methods=["POST"]),
    Route("/api/halls/{hall}/tidal/suggestions/{id}/decline", decline, methods=["POST"]),
    Route("/api/halls/{hall}/alerts", list_alerts),
    Route("/api/halls/{hall}/alerts/{id}/accept", accept, methods=["POST"]),
]
