"""The WebSocket channels: a hall's events for screens and announcers, and one ticket for a visitor's phone.

Both are read-only and need no token. Messages are JSON text; every one has a ``type``. A client may receive a
``snapshot`` at any time (when it starts, or after it fell behind) and must then replace what it shows.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator

from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from queue_server.core.errors import QueueError, TooManyRequests, UnknownHall, UnknownTicket
from queue_server.core.estimates import waiting_time
from queue_server.core.records import Event as EventRecord
from queue_server.core.records import Ticket
from queue_server.feed.hub import (
    CLOSED,
    RESYNC,
    Event,
    Subscription,
    event_id_key,
    events_after,
    heartbeat,
    valid_event_id,
)
from queue_server.store.hall_store import HallStore
from queue_server.web import access
from queue_server.web.context import Context, context
from queue_server.web.openapi import documented

log = logging.getLogger("tidequeue.ws")

BACKLOG_LIMIT = 5000  # a client further behind than this gets a snapshot instead of the backlog
BATCH_LIMIT = 100  # events in one message at most
GONE = (WebSocketDisconnect, RuntimeError, OSError)  # how a send to a departed client fails


async def refuse(websocket: WebSocket, error: QueueError) -> None:
    """Say why, with the same fields as an HTTP error, then close with 4000 + the HTTP status (4404, 4429)."""
    body = {"type": "error", "error": error.code, "message": error.message, "message_en": error.message_en}
    await websocket.send_text(json.dumps({**body, **error.details}, ensure_ascii=False))
    await websocket.close(code=4000 + error.status)


@contextlib.asynccontextmanager
async def watching_for_departure(websocket: WebSocket, subscription: Subscription) -> AsyncIterator[None]:
    """Close the subscription as soon as the client leaves (or the server shuts down and says so), instead of
    finding out at the next send: nothing is sent to departed screens, and shutdown need not wait for them."""

    async def watch() -> None:
        # Clients have nothing to say on these channels; whatever they send is read and ignored.
        while (await websocket.receive())["type"] != "websocket.disconnect":
            pass

    task = asyncio.create_task(watch())
    task.add_done_callback(lambda _: subscription.close())
    try:
        yield
    finally:
        task.cancel()


async def send_batch(websocket: WebSocket, texts: list[str]) -> None:
    """One message for one event, a JSON array for several (in order)."""
    if texts:
        await websocket.send_text(texts[0] if len(texts) == 1 else "[" + ",".join(texts) + "]")


async def send_snapshot(websocket: WebSocket, store: HallStore, ctx: Context) -> tuple[int, int]:
    snapshot = await store.snapshot(ctx.clock.now())
    await websocket.send_text(
        json.dumps({"type": "snapshot", "event_id": snapshot["last_event_id"], **snapshot}, ensure_ascii=False)
    )
    return event_id_key(snapshot["last_event_id"])


@documented(
    "get",
    "A hall's live channel: a snapshot, then every event (calls, tidal switches, hours)",
    answers={101: EventRecord},
    query={"since": "the id of the last event seen: resume from there"},
    errors=("too_many_channels",),
)
async def hall_channel(websocket: WebSocket) -> None:
    """``/ws/halls/{hall}?since=<event_id>``: a snapshot or the missed events, then every event live."""
    await websocket.accept()
    ctx = context(websocket)
    hall_id = websocket.path_params["hall"]
    store = ctx.stores.get(hall_id)
    if store is None:
        await refuse(websocket, UnknownHall(f"没有 {hall_id!r} 这个大厅。", f"No hall {hall_id!r}."))
        return
    since = websocket.query_params.get("since", "")
    try:
        with ctx.channels.holding(store.hall, access.caller(websocket, store.hall)), ctx.metrics.connected("hall"):
            await follow_hall(websocket, ctx, store, since)
    except TooManyRequests as refused:
        await refuse(websocket, refused)
    except GONE:
        return


async def follow_hall(websocket: WebSocket, ctx: Context, store: HallStore, since: str) -> None:
    """The hall channel once accepted: the backlog or a snapshot, then the live events, until either side goes."""
    hall_id = store.hall.id
    async with ctx.hub.subscribe(hall_id) as subscription, watching_for_departure(websocket, subscription):
        backlog = await events_after(ctx.redis, hall_id, since, BACKLOG_LIMIT) if valid_event_id(since) else None
        if backlog is None:
            last = await send_snapshot(websocket, store, ctx)
        else:
            last = event_id_key(since)
            for start in range(0, len(backlog), BATCH_LIMIT):
                part = backlog[start : start + BATCH_LIMIT]
                await send_batch(websocket, [e.text for e in part])
                last = part[-1].key
            # Say at once that the channel is live, even when nothing was missed.
            await websocket.send_text(heartbeat(ctx.clock.now()).text)
        while True:
            # Whatever is waiting goes out together: a call-next is two events (completed, called), and
            # one write per screen instead of two halves the work of reaching a thousand screens.
            batch = [await subscription.queue.get()]
            while not subscription.queue.empty() and len(batch) < BATCH_LIMIT:
                batch.append(subscription.queue.get_nowait())
            texts: list[str] = []
            for live in batch:
                if live is CLOSED:
                    return
                if live is RESYNC:
                    await send_batch(websocket, texts)
                    texts = []
                    last = await send_snapshot(websocket, store, ctx)
                elif live.data["type"] == "heartbeat":
                    texts.append(live.text)
                elif live.key > last:
                    texts.append(live.text)
                    last = live.key
            await send_batch(websocket, texts)


def concerns(event: Event, ticket: Ticket) -> bool:
    """Whether an event may change what a ticket's visitor sees: their place, their estimate or their call."""
    data = event.data
    return (
        event is RESYNC
        or data.get("ticket_id") == ticket["id"]
        or data.get("service") == ticket["service"]
        or data["type"] in ("paused", "resumed", "day_started", "hours", "tidal_opened", "tidal_closed")
    )


async def ticket_view(store: HallStore, ctx: Context, ticket_id: str) -> Ticket:
    now = ctx.clock.now()
    ticket = await store.ticket(now, ticket_id)
    if ticket["state"] == "waiting":
        paused, switched = await store.window_states()
        ticket["estimated_wait_minutes"] = waiting_time(
            now, store.hall, ticket["service"], ticket["ahead"], paused, switched
        )
    return ticket


@documented(
    "get", "One ticket's live channel, for the visitor's phone", answers={101: Ticket}, errors=("too_many_channels",)
)
async def ticket_channel(websocket: WebSocket) -> None:
    """``/ws/tickets/{id}``: the ticket now, then again whenever its place, estimate or call changes."""
    await websocket.accept()
    ctx = context(websocket)
    ticket_id = websocket.path_params["ticket_id"]
    try:
        store = ctx.store_for_ticket(ticket_id)
    except UnknownTicket:
        await refuse(websocket, UnknownTicket("没有这张票。", "No such ticket."))
        return
    try:
        with ctx.channels.holding(store.hall, access.caller(websocket, store.hall)), ctx.metrics.connected("ticket"):
            await follow_ticket(websocket, ctx, store, ticket_id)
    except TooManyRequests as refused:
        await refuse(websocket, refused)
    except GONE:
        return


async def follow_ticket(websocket: WebSocket, ctx: Context, store: HallStore, ticket_id: str) -> None:
    """The ticket channel once accepted: the ticket now, then again whenever what its visitor sees changes."""
    async with ctx.hub.subscribe(store.hall.id) as subscription, watching_for_departure(websocket, subscription):
        try:
            ticket = await ticket_view(store, ctx, ticket_id)
        except UnknownTicket:
            await refuse(websocket, UnknownTicket("没有这张票。", "No such ticket."))
            return
        await websocket.send_text(json.dumps({"type": "ticket", "event": "snapshot", "ticket": ticket}))
        while True:
            event = await subscription.queue.get()
            if event is CLOSED:
                return
            if event.data["type"] == "heartbeat":
                await websocket.send_text(event.text)
                continue
            # Several events may be waiting: one fresh look at the ticket answers them all.
            pending: list[Event] = [event]
            while not subscription.queue.empty():
                pending.append(subscription.queue.get_nowait())
            relevant = [e for e in pending if concerns(e, ticket)]
            if not relevant:
                continue
            own = [e for e in relevant if e.data.get("ticket_id") == ticket_id]
            reason = (own or relevant)[-1]
            fresh = await ticket_view(store, ctx, ticket_id)
            if fresh != ticket or any(e.data["type"] == "recalled" for e in own):
                ticket = fresh
                message = {"type": "ticket", "event": reason.data["type"], "event_id": reason.id, "ticket": ticket}
                await websocket.send_text(json.dumps(message, ensure_ascii=False))


routes = [
    WebSocketRoute("/ws/halls/{hall}", hall_channel),
    WebSocketRoute("/ws/tickets/{ticket_id}", ticket_channel),
]
