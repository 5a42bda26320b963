"""The visitor-facing pages the server owns: the kiosk (取号机) and the phone page that follows one ticket."""

from __future__ import annotations

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
