"""What the announcer says (叫号广播词) and what it names the WAV file: pure functions of the call.

Ticket numbers are read digit by digit, the way halls call them: espeak-ng's Mandarin voice reads "A023" as
"A 零 二十三" and "A 0 2 3" as "A 零 二 三". Its English voices read a lone "A" as the article ("uh"), so there
the letter is joined to the first digit ("A0 2 3" is "ay zero two three"). Window numbers stay whole numbers
("13 号窗口" is "十三号窗口").
"""

from __future__ import annotations

import string
from datetime import datetime

LANGUAGES = ("zh", "en")
TEMPLATES = {
    "zh": "请 {number} 号到 {window} 号窗口办理",
    "en": "Number {number}, please go to window {window}",
}
PLACEHOLDERS = frozenset({"number", "window"})


class TemplateError(ValueError):
    """An announcement template that cannot be filled in: an unknown placeholder or a stray brace."""


def check_template(template: str) -> str:
    """The template itself if it is usable, else a TemplateError naming the fault."""
    try:
        fields = list(string.Formatter().parse(template))
    except ValueError as error:
        raise TemplateError(f"bad template {template!r}: {error} (write a literal brace as {{{{ or }}}})") from None
    names = set()
    for _, name, spec, conversion in fields:
        if name is None:
            continue
        if name not in PLACEHOLDERS or spec or conversion:
            raise TemplateError(f"bad template {template!r}: use only {{number}} and {{window}}, not {{{name}}}")
        names.add(name)
    if "number" not in names:
        raise TemplateError(f"bad template {template!r}: it must say the {{number}}")
    return template


def spoken_number(number: str, lang: str) -> str:
    """The ticket number written so that espeak-ng reads it digit by digit."""
    prefix = number.rstrip(string.digits)
    digits = " ".join(number[len(prefix) :])
    if not prefix:
        return digits
    if lang == "en":
        return f"{prefix}{digits}"
    return f"{' '.join(prefix)} {digits}".strip()


def announcement_text(template: str | None, number: str, window: int, lang: str) -> str:
    """The sentence to speak for a call of ``number`` to ``window``; ``template=None`` takes the language's."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}: use one of {', '.join(LANGUAGES)}")
    chosen = check_template(TEMPLATES[lang] if template is None else template)
    return chosen.format(number=spoken_number(number, lang), window=window)


def tidal_text(window: int, service_name: str, opened: bool, lang: str) -> str:
    """What the hall hears when a tidal window (潮汐窗口) takes on a category, or goes back to its own."""
    if lang == "en":
        return (
            f"Window {window} now serves {service_name}" if opened else f"Window {window} is back to its usual services"
        )
    return f"{window} 号窗口现办理{service_name}业务" if opened else f"{window} 号窗口恢复原业务"


def alert_text(window: int, service_name: str, lang: str) -> str:
    """What the hall hears when the tidal controller calls back-office staff (后台力量) to open a reserve window for a
    congested category (an ``alert`` event)."""
    if lang == "en":
        return f"Back-office staff, please open window {window} for {service_name}"
    return f"请后台工作人员到 {window} 号窗口支援{service_name}业务"


def wav_name(at: datetime, number: str, window: int, recalls: int = 0) -> str:
    """``20261122-093000_A023_w5.wav`` for a call; a recall adds ``_r1``, ``_r2`` … so it keeps its own file."""
    safe_number = "".join(c for c in number if c.isalnum()) or "ticket"
    recall = f"_r{recalls}" if recalls else ""
    return f"{at:%Y%m%d-%H%M%S}_{safe_number}_w{window}{recall}.wav"
