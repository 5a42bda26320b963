"""The server's clock and the supervisor of background tasks."""
