"""Clerk passwords, stored only as scrypt hashes (``queue-server hash-password`` makes one)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

# scrypt costs ~16 MiB and some tens of milliseconds per check: cheap for a sign-in, dear for a guesser.
N, R, P = 2**14, 8, 1
MAXMEM = 64 * 1024 * 1024


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str) -> str:
    if not password:
        raise ValueError("the password must not be empty")
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=N, r=R, p=P, maxmem=MAXMEM, dklen=32)
    return f"scrypt${N}${R}${P}${_b64(salt)}${_b64(digest)}"


def parse_hash(stored: str) -> tuple[int, int, int, bytes, bytes]:
    """Split a stored hash into its parts; ValueError says what is wrong with it."""
    parts = stored.split("$")
    if len(parts) != 6 or parts[0] != "scrypt":
        raise ValueError("expected scrypt$N$r$p$salt$hash, as made by `queue-server hash-password`")
    try:
        n, r, p = int(parts[1]), int(parts[2]), int(parts[3])
        salt, digest = _unb64(parts[4]), _unb64(parts[5])
    except ValueError:
        raise ValueError("the hash is damaged; make a new one with `queue-server hash-password`") from None
    if not (2 <= n <= 2**20 and n & (n - 1) == 0 and 1 <= r <= 32 and 1 <= p <= 16 and salt and digest):
        raise ValueError("the hash's parameters are out of range; make a new one")
    return n, r, p, salt, digest


DEMO_PASSWORD = "tidequeue"  # the shipped demo halls' clerks' password: public, so never for a real hall


def uses_demo_password(stored: str) -> bool:
    """Whether a clerk's password hash is the shipped demo password's (an scrypt check: call it at start-up)."""
    return verify_password(DEMO_PASSWORD, stored)


def verify_password(password: str, stored: str) -> bool:
    try:
        n, r, p, salt, digest = parse_hash(stored)
    except ValueError:
        return False
    # surrogatepass: a password with a lone surrogate ("\udfff", valid in JSON) is just a wrong one, not a crash.
    candidate = hashlib.scrypt(
        password.encode("utf-8", "surrogatepass"), salt=salt, n=n, r=r, p=p, maxmem=MAXMEM, dklen=len(digest)
    )
    return hmac.compare_digest(candidate, digest)
