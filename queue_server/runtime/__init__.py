"""What every running part shares: the server's clock, and the supervisor that keeps background tasks alive."""
