"""``caller-pad``: the terminal caller pad (叫号器) for keyboard-only desks.

The token is the supervisors' or a clerk's, from ``QUEUE_TOKEN``, or the pad signs in with ``--user`` (password
asked on the terminal) and signs out when the clerk quits. Hall, window and token are checked before the screen
opens, so a wrong argument ends with one plain line and a non-zero exit instead of a broken screen.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import os
import signal
import sys
from collections.abc import Callable, Sequence

from caller_pad.client import ApiError, HallClient, Unreachable
from caller_pad.terminal import Pad, plain_words, run, unreachable_words


class Refused(Exception):
    """The pad cannot start; the message says why, in plain words."""


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="caller-pad",
        description="叫号器 Terminal caller pad: one key per action at one window. "
        "The token comes from QUEUE_TOKEN, or sign in with --user.",
    )
    parser.add_argument("--server", default="http://127.0.0.1:8000", help="ticket server (default %(default)s)")
    parser.add_argument("--hall", required=True, help="hall id, e.g. demo")
    parser.add_argument("--window", type=int, required=True, help="window number")
    parser.add_argument("--user", help="sign in as this clerk (password asked) instead of using QUEUE_TOKEN")
    return parser.parse_args(argv)


def _stop(signum: int, frame: object) -> None:
    # SIGTERM/SIGHUP become an ordinary exit, so the terminal is restored on the way out.
    raise SystemExit(128 + signum)


PASSWORD_TRIES = 3


def sign_in(client: HallClient, user: str, window: int, ask: Callable[[str], str] = getpass.getpass) -> str:
    """The clerk's token; a wrong password is said plainly and asked for again (a few times), anything else ends
    the sign-in with the server's reason."""
    for attempt in range(1, PASSWORD_TRIES + 1):
        password = ask(f"{user} 的密码 password: ")
        try:
            answer = client.sign_in(user, password, window)
        except ApiError as e:
            if e.code != "bad_credentials" or attempt == PASSWORD_TRIES:
                raise Refused(f"登录失败 Sign-in failed: {plain_words(e)}") from None
            print(f"{plain_words(e)}，请重新输入 — try again.", file=sys.stderr)
            continue
        token: str = answer["token"]
        return token
    raise AssertionError("unreachable")


def check(client: HallClient, window: int) -> None:
    """Hall, then window and token, each refused with the API's own answer."""
    try:
        client.snapshot()
        client.check_access(window)
    except ApiError as e:
        raise Refused(plain_words(e)) from None


def start(args: argparse.Namespace) -> int:
    client = HallClient(args.server, args.hall)
    signed_in = False
    try:
        if args.user:
            client.token = sign_in(client, args.user, args.window)
            signed_in = True
        else:
            client.token = os.environ.get("QUEUE_TOKEN")
            if not client.token:
                raise Refused("需要令牌 No token: set QUEUE_TOKEN, or sign in with --user USERNAME.")
        check(client, args.window)
        if not sys.stdin.isatty():
            raise Refused("需要终端 caller-pad reads single keys and needs a terminal on standard input.")
        run(Pad(client, args.window), sys.stdin.fileno(), sys.stdout)
    finally:
        if signed_in:
            # The session expires on its own; quitting must not fail for it.
            with contextlib.suppress(ApiError, Unreachable):
                client.sign_out()
    print(f"叫号器已退出 Caller pad closed (window {args.window}).")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGHUP, _stop)
    try:
        return start(args)
    except Refused as e:
        print(f"caller-pad: {e}", file=sys.stderr)
        return 1
    except Unreachable as e:
        print(f"caller-pad: {unreachable_words(args.server, e)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"\n叫号器已退出 Caller pad closed (window {args.window}).")
        return 130


if __name__ == "__main__":
    sys.exit(main())
