"""The web edge: HTTP routes, WebSocket channels, sign-in, error answers, pages, templates and static files.

Handlers are thin: they parse a request, call one store function and format its answer. The kiosk, phone,
booking and statistics pages live here; the hall screen's and the web caller pad's templates and scripts live
with their clients (``display_client/``, ``caller_pad/``) and are served from there as files. Imports the feed,
the store, the core, the config and the runtime; never the server process or the clients' Python.
"""
