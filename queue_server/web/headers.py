"""Security headers on every answer: what a browser may load, frame and send on.

- every answer: ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: same-origin`` (a ticket id in a
  phone page's address never leaves the site);
- every page (text/html): a Content-Security-Policy that allows the server's own scripts, styles, images and
  WebSocket only, no inline script (pages pass their settings as JSON data blocks, which never run), and
  ``frame-ancestors 'none'``, except the hall screen, which signage players may embed.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

COMMON = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin")]
POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors {frames}"
)
EMBEDDABLE = ("/display/",)  # the hall screen: signage players show it in a frame


class SecurityHeaders:
    """A pure ASGI middleware: it adds headers to each response as it starts, and touches nothing else."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.page_policy = POLICY.format(frames="'none'").encode()
        self.embeddable_policy = POLICY.format(frames="*").encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = self.embeddable_policy if scope["path"].startswith(EMBEDDABLE) else self.page_policy

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += COMMON
                if any(k == b"content-type" and v.startswith(b"text/html") for k, v in headers):
                    headers.append((b"content-security-policy", policy))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)
