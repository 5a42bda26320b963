"""Who may act at a window: the supervisors' token from ``QUEUE_ADMIN_TOKEN``, or a clerk's sign-in token.

A clerk signs in with an account from the hall's config at one window; the token is kept in Redis (any server
process accepts it) and acts on that window only.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from redis.asyncio import Redis
from starlette.requests import HTTPConnection

from queue_server.core.errors import Forbidden, TooManyRequests, Unauthorized
from queue_server.core.hall import Clerk, Hall, Role
from queue_server.core.passwords import verify_password
from queue_server.core.records import SignedIn
from queue_server.store import keys
from queue_server.store.sign_in_guard import SignInGuard
from queue_server.web.context import context

SESSION_SECONDS = 16 * 3600  # a long working day, evening extension included


# Accounts that sign in without a window: the guide desk (导办台), back-office reserve staff (后台力量) until they
# accept an alert, and supervisors (值班长).
WINDOWLESS_ROLES = ("guide", "reserve", "supervisor")


@dataclass(frozen=True)
class Principal:
    """Who is acting: ``window`` is None for a supervisor, who may act anywhere, and for the guide desk and
    back-office reserve staff, who act at no window. ``role``: clerk, guide, reserve or supervisor."""

    name: str
    window: int | None
    role: Role = "clerk"

    @property
    def guide(self) -> bool:
        return self.role == "guide"

    @property
    def supervisor(self) -> bool:
        return self.role == "supervisor"

    def check_window(self, number: int) -> None:
        if self.window is None and not self.supervisor:
            raise Forbidden(
                "导办台、后台账号不能在窗口叫号，请用窗口账号登录。",
                "A guide-desk or back-office account acts at no window; sign in with a window's account.",
                "wrong_window",
            )
        if self.window is not None and self.window != number:
            raise Forbidden(
                f"您登录的是 {self.window} 号窗口，不是 {number} 号窗口。",
                f"You are signed in at window {self.window}, not window {number}.",
                "wrong_window",
            )


def bearer_token(header: str | None) -> str:
    if not header:
        raise Unauthorized(
            "请先登录：此操作需要 'Authorization: Bearer <token>'。",
            "Sign in first: this action needs 'Authorization: Bearer <token>'.",
            "missing_token",
        )
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized(
            "请使用 'Authorization: Bearer <token>'。", "Use 'Authorization: Bearer <token>'.", "bad_token"
        )
    return token


async def caller(request: HTTPConnection, hall: Hall) -> Principal:
    """Who is calling: the one way every handler checks the bearer token (a clerk's, or the supervisors')."""
    ctx = context(request)
    return await authenticate(ctx.redis, hall, request.headers.get("authorization"), ctx.admin_token)


async def supervisor(request: HTTPConnection, hall: Hall, may_zh: str, may_en: str) -> Principal:
    """The caller, who must be a supervisor; a clerk is told what only a supervisor may do (``may_zh``/``may_en``:
    "查看统计" / "read the statistics")."""
    principal = await caller(request, hall)
    if not principal.supervisor:
        raise Forbidden(f"只有值班长可以{may_zh}。", f"Only a supervisor may {may_en}.", "supervisors_only")
    return principal


async def authenticate(redis: Redis, hall: Hall, header: str | None, admin_token: str | None) -> Principal:
    token = bearer_token(header)
    if admin_token and hmac.compare_digest(token.encode(), admin_token.encode()):
        return Principal("supervisor", None, "supervisor")
    if len(token) > 200:
        raise Unauthorized("令牌无效，请重新登录。", "The token is not valid; sign in again.", "bad_token")
    raw = await redis.get(keys.clerk_session(hall.id, token))
    if raw is None:
        raise Unauthorized(
            "令牌无效或已过期，请重新登录。", "The token is not valid or has expired; sign in again.", "bad_token"
        )
    return session_principal(json.loads(raw))


def session_principal(session: dict[str, Any]) -> Principal:
    """Who a stored session speaks for: a clerk at a window, or an account that signs in at none."""
    window = session.get("window")
    return Principal(session["username"], None if window is None else int(window), session.get("role", "clerk"))


async def sign_in(
    redis: Redis, hall: Hall, username: str, password: str, window: int | None, now: datetime, address: str
) -> SignedIn:
    """A clerk's token for ``window``, or a guide-desk account's (``window`` None: the desk, 导办台); after a few
    wrong passwords the username and the address (the caller's client address) wait before the next try
    (:mod:`queue_server.store.sign_in_guard`)."""
    guard = SignInGuard(redis, hall.id)
    if wait := await guard.wait(username, address):
        raise TooManyRequests(
            f"登录失败次数过多，请 {wait} 秒后再试。",
            f"Too many failed sign-ins; try again in {wait} s.",
            "too_many_sign_ins",
            retry_after=wait,
        )
    clerk = hall.clerk(username)
    # Check a password even for an unknown user, so timing does not tell which usernames exist.
    stored = clerk.password_hash if clerk else _DUMMY_HASH
    ok = await asyncio.to_thread(verify_password, password, stored)
    if clerk is None or not ok:
        await guard.failed(username, address)
        raise Unauthorized("用户名或密码错误。", "Wrong username or password.", "bad_credentials")
    await guard.succeeded(username)
    if (window is None) != (clerk.role in WINDOWLESS_ROLES):
        raise Forbidden(
            "窗口账号请在窗口登录。" if window is None else "此账号不在窗口登录（导办台、后台或值班长）。",
            "A window's account signs in at a window."
            if window is None
            else "This account signs in at no window (guide desk, back office or supervisor).",
            "wrong_window",
        )
    place = hall.window(window) if window is not None else None
    if place is not None and place.reserve:  # opened only by a back-office clerk accepting an alert
        raise Forbidden(
            f"{window} 号窗口是后台支援窗口，请在后台页面接受支援请求后开启。",
            f"Window {window} is a reserve window: it opens from the back office, when a clerk accepts an alert.",
            "wrong_window",
        )
    if window is not None and clerk.windows and window not in clerk.windows:
        allowed = ", ".join(str(n) for n in clerk.windows)
        raise Forbidden(
            f"{clerk.name} 只能在 {allowed} 号窗口登录。",
            f"{clerk.name} may sign in at windows {allowed} only.",
            "wrong_window",
        )
    if window is not None:
        on_rota(hall, clerk, window, now)
    token = secrets.token_urlsafe(32)
    session = {
        "username": clerk.username,
        "name": clerk.name,
        "window": window,
        "role": clerk.role,
        "signed_in_at": now.isoformat(),
    }
    await redis.set(keys.clerk_session(hall.id, token), json.dumps(session), ex=SESSION_SECONDS)
    return {
        "token": token,
        "expires_in": SESSION_SECONDS,
        "clerk": {"username": clerk.username, "name": clerk.name},
        "window": window,
        "role": clerk.role,
    }


def on_rota(hall: Hall, clerk: Clerk, window: int, now: datetime) -> None:
    """Where a rota is kept for the day, a clerk signs in only at a window of their posts that day (a change of
    plan is a hand edit of the rota, which the supervisor makes first); a day without one goes by the hall file."""
    duty = hall.duty.get(now.astimezone(hall.timezone).date())
    if duty is None or clerk.role != "clerk":
        return
    posts = duty.clerks.get(clerk.username, ())
    if window in posts:
        return
    name = clerk.display_name or clerk.name  # the person (an account's name may be its window's: 「1号窗口」)
    if posts:
        listed = "、".join(str(n) for n in posts)
        zh = (
            f"今天的排班表安排{name}（{clerk.username}）在 {listed} 号窗口，不在 {window} 号窗口。"
            "如需调整，请值班长先修改排班。"
        )
        en = (
            f"Today's rota has {name} ({clerk.username}) at window {', '.join(str(n) for n in posts)}, not {window}. "
            "A supervisor changes the rota first."
        )
    else:
        zh = f"今天的排班表上没有{name}（{clerk.username}）的岗位。如需上岗，请值班长先修改排班。"
        en = f"Today's rota has no post for {name} ({clerk.username}). A supervisor changes the rota first."
    raise Forbidden(zh, en, "not_on_rota")


async def sign_out(redis: Redis, hall: Hall, header: str | None) -> Principal:
    """End the token's session; answers who it was, so the window screen can stop naming them."""
    token = bearer_token(header)
    raw = await redis.getdel(keys.clerk_session(hall.id, token)) if len(token) <= 200 else None
    if raw is None:
        raise Unauthorized("令牌无效或已过期。", "The token is not valid or has expired.", "bad_token")
    return session_principal(json.loads(raw))


# A valid hash of a random password, compared against when the username is unknown.
_DUMMY_HASH = "scrypt$16384$8$1$bm90LWEtcmVhbC1zYWx0$" + "A" * 43
