"""The Lua scripts and the code that calls them, against a real redis-server."""
