"""``display-client``: the hall screen and voice announcer client (not built yet)."""

from __future__ import annotations

import sys


def main() -> int:
    print(
        "display-client: not yet — the hall screen and the voice announcer arrive with the real-time work.",
        file=sys.stderr,
    )
    return 2


if __name__ == "__main__":
    sys.exit(main())
