"""``caller-pad``: the terminal caller pad for keyboard-only desks (not built yet)."""

from __future__ import annotations

import sys


def main() -> int:
    print("caller-pad: not yet — until it arrives, clerks use the HTTP API (see README).", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
