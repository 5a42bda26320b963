"""The HTTP API and the pages, through the app and in a real Chromium."""
