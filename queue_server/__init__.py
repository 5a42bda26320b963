"""tidequeue's ticket server. The path of a ticket, package by package:

kiosk or phone → ``web`` (HTTP route, body checked against its type) → ``store`` (one Lua script changes the
state and appends the event to the hall's Redis Stream, atomically) → ``feed`` (each process reads the stream once
and fans it out through bounded queues) → ``web`` channels → hall screens, phones, caller pads and the announcer.

``core`` holds the pure rules (hours, tidal decisions, estimates, appointments, statistics) and the records;
``config`` reads hall files; ``server`` is the process (CLI, app, timers); ``runtime`` the clock and supervisor;
``simulator`` plays a hall day through the same scripts. See docs/architecture.md.
"""
