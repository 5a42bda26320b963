"""The caller pad (叫号器) page for clerks, mounted by the server."""

from __future__ import annotations

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
