"""Hall files: every mistake named with its file, key and fault."""
