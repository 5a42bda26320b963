"""The hall's display clients: the hall screen's page (templates and scripts the server serves as files) and the
voice announcer (``display-client announce``), which follows a hall's WebSocket channel and speaks each call.
Speaks to the server over HTTP and WebSocket only; of its Python it uses just the pure core (the announcement
text)."""
