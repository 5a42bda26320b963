"""The speech an announcement becomes: real WAV files from pyttsx3 on espeak-ng, and the hall's own wording."""

from __future__ import annotations

import math
import shutil
import sys
import wave
from array import array
from dataclasses import dataclass
from pathlib import Path

import pytest

from display_client.announcer import hall_templates
from display_client.speaker import DEFAULT_VOICES, Speaker, SpeechError
from queue_server.core.announcement import announcement_text
from tests.server_process import ServerProcess

pytestmark = [pytest.mark.speech]


@dataclass(frozen=True)
class WavStats:
    channels: int
    sample_bits: int
    rate: int
    seconds: float
    rms: float  # on the 16-bit scale: 0 is silence, speech from espeak-ng is in the thousands


def wav_stats(path: Path) -> WavStats:
    """Format, length and loudness of a WAV file, read with the standard library."""
    with wave.open(str(path), "rb") as wav:
        samples = array("h")
        samples.frombytes(wav.readframes(wav.getnframes()))
        if sys.byteorder == "big":
            samples.byteswap()
        rms = math.sqrt(sum(s * s for s in samples) / len(samples)) if samples else 0.0
        return WavStats(
            wav.getnchannels(), 8 * wav.getsampwidth(), wav.getframerate(), wav.getnframes() / wav.getframerate(), rms
        )


def assert_speech(path: Path, shortest: float, longest: float) -> WavStats:
    stats = wav_stats(path)
    assert (stats.channels, stats.sample_bits, stats.rate) == (1, 16, 22050), stats
    assert shortest <= stats.seconds <= longest, stats
    assert stats.rms > 1000, f"{path.name} is (nearly) silent: {stats}"
    return stats


# The text: what a visitor hears.


@pytest.fixture(scope="module")
def mandarin() -> Speaker:
    return Speaker(DEFAULT_VOICES["zh"])


def test_the_default_announcement_is_a_few_seconds_of_mandarin(
    mandarin: Speaker, tmp_path: Path, artifacts: Path
) -> None:
    wav = mandarin.render(announcement_text(None, "A023", 5, "zh"), tmp_path / "A023.wav")
    stats = assert_speech(wav, 1.5, 8)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["A023.wav"]  # no half-written leftovers
    shutil.copy(wav, artifacts / "announcement_zh_A023_w5.wav")
    print(f"zh: {stats}")


def test_a_longer_text_gives_a_longer_announcement(mandarin: Speaker, tmp_path: Path) -> None:
    short = wav_stats(mandarin.render(announcement_text(None, "A023", 5, "zh"), tmp_path / "short.wav"))
    twice = "{number}，{number}，请 {number} 号到 {window} 号窗口办理"
    long = assert_speech(mandarin.render(announcement_text(twice, "A023", 5, "zh"), tmp_path / "long.wav"), 3, 12)
    assert long.seconds > short.seconds + 1.5, (short, long)


def test_english_announcement(tmp_path: Path, artifacts: Path) -> None:
    english = Speaker(DEFAULT_VOICES["en"])
    wav = english.render(announcement_text(None, "A023", 5, "en"), tmp_path / "A023-en.wav")
    assert_speech(wav, 1.5, 8)
    shutil.copy(wav, artifacts / "announcement_en_A023_w5.wav")


def test_each_speaker_keeps_its_own_voice_on_the_shared_engine(mandarin: Speaker, tmp_path: Path) -> None:
    """pyttsx3 has one engine per process: an English announcement in between must not change the Mandarin.

    espeak-ng's output varies by a few samples from run to run, so the voices are told apart by length: the
    English voice spells the Chinese characters out and takes far longer over the same text."""
    text = announcement_text(None, "A023", 5, "zh")
    first = wav_stats(mandarin.render(text, tmp_path / "first.wav"))
    english = wav_stats(Speaker(DEFAULT_VOICES["en"]).render(text, tmp_path / "english.wav"))
    again = wav_stats(mandarin.render(text, tmp_path / "again.wav"))
    assert abs(again.seconds - first.seconds) < 0.1, (first, again)
    assert english.seconds > first.seconds + 1, (first, english)


def test_an_unknown_voice_is_an_error_not_a_silent_fallback(tmp_path: Path) -> None:
    speaker = Speaker("no-such-voice")
    with pytest.raises(SpeechError, match="no voice 'no-such-voice'") as failed:
        speaker.render("请 A 0 2 3 号到 5 号窗口办理", tmp_path / "x.wav")
    assert failed.value.kind == "voice"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.process
def test_the_hall_config_sets_the_wording(live_server: ServerProcess) -> None:
    """Without --template the announcer speaks the hall's own wording, read from the server."""
    assert hall_templates(live_server.url, "demo") == {
        "zh": "请 {number} 号到 {window} 号窗口办理",
        "en": "Number {number}, please go to window {window}",
    }
    assert hall_templates(live_server.url, "allday") == {}
    assert hall_templates(live_server.url.replace("http", "ws"), "demo")["zh"].startswith("请")
    assert hall_templates("http://127.0.0.1:1", "demo") == {}  # nobody there: the default wording is kept
