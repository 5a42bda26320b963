"""The clients: the hall screen, the web and terminal caller pads, and the voice announcer."""
