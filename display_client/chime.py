"""The sound around an announcement: a chime before it (提示音) and a level that does not clip.

espeak-ng writes speech that peaks at 0.999 of full scale, which cheap hall amplifiers turn into distortion.
:func:`finish_announcement` scales the speech to :data:`TARGET_PEAK_DBFS` and puts the chime in front, in the same
WAV file, so a PA system that plays the files gets both. The default chime is made here (a two-tone "ding-dong"
of sines with a soft attack and decay), so nothing is downloaded; ``--chime FILE.wav`` uses a hall's own sound.

Only the standard library: 16-bit PCM through ``wave`` and ``array``.
"""

from __future__ import annotations

import math
import sys
import wave
from array import array
from pathlib import Path

TARGET_PEAK_DBFS = -3.0  # headroom for the amplifier, still loud enough to carry across a hall
CHIME_PEAK_DBFS = -6.0  # the chime announces the voice; it must not be louder than it
FULL_SCALE = 32767
# Ding-dong: E5 then C5, a major third down, as hall chimes commonly are.
DING_HZ, DONG_HZ = 659.25, 523.25
DING_S, DONG_S = 0.45, 0.7
GAP_S = 0.25  # silence between the chime and the voice


class ChimeError(Exception):
    """A chime file that cannot be used (not a 16-bit PCM WAV)."""


def _read(path: Path) -> tuple[array[int], int, int]:
    """(samples, channels, frame rate) of a 16-bit PCM WAV file."""
    with wave.open(str(path), "rb") as wav:
        if wav.getsampwidth() != 2:
            raise ChimeError(f"{path}: only 16-bit PCM WAV files are supported")
        samples = array("h")
        samples.frombytes(wav.readframes(wav.getnframes()))
        channels, rate = wav.getnchannels(), wav.getframerate()
    if sys.byteorder == "big":
        samples.byteswap()  # WAV is little-endian
    return samples, channels, rate


def _write(path: Path, samples: array[int], rate: int) -> None:
    out = array("h", samples)
    if sys.byteorder == "big":
        out.byteswap()
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(out.tobytes())


def peak_dbfs(samples: array[int]) -> float:
    """The loudest sample, in dB below full scale (-inf for silence)."""
    peak = max((abs(s) for s in samples), default=0)
    return 20 * math.log10(peak / FULL_SCALE) if peak else -math.inf


def scaled(samples: array[int], to_dbfs: float) -> array[int]:
    """``samples`` made louder or quieter so that the peak is ``to_dbfs``; silence stays silence."""
    peak = max((abs(s) for s in samples), default=0)
    if peak == 0:
        return array("h", samples)
    factor = FULL_SCALE * 10 ** (to_dbfs / 20) / peak
    return array("h", (max(-FULL_SCALE, min(FULL_SCALE, round(s * factor))) for s in samples))


def default_chime(rate: int) -> array[int]:
    """Two sine tones, each with a 10 ms attack and an exponential decay, so neither clicks nor rings on."""
    out: list[float] = []
    for hz, seconds in ((DING_HZ, DING_S), (DONG_HZ, DONG_S)):
        count = int(rate * seconds)
        attack = int(rate * 0.01)
        for i in range(count):
            envelope = min(1.0, i / attack) * math.exp(-4.0 * i / count)
            # a little of the octave above makes it a bell rather than a test tone
            t = i / rate
            out.append(envelope * (0.8 * math.sin(2 * math.pi * hz * t) + 0.2 * math.sin(4 * math.pi * hz * t)))
    return scaled(array("h", (round(v * FULL_SCALE) for v in out)), CHIME_PEAK_DBFS)


def _mono_at(samples: array[int], channels: int, rate: int, wanted: int) -> array[int]:
    """Mixed down to one channel and resampled (linearly: a chime needs no better) to ``wanted`` Hz."""
    mono = (
        samples
        if channels == 1
        else array("h", (sum(samples[i : i + channels]) // channels for i in range(0, len(samples), channels)))
    )
    if rate == wanted or not mono:
        return array("h", mono)
    count = int(len(mono) * wanted / rate)
    out = array("h")
    for i in range(count):
        x = i * rate / wanted
        j = int(x)
        k = min(j + 1, len(mono) - 1)
        out.append(round(mono[j] + (mono[k] - mono[j]) * (x - j)))
    return out


def load_chime(choice: str) -> Path | str | None:
    """What ``--chime`` asks for: ``"default"``, ``None`` for ``none``, or a WAV file (checked now, so a bad file
    is reported at start-up rather than at the first call)."""
    if choice == "none":
        return None
    if choice == "default":
        return "default"
    path = Path(choice)
    try:
        _read(path)
    except (OSError, EOFError, wave.Error) as error:
        raise ChimeError(f"cannot read the chime {path}: {error}") from None
    return path


def finish_announcement(path: Path, chime: Path | str | None) -> None:
    """Rewrite the speech WAV at ``path``: mono 16-bit, peak at :data:`TARGET_PEAK_DBFS`, the chime in front."""
    samples, channels, rate = _read(path)
    speech = scaled(_mono_at(samples, channels, rate, rate), TARGET_PEAK_DBFS)
    if chime is None:
        _write(path, speech, rate)
        return
    if chime == "default":
        sound = default_chime(rate)
    else:
        raw, chime_channels, chime_rate = _read(Path(chime))
        sound = scaled(_mono_at(raw, chime_channels, chime_rate, rate), CHIME_PEAK_DBFS)
    _write(path, sound + array("h", bytes(2 * int(rate * GAP_S))) + speech, rate)
