"""The announcement text (pure) and the speech it becomes: real WAV files from pyttsx3 on espeak-ng."""

from __future__ import annotations

import math
import shutil
import sys
import wave
from array import array
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from display_client.announcer import announcement_for, hall_templates
from display_client.speaker import DEFAULT_VOICES, Speaker, SpeechError
from queue_server.core.announcement import TemplateError, announcement_text, spoken_number, wav_name
from tests.server_process import ServerProcess

pytestmark = [pytest.mark.speech]

SHANGHAI = ZoneInfo("Asia/Shanghai")


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


@pytest.mark.parametrize(
    ("template", "number", "window", "lang", "text"),
    [
        (None, "A023", 5, "zh", "请 A 0 2 3 号到 5 号窗口办理"),
        (None, "B100", 14, "zh", "请 B 1 0 0 号到 14 号窗口办理"),
        (None, "A023", 5, "en", "Number A0 2 3, please go to window 5"),
        (None, "G001", 13, "en", "Number G0 0 1, please go to window 13"),
        ("请{number}号到{window}号窗口", "C007", 3, "zh", "请C 0 0 7号到3号窗口"),
        ("{number} 号，请到 {window} 号窗口", "E010", 12, "zh", "E 0 1 0 号，请到 12 号窗口"),
        ("Ticket {number} to counter {window}", "A023", 5, "en", "Ticket A0 2 3 to counter 5"),
        ("{{绿色通道}} 请 {number} 号到 {window} 号窗口", "A001", 1, "zh", "{绿色通道} 请 A 0 0 1 号到 1 号窗口"),
        ("{number}, {number}", "F002", 2, "zh", "F 0 0 2, F 0 0 2"),
    ],
)
def test_announcement_text(template: str | None, number: str, window: int, lang: str, text: str) -> None:
    assert announcement_text(template, number, window, lang) == text


@pytest.mark.parametrize(
    ("number", "lang", "spoken"),
    [
        ("A023", "zh", "A 0 2 3"),  # not "A023", which the Mandarin voice reads as "A 零 二十三"
        ("A023", "en", "A0 2 3"),  # not "A 0 2 3", where the English voice says the article "uh"
        ("1234", "zh", "1 2 3 4"),
        ("1234", "en", "1 2 3 4"),
        ("AB12", "zh", "A B 1 2"),
    ],
)
def test_numbers_are_read_digit_by_digit(number: str, lang: str, spoken: str) -> None:
    assert spoken_number(number, lang) == spoken


@pytest.mark.parametrize(
    ("template", "fault"),
    [
        ("请 {name} 号到 {window} 号窗口", "{name}"),
        ("请 {number:>5} 号", "{number}"),
        ("请 {number!r} 号", "{number}"),
        ("请 {number 号", "brace"),
        ("请到 {window} 号窗口", "must say the {number}"),
        ("", "must say the {number}"),
        ("{0} {number}", "{0}"),
    ],
)
def test_a_bad_template_is_refused_with_its_fault(template: str, fault: str) -> None:
    with pytest.raises(TemplateError, match="bad template") as refused:
        announcement_text(template, "A023", 5, "zh")
    assert fault in str(refused.value)


def test_an_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        announcement_text(None, "A023", 5, "fr")


@pytest.mark.parametrize(
    ("at", "number", "window", "recalls", "name"),
    [
        (datetime(2026, 11, 22, 9, 30, 0, tzinfo=SHANGHAI), "A023", 5, 0, "20261122-093000_A023_w5.wav"),
        (datetime(2026, 11, 22, 9, 30, 0, tzinfo=SHANGHAI), "A023", 5, 1, "20261122-093000_A023_w5_r1.wav"),
        (datetime(2026, 11, 22, 23, 59, 59, 999000, tzinfo=SHANGHAI), "B100", 14, 3, "20261122-235959_B100_w14_r3.wav"),
        (datetime(2026, 1, 2, 3, 4, 5, tzinfo=SHANGHAI), "../A1", 1, 0, "20260102-030405_A1_w1.wav"),
    ],
)
def test_wav_file_names(at: datetime, number: str, window: int, recalls: int, name: str) -> None:
    assert wav_name(at, number, window, recalls) == name


# The speech: real WAV files.


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


def test_the_hall_config_sets_the_wording(live_server: ServerProcess) -> None:
    """Without --template the announcer speaks the hall's own wording, read from the server."""
    assert hall_templates(live_server.url, "demo") == {
        "zh": "请 {number} 号到 {window} 号窗口办理",
        "en": "Number {number}, please go to window {window}",
    }
    assert hall_templates(live_server.url, "allday") == {}
    assert hall_templates(live_server.url.replace("http", "ws"), "demo")["zh"].startswith("请")
    assert hall_templates("http://127.0.0.1:1", "demo") == {}  # nobody there: the default wording is kept


@pytest.mark.parametrize(
    ("event", "lang", "text"),
    [
        ({"type": "tidal_opened", "window": 13, "service": "C"}, "zh", "13 号窗口现办理不动产业务"),
        ({"type": "tidal_closed", "window": 13, "service": "C"}, "zh", "13 号窗口恢复原业务"),
        ({"type": "tidal_opened", "window": 13, "service": "C"}, "en", "Window 13 now serves Real estate"),
        (
            {"type": "tidal_opened", "window": 14, "service": "Q"},
            "zh",
            "14 号窗口现办理Q业务",
        ),  # name unknown: its code
    ],
)
def test_a_tidal_switch_is_announced(event: dict[str, Any], lang: str, text: str) -> None:
    now = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)
    names = {"C": "不动产"} if lang == "zh" else {"C": "Real estate"}
    announcement = announcement_for({**event, "event_id": "1-0", "at": now.isoformat()}, None, lang, now, 300, names)
    assert announcement is not None
    assert announcement.text == text
    assert announcement.number == f"tidal{event['service']}"
