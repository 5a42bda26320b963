"""What lives in Redis, and the only code that changes it.

Every state change is one Lua script (``scripts/``) that also appends its event to the hall's stream, atomically:
issue a ticket, call the next visitor, switch a tidal window, book a slot. It owns the key names (every key of a
hall carries the ``{hall}`` hash tag), the hall store that runs the scripts, bookings, the leased tidal
controller, and the embedded ``redis-server`` the server starts when no ``REDIS_URL`` is given. Imports the core.
"""
