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
from display_client.chime import DING_HZ, peak_dbfs
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


def samples_of(path: Path) -> tuple[array[int], int]:
    with wave.open(str(path), "rb") as wav:
        samples = array("h")
        samples.frombytes(wav.readframes(wav.getnframes()))
        if sys.byteorder == "big":
            samples.byteswap()
        return samples, wav.getframerate()


def tone_share(path: Path, hz: float, start: float, seconds: float) -> float:
    """How much of the sound between ``start`` and ``start + seconds`` is a sine at ``hz``: near 1 for the tone
    alone, near 0 for speech (its power at that one frequency over its whole power; a one-bin DFT)."""
    samples, rate = samples_of(path)
    part = samples[int(start * rate) : int((start + seconds) * rate)]
    n = len(part)
    step = 2 * math.pi * hz / rate
    re = sum(x * math.cos(step * i) for i, x in enumerate(part))
    im = sum(x * math.sin(step * i) for i, x in enumerate(part))
    power = sum(x * x for x in part) / n
    return (2 * (re * re + im * im) / (n * n)) / power if power else 0.0


def assert_chime_first(path: Path, hz: float = DING_HZ) -> None:
    assert tone_share(path, hz, 0.02, 0.35) > 0.5, f"{path.name} does not start with the chime"


def assert_level(path: Path) -> float:
    """The peak is about -3 dBFS: loud, with headroom, never clipped."""
    peak = peak_dbfs(samples_of(path)[0])
    assert -4 <= peak <= -2, f"{path.name} peaks at {peak:.2f} dBFS"
    return peak


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


# The sound: a chime first, and a level that leaves the amplifier headroom.


def test_an_announcement_has_the_chime_first_and_peaks_near_minus_3_dbfs(tmp_path: Path, artifacts: Path) -> None:
    speaker = Speaker(DEFAULT_VOICES["zh"], chime="default")
    wav = speaker.render(announcement_text(None, "A023", 5, "zh"), tmp_path / "chimed.wav")
    assert_speech(wav, 2.5, 10)
    assert_level(wav)
    assert_chime_first(wav)
    shutil.copy(wav, artifacts / "announcement_zh_A023_w5_chime.wav")


def test_without_a_chime_the_speech_starts_at_once_and_is_not_clipped(mandarin: Speaker, tmp_path: Path) -> None:
    wav = mandarin.render(announcement_text(None, "A023", 5, "zh"), tmp_path / "plain.wav")
    assert_level(wav)
    assert tone_share(wav, DING_HZ, 0.02, 0.35) < 0.2
    chimed = Speaker(DEFAULT_VOICES["zh"], chime="default").render("请 A 0 2 3 号到 5 号窗口办理", tmp_path / "c.wav")
    assert wav_stats(chimed).seconds > wav_stats(wav).seconds + 1, "the chime comes before the speech, not over it"


def test_a_halls_own_chime_file_is_used_whatever_its_format(tmp_path: Path) -> None:
    """A stereo 44.1 kHz chime (what a sound editor writes) is mixed down and resampled to the voice's format."""
    own = tmp_path / "bell.wav"
    rate, hz = 44100, 1000.0
    tone = array("h")
    for i in range(int(rate * 0.6)):
        v = round(20000 * math.sin(2 * math.pi * hz * i / rate))
        tone.extend((v, v))
    with wave.open(str(own), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(tone.tobytes())
    wav = Speaker(DEFAULT_VOICES["en"], chime=own).render("Number A023", tmp_path / "own.wav")
    stats = wav_stats(wav)
    assert (stats.channels, stats.rate) == (1, 22050)
    assert_level(wav)
    assert_chime_first(wav, hz)
