"""Speech: pyttsx3 on espeak-ng writes each announcement as a WAV file, and an audio player plays it.

pyttsx3 2.99 keeps one espeak-ng per process, so a Speaker must be used from one thread only (the announcer gives
it a dedicated worker thread). Measured quirks it works around: ``runAndWait`` can return before espeak-ng (which
synthesises on a thread of its own) has written the file, so it waits for pyttsx3's "finished-utterance"; a rate
queued with ``setProperty`` is sometimes cancelled by pyttsx3 itself (about one first announcement in ten came
out at 200 words a minute), so the rate goes straight to espeak-ng; and an unknown voice is kept silently, so the
voice is checked after every file. Playback goes through ``aplay`` (or ``paplay``, or sox's ``play``) rather than
pyttsx3's ``say``, which hides a missing player or sound card. Every file is then brought to a peak of -3 dBFS
(espeak-ng's own peaks at 0.999, close to clipping) with the chime, if any, in front (:mod:`display_client.chime`).
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import Any

from display_client.chime import ChimeError, finish_announcement

DEFAULT_VOICES = {"zh": "sit/cmn-latn-pinyin", "en": "gmw/en"}
DEFAULT_RATE = 160  # words per minute; espeak-ng's 175 is a little quick for a hall's loudspeakers
PLAYERS = (("aplay", "-q"), ("paplay",), ("play", "-q"))
PLAY_TIMEOUT = 120
SYNTH_TIMEOUT = 60


class SpeechError(Exception):
    """Speech failed. ``kind`` groups failures that have one cause (``engine``, ``voice``, ``write``,
    ``playback``), so the announcer reports each cause once, not once per announcement."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def _start_engine() -> tuple[Any, Any]:
    """pyttsx3's engine and its binding of libespeak-ng (for what pyttsx3 itself does unreliably)."""
    try:
        import pyttsx3  # type: ignore[import-untyped]
        from pyttsx3.drivers import _espeak  # type: ignore[import-untyped]

        return pyttsx3.init("espeak"), _espeak
    except Exception as error:  # pyttsx3 raises whatever loading libespeak-ng raised
        raise SpeechError(
            "engine",
            f"cannot start speech (pyttsx3 on espeak-ng): {error}. Install the Debian packages espeak-ng and "
            "libespeak-ng1.",
        ) from None


def find_player() -> list[str] | None:
    for name, *options in PLAYERS:
        executable = shutil.which(name)
        if executable:
            return [executable, *options]
    return None


class Speaker:
    """One voice of espeak-ng through pyttsx3. Not thread-safe: call it from one thread."""

    def __init__(self, voice: str, rate: int = DEFAULT_RATE, chime: Path | str | None = None) -> None:
        """``chime``: "default" for the built-in ding-dong, a WAV file, or None for speech alone."""
        self.voice = voice
        self.rate = rate
        self.chime = chime
        self._engine: Any = None
        self._espeak: Any = None
        self._voice_id: str | None = None
        self._errors: list[BaseException] = []
        self._finished = threading.Event()
        self._completed = False

    def engine(self) -> Any:
        if self._engine is None:
            engine, self._espeak = _start_engine()
            engine.connect("error", self._on_error)
            engine.connect("finished-utterance", self._on_finished)
            self._engine = engine
        return self._engine

    def _on_error(self, name: object = None, exception: BaseException | None = None, **_: object) -> None:
        if exception is not None:
            self._errors.append(exception)

    def _on_finished(self, completed: bool = True, **_: object) -> None:
        self._completed = completed
        self._finished.set()

    def voice_id(self) -> str:
        """The espeak-ng identifier of the configured voice, matched by identifier, file name or voice name."""
        if self._voice_id is None:
            wanted = self.voice.lower()
            voices = self.engine().getProperty("voices")
            for voice in voices:
                if wanted in (voice.id, voice.id.rpartition("/")[2], voice.name.lower()):
                    self._voice_id = str(voice.id)
                    break
            else:
                raise SpeechError(
                    "voice",
                    f"espeak-ng has no voice {self.voice!r} ({len(voices)} voices installed; `espeak-ng --voices` "
                    "lists them). Use sit/cmn-latn-pinyin for Mandarin or gmw/en for English.",
                )
        return self._voice_id

    def check(self) -> str:
        """Start the engine and find the voice now, so a missing one is reported before the first call."""
        return self.voice_id()

    def render(self, text: str, path: Path) -> Path:
        """Write ``text`` spoken by the voice to the WAV file ``path``; it appears complete or not at all."""
        voice_id = self.voice_id()
        engine = self.engine()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise SpeechError("write", f"cannot write announcements to {path.parent}: {error}") from None
        part = path.with_name(f".{path.name}.part")
        part.unlink(missing_ok=True)
        self._errors.clear()
        self._finished.clear()
        # pyttsx3 cancels whatever espeak-ng still has queued when its run loop ends, which can drop a queued
        # rate change (and cut the new text short), so the queue is drained first and the rate set directly.
        self._espeak.Synchronize()
        engine.setProperty("voice", voice_id)  # espeak-ng changes voices at once, not through its queue
        self._espeak.SetParameter(self._espeak.RATE, self.rate, 0)
        self._espeak.Synchronize()
        engine.save_to_file(text, str(part))
        with contextlib.redirect_stdout(io.StringIO()):  # pyttsx3 prints "Audio saved to …"
            engine.runAndWait()
            # espeak-ng synthesises on its own thread and runAndWait may return before the file is written.
            finished = self._finished.wait(SYNTH_TIMEOUT)
        if not finished or not self._completed:
            part.unlink(missing_ok=True)
            how = "was cut off" if finished else f"did not finish within {SYNTH_TIMEOUT} s"
            raise SpeechError("engine", f"espeak-ng {how} speaking {text!r}")
        if self._errors:
            part.unlink(missing_ok=True)
            raise SpeechError("engine", f"espeak-ng failed: {self._errors[0]}")
        actual = engine.getProperty("voice")
        if actual != voice_id:
            part.unlink(missing_ok=True)
            raise SpeechError("voice", f"espeak-ng did not switch to voice {voice_id!r} (it speaks with {actual!r})")
        if not part.is_file() or part.stat().st_size <= 44:  # 44 bytes: a WAV header with no sound
            part.unlink(missing_ok=True)
            raise SpeechError("write", f"espeak-ng wrote no sound for {text!r} to {path}")
        try:
            finish_announcement(part, self.chime)
        except (ChimeError, OSError, EOFError, ValueError) as error:
            part.unlink(missing_ok=True)
            raise SpeechError("write", f"cannot add the chime or set the level of {path.name}: {error}") from None
        os.replace(part, path)
        return path

    def play(self, path: Path) -> None:
        """Play a WAV file to the end on the default sound device."""
        command = find_player()
        if command is None:
            raise SpeechError(
                "playback",
                "no audio player found (aplay, paplay or play): install alsa-utils, or write files with --wav-dir",
            )
        player = Path(command[0]).name
        try:
            done = subprocess.run(
                [*command, str(path)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
                timeout=PLAY_TIMEOUT,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise SpeechError("playback", f"{player} could not play the announcement: {error}") from None
        if done.returncode != 0:
            reason = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
            raise SpeechError("playback", f"{player} could not play the announcement: {reason}")

    def speak(self, text: str) -> None:
        """Say ``text`` aloud through a temporary WAV file."""
        with tempfile.TemporaryDirectory(prefix="tidequeue-speech-") as folder:
            self.play(self.render(text, Path(folder) / "announcement.wav"))
