"""The hall screen (大厅显示屏) page, mounted by the server."""

from __future__ import annotations

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
