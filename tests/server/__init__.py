"""The server process as its users run it, and a whole hall day end to end."""
