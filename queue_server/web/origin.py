"""Cross-site requests: a browser's POST, DELETE or WebSocket handshake from another site's page is refused.

Browsers say which page a request comes from in ``Origin``. Such a request is let through when it comes from the
server's own pages (the origin's host is the request's ``Host``) or from an origin a hall lists in
``[access] origins`` (a city portal that embeds the booking page, say); otherwise it gets 403 ``foreign_origin``
(a WebSocket, a refused handshake). Requests without ``Origin`` (kiosk scripts, the announcer, the terminal caller
pad, curl) are not browsers' cross-site requests and pass; the JSON-only bodies and the tokens guard them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

CHANGES = {"POST", "PUT", "PATCH", "DELETE"}
REFUSAL = {
    "error": "foreign_origin",
    "message": "不接受来自其他网站页面的请求。",
    "message_en": "Requests from another site's pages are not accepted.",
}


class SameOrigin:
    """A pure ASGI middleware that refuses browsers' cross-site changes and channel handshakes."""

    def __init__(self, app: ASGIApp, origins: Iterable[str] = ()) -> None:
        self.app = app
        self.origins = {o.rstrip("/").lower() for o in origins}

    def allowed(self, scope: Scope) -> bool:
        headers = dict(scope.get("headers", []))
        origin = headers.get(b"origin")
        if origin is None:
            return True
        text = origin.decode("latin-1").rstrip("/").lower()
        if text in self.origins:
            return True
        host = headers.get(b"host", b"").decode("latin-1").lower()
        return bool(host) and urlsplit(text).netloc == host

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and not self.allowed(scope):
            await send({"type": "websocket.close", "code": 1008})  # before accept: the handshake gets 403
            return
        if scope["type"] == "http" and scope["method"] in CHANGES and not self.allowed(scope):
            body = json.dumps(REFUSAL, ensure_ascii=False).encode()
            headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
            await send({"type": "http.response.start", "status": 403, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)
