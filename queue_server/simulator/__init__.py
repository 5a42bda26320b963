"""The hall-day simulator (`queue-server simulate`): a day of visitors and clerks, on a virtual clock, through the
same Lua scripts and the same tidal controller as the live server, once with every window on its own categories
(``static``) and once with the tidal controller running (``tidal``), reported side by side.

- :mod:`.profile` reads a day's profile (arrivals per category and hour, handling times, no-shows, bookings).
- :mod:`.visitors` draws the day's visitors from a profile and a seed (pure).
- :mod:`.staffing` says which windows are staffed, for which categories, at a moment (pure).
- :mod:`.engine` runs one day against a :class:`~queue_server.store.hall_store.HallStore` as a discrete-event loop.
- :mod:`.runner` gives each policy a fresh hall state on an embedded or a given Redis, and cleans up.
- :mod:`.report` turns the stored tickets into the report (text side by side, or JSON).
- :mod:`.seeds` sums several seeds up (``--seeds``): the mean, the worst seed for tidal, a line per seed.
- :mod:`.command` is the ``simulate`` subcommand.
- :mod:`.plan_check` runs a day staffed as the staffing plan says (benchmarks/staffing_check.py, docs/staffing.md).
"""
