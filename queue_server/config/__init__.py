"""Hall files: the TOML under ``config/``, read and checked at start-up into the core's hall model.

A wrong file stops the server with a :class:`~queue_server.config.loader.ConfigError` that names the file, the
key and the fault in one line. Imports only the core.
"""
