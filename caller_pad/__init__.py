"""The clerk's caller pad (叫号器): the web pad's page (templates and scripts the server serves as files) and the
terminal pad (``caller-pad``) for keyboard-only desks. Speaks to the server over HTTP only."""
