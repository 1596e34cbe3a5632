"""Generate the app's sounds: a soft two-note chime for messages and a ring for calls.

Synthesised from sine partials with smooth envelopes (no clicks), so the sounds
are ours to ship and can be regenerated exactly: ``python make_sounds.py``.
Only the standard library is used.
"""

from __future__ import annotations

import math
import struct
import wave
from collections.abc import Iterable
from pathlib import Path

RATE = 22_050  # plenty for tones below 3 kHz, and keeps each file small
HERE = Path(__file__).resolve().parent

# (relative frequency, relative amplitude): a bell-like timbre, mostly the fundamental.
PARTIALS = ((1.0, 1.0), (2.0, 0.28), (3.01, 0.09), (4.2, 0.04))


def note(
    freq: float, start: float, length: float, decay: float, gain: float
) -> list[tuple[int, float]]:
    """One struck note: sample index -> value, a 6 ms attack then an exponential decay."""
    attack = 0.006
    first = int(start * RATE)
    out = []
    for i in range(int(length * RATE)):
        t = i / RATE
        envelope = min(1.0, t / attack) * math.exp(-t / decay)
        # A short fade at the very end so the note never stops on a non-zero sample.
        envelope *= min(1.0, (length - t) / 0.01)
        value = sum(a * math.sin(2 * math.pi * freq * f * t) for f, a in PARTIALS)
        out.append((first + i, gain * envelope * value))
    return out


def render(notes: Iterable[list[tuple[int, float]]], seconds: float) -> list[float]:
    samples = [0.0] * int(seconds * RATE)
    for n in notes:
        for index, value in n:
            if index < len(samples):
                samples[index] += value
    peak = max(abs(s) for s in samples) or 1.0
    return [0.7 * s / peak for s in samples]  # leave headroom: these play over other audio


def write(path: Path, samples: list[float]) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(b"".join(struct.pack("<h", round(s * 32767)) for s in samples))


def message() -> list[float]:
    """A rising major sixth, E5 then C#6: short, gentle, and clear on laptop speakers."""
    return render(
        [
            note(659.25, 0.0, 0.45, 0.12, 1.0),  # E5
            note(1108.73, 0.09, 0.5, 0.16, 0.8),  # C#6
        ],
        0.6,
    )


def ring() -> list[float]:
    """Two quick three-note arpeggios then a rest: loops seamlessly for an incoming call."""
    notes = []
    for burst in (0.0, 0.42):
        for k, freq in enumerate((587.33, 739.99, 880.0)):  # D5, F#5, A5: a D major chord
            notes.append(note(freq, burst + k * 0.07, 0.3, 0.11, 0.9))
    return render(notes, 1.2)


def main() -> None:
    write(HERE / "message.wav", message())
    write(HERE / "ring.wav", ring())


if __name__ == "__main__":
    main()
