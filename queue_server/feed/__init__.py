"""The event feed: each process reads a hall's stream once and fans its events out to local clients.

One reader per hall and process; one bounded queue per client, so a client that falls behind is sent a fresh
snapshot instead of a backlog and never slows the others. Imports the store, the core and the runtime.
"""
