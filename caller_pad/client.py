"""The caller pad's HTTP client: one window's actions and the hall snapshot, over the standard library only.

Failures come in two kinds the screen treats differently: :class:`ApiError` (the server answered with its
``{"error", "message"}`` JSON) and :class:`Unreachable` (no answer at all; the clerk may simply retry).
"""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.request
import uuid
from typing import Any
from urllib.parse import quote

TIMEOUT = 5.0  # seconds; a clerk waiting longer than this wants to hear that the server is not answering


class ApiError(Exception):
    """The server refused the request; ``code`` is the API's stable error code."""

    def __init__(self, status: int, code: str, message: str, message_zh: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message  # the server's English message
        self.message_zh = message_zh  # and its Chinese one ('' when the answer had none)


class Unreachable(Exception):
    """No answer from the server (refused, timed out, name unknown)."""


class HallClient:
    """Talks to one hall of one server, with a bearer token when it has one."""

    def __init__(self, server: str, hall: str, token: str | None = None, timeout: float = TIMEOUT) -> None:
        # "host:port" is what people type; the API is plain HTTP unless they say otherwise.
        self.base = (server if "://" in server else f"http://{server}").rstrip("/")
        self.hall = hall
        self.token = token
        self.timeout = timeout

    def _url(self, *parts: str) -> str:
        return "/".join([self.base, "api/halls", quote(self.hall, safe=""), *parts])

    def request(self, method: str, url: str, body: dict[str, Any] | None = None, key: str | None = None) -> Any:
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if key:
            headers["Idempotency-Key"] = key
        req = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as e:
            raise _api_error(e) from None
        except urllib.error.URLError as e:
            raise Unreachable(str(e.reason)) from None
        except (TimeoutError, ConnectionError, http.client.HTTPException) as e:
            raise Unreachable(str(e) or type(e).__name__) from None
        except json.JSONDecodeError:
            raise ApiError(502, "bad_answer", "The answer is not JSON; is --server the ticket server?") from None

    def snapshot(self) -> dict[str, Any]:
        answer: dict[str, Any] = self.request("GET", self._url())
        return answer

    def sign_in(self, username: str, password: str, window: int) -> dict[str, Any]:
        body = {"username": username, "password": password, "window": window}
        answer: dict[str, Any] = self.request("POST", self._url("sign-in"), body)
        return answer

    def sign_out(self) -> None:
        self.request("POST", self._url("sign-out"))

    def act(self, window: int, action: str, body: dict[str, Any] | None = None, key: str | None = None) -> Any:
        """One window action; ``key`` is the Idempotency-Key, so a retry with the same key never acts twice."""
        url = self._url("windows", str(window), action)
        return self.request("POST", url, body, key or new_key())

    def check_access(self, window: int) -> None:
        """Raise ApiError (404 unknown window, 401 bad token, 403 another window) when the token may not act at
        ``window``, without changing anything."""
        self.request("GET", self._url("whoami") + f"?window={window}")


def new_key() -> str:
    return str(uuid.uuid4())


def _api_error(e: urllib.error.HTTPError) -> ApiError:
    try:
        body = json.loads(e.read())
        # Both of the server's messages: the pad shows the reason in Chinese, then in English.
        zh = str(body.get("message") or "")
        return ApiError(e.code, str(body["error"]), str(body.get("message_en") or zh), zh)
    except (ValueError, KeyError, TypeError, OSError):
        return ApiError(e.code, "http_error", f"HTTP {e.code} {e.reason}")
    finally:
        e.close()
