"""tidequeue's display client (arrives with the real-time issue)."""
