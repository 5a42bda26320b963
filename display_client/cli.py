"""``display-client``: clients that follow a hall from outside the server.

``display-client announce --server URL --hall H`` is the voice announcer (语音叫号): it speaks every call of
the hall, and with ``--wav-dir`` writes each announcement as a WAV file (for a PA system, or a machine without
a sound card).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from display_client.announcer import Announcer, UnknownHall
from display_client.chime import ChimeError, load_chime
from display_client.speaker import DEFAULT_RATE, DEFAULT_VOICES, Speaker
from queue_server.core.announcement import LANGUAGES, TemplateError, check_template


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="display-client", description="tidequeue display clients.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    announce = commands.add_parser(
        "announce",
        help="speak every call of a hall (voice announcer)",
        description="Follow a hall's calls and speak each one: 请 A 0 2 3 号到 5 号窗口办理.",
    )
    announce.add_argument("--server", required=True, help="the ticket server, e.g. http://127.0.0.1:8000")
    announce.add_argument("--hall", required=True, help="the hall id, e.g. demo")
    announce.add_argument("--lang", choices=LANGUAGES, default="zh", help="announcement language (default zh)")
    announce.add_argument(
        "--template",
        help="the sentence, with {number} and {window}; default 请 {number} 号到 {window} 号窗口办理 "
        "(en: Number {number}, please go to window {window})",
    )
    announce.add_argument("--voice", help="espeak-ng voice (default sit/cmn-latn-pinyin; en: gmw/en)")
    announce.add_argument("--rate", type=int, default=DEFAULT_RATE, help=f"words per minute (default {DEFAULT_RATE})")
    announce.add_argument(
        "--wav-dir",
        type=Path,
        help="write each announcement as a WAV file here (e.g. 20261122-093000_A023_w5.wav) instead of playing it",
    )
    announce.add_argument("--play", action="store_true", help="with --wav-dir: play the announcements too")
    announce.add_argument(
        "--chime",
        default="default",
        metavar="default|none|FILE.wav",
        help="a chime before each announcement: the built-in ding-dong (default), none, or a 16-bit WAV file",
    )
    announce.add_argument("--state-file", type=Path, help="remember the last event here, so a restart does not repeat")
    announce.add_argument(
        "--max-age",
        type=float,
        default=300,
        help="seconds after which a call missed while offline is no longer announced (default 300; 0: always)",
    )
    return parser.parse_args(argv)


async def run_until_signalled(announcer: Announcer) -> None:
    task = asyncio.current_task()
    loop = asyncio.get_running_loop()
    if task is not None:
        loop.add_signal_handler(signal.SIGTERM, task.cancel)
    with contextlib.suppress(asyncio.CancelledError):
        await announcer.run()


def announce(args: argparse.Namespace) -> int:
    try:
        template = None if args.template is None else check_template(args.template)
    except TemplateError as error:
        print(f"display-client: {error}", file=sys.stderr)
        return 2
    try:
        chime = load_chime(args.chime)
    except ChimeError as error:
        print(f"display-client: {error}", file=sys.stderr)
        return 2
    speaker = Speaker(args.voice or DEFAULT_VOICES[args.lang], rate=args.rate, chime=chime)
    announcer = Announcer(
        args.server,
        args.hall,
        speaker,
        template=template,
        lang=args.lang,
        wav_dir=args.wav_dir,
        play=args.play or args.wav_dir is None,
        state_file=args.state_file,
        max_age=args.max_age,
    )
    where = f", writing WAV files to {args.wav_dir}" if args.wav_dir else ""
    logging.getLogger("tidequeue.announcer").info(
        "announcing hall %s from %s with voice %s%s", args.hall, args.server, speaker.voice, where
    )
    try:
        asyncio.run(run_until_signalled(announcer))
    except UnknownHall as error:
        print(f"display-client: {error}", file=sys.stderr)
        return 2
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.INFO, format="display-client: %(message)s", stream=sys.stderr)
    try:
        return announce(args)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
