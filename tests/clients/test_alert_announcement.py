"""What the hall hears when the tidal controller calls back-office staff (后台力量) to a reserve window: the alert
sentence, in Chinese and English, from the ``alert`` event the announcer follows, and as speech in a WAV file."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from display_client.announcer import announcement_for
from display_client.speaker import DEFAULT_VOICES, Speaker
from queue_server.core.announcement import alert_text, wav_name
from tests.clients.test_speech import assert_speech

NOW = datetime(2026, 11, 23, 12, 34, tzinfo=ZoneInfo("Asia/Shanghai"))
NAMES = {"zh": {"C": "不动产"}, "en": {"C": "real-estate registration"}}


def alert_event(at: datetime = NOW) -> dict[str, object]:
    return {"type": "alert", "event_id": "7-0", "at": at.isoformat(), "id": "a1", "window": 15, "service": "C"}


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("zh", "请后台工作人员到 15 号窗口支援不动产业务"),
        ("en", "Back-office staff, please open window 15 for real-estate registration"),
    ],
)
def test_the_alert_sentence(lang: str, words: str) -> None:
    assert alert_text(15, NAMES[lang]["C"], lang) == words
    announcement = announcement_for(alert_event(), None, lang, NOW, 300, NAMES[lang])
    assert announcement is not None
    assert (announcement.kind, announcement.window, announcement.text) == ("alert", 15, words)
    assert wav_name(announcement.at, announcement.number, announcement.window) == "20261123-123400_alertC_w15.wav"


def test_an_alert_from_long_ago_is_not_announced() -> None:
    assert announcement_for(alert_event(NOW - timedelta(minutes=10)), None, "zh", NOW, 300, NAMES["zh"]) is None


@pytest.mark.speech
def test_the_alert_is_spoken_in_mandarin(tmp_path: Path, artifacts: Path) -> None:
    announcement = announcement_for(alert_event(), None, "zh", NOW, 300, NAMES["zh"])
    assert announcement is not None
    wav = Speaker(DEFAULT_VOICES["zh"]).render(announcement.text, tmp_path / "alert.wav")
    assert_speech(wav, 2.5, 12)  # a longer sentence than a call
    shutil.copy(wav, artifacts / "announcement_zh_alert_w15.wav")
