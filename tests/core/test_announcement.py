"""The announcement text, pure: wording, numbers read digit by digit, templates, WAV file names, tidal switches."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from display_client.announcer import announcement_for
from queue_server.core.announcement import TemplateError, announcement_text, spoken_number, wav_name

SHANGHAI = ZoneInfo("Asia/Shanghai")


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
