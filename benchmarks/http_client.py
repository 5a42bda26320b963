"""A minimal HTTP/1.1 client for the load generator: requests are built once as bytes, answers read by length.

It reads only what tidequeue's server (uvicorn) writes: a status line, headers with Content-Length, a body.
Being this small is the point: the load generator should leave the machine to the server it measures.
"""

from __future__ import annotations

import asyncio


class ProtocolError(Exception):
    """The answer is not HTTP/1.1 as this client reads it (it needs Content-Length)."""


def request_bytes(method: str, path: str, host: str, port: int, headers: dict[str, str], body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if method == "POST":
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def read_answer(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """(status, body, whether the server closes the connection after it)."""
    head = await reader.readuntil(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 "):
        raise ProtocolError(f"not an HTTP/1.1 answer: {head[:40]!r}")
    status = int(head[9:12])
    # uvicorn writes header names in lower case; fold only when that fast path misses.
    at = head.find(b"\r\ncontent-length:")
    if at < 0:
        head = head.lower()
        at = head.find(b"\r\ncontent-length:")
        if at < 0:
            raise ProtocolError(f"answer {status} without Content-Length")
    length = int(head[at + 17 : head.index(b"\r\n", at + 17)])
    body = await reader.readexactly(length) if length else b""
    return status, body, b"\r\nconnection: close" in head
