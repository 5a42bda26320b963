"""tidequeue's caller pad (arrives with the real-time issue)."""
