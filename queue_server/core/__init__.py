"""The pure core: the hall model and the rules of the hall, as functions of their inputs and ``now``.

It owns the hall model (categories, windows, clerks, sessions), opening hours and the holiday calendar, the
business day, waiting-time estimates, the tidal-window decision, appointment rules, admission (who may still take
a ticket), clerks' overtime, the statistics summary, the announcement text and the error tree. It does no I/O:
no Redis, no sockets, no web framework, no clock. Everything else in tidequeue may import it; it imports nothing
of tidequeue's but itself.
"""
