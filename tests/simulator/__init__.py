"""The hall-day simulator."""
