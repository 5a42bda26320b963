"""The event feed and WebSocket channels, against real server processes."""
