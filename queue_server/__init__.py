"""tidequeue's ticket server: tickets and calls kept atomically in Redis, served over HTTP."""
