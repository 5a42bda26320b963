"""The server process: the command line, the app that assembles the web edge, the feed and the timers, and the
background tasks (business day, opening hours, tidal controller, no-show bookings). The top of the import graph:
nothing in tidequeue imports it."""
