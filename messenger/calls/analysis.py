"""Measuring what a call delivered: the tone's frequency, the pattern's colours, its latency.

Used by the CLI's report, the tests (a 440 Hz tone must arrive as 440 Hz, the bars in their
colours) and the bench (glass-to-glass latency from the capture time in the picture).
"""

from __future__ import annotations

import time
from collections import deque

import av
import numpy as np
import numpy.typing as npt

from messenger.calls.pattern import BARS, TIME_MODULO, bar_colours, read_time_code

AUDIO_RATE = 48000


def mono_s16(frame: av.AudioFrame) -> npt.NDArray[np.int16]:
    """The frame's samples as one channel of int16 (interleaved channels averaged)."""
    data = frame.to_ndarray()
    channels = len(frame.layout.channels)
    if frame.format.is_planar:
        mixed = data.reshape(channels, -1).mean(axis=0)
    else:
        mixed = data.reshape(-1, channels).mean(axis=1)
    result: npt.NDArray[np.int16] = mixed.astype(np.int16)
    return result


def dominant_frequency(samples: npt.NDArray[np.int16], rate: int = AUDIO_RATE) -> float | None:
    """The strongest frequency in ``samples`` (Hz), or None for silence or too little sound."""
    if len(samples) < rate // 10:
        return None
    signal = samples.astype(np.float64)
    signal -= signal.mean()
    if np.sqrt(np.mean(signal**2)) < 30:  # about -60 dBFS: nothing but codec noise
        return None
    spectrum = np.abs(np.fft.rfft(signal * np.hanning(len(signal))))
    peak = int(np.argmax(spectrum[1:])) + 1
    # Parabolic interpolation between the neighbouring bins: sub-bin accuracy.
    if 1 <= peak < len(spectrum) - 1:
        a, b, c = spectrum[peak - 1], spectrum[peak], spectrum[peak + 1]
        denominator = a - 2 * b + c
        if denominator:
            peak_f = peak + 0.5 * (a - c) / denominator
            return float(peak_f * rate / len(signal))
    return float(peak * rate / len(signal))


def colours_match(colours: list[tuple[int, int, int]], tolerance: int = 50) -> bool:
    """Whether each bar came through within ``tolerance`` per channel of its true colour."""
    return len(colours) == len(BARS) and all(
        abs(a - b) <= tolerance
        for got, want in zip(colours, BARS, strict=True)
        for a, b in zip(got, want, strict=True)
    )


def latency_ms(code: int, now_ms: int | None = None) -> float:
    """Milliseconds from the capture time ``code`` (from the picture) to ``now_ms``."""
    now = int(time.time() * 1000) if now_ms is None else now_ms
    return float((now - code) % TIME_MODULO)


class AudioRecorder:
    """A sink that keeps the last ``seconds`` of received audio, mixed to mono."""

    def __init__(self, seconds: float = 2.0) -> None:
        self.frames = 0
        self._chunks: deque[npt.NDArray[np.int16]] = deque()
        self._kept = 0
        self._limit = int(seconds * AUDIO_RATE)

    def on_frame(self, frame: av.AudioFrame | av.VideoFrame) -> None:
        if not isinstance(frame, av.AudioFrame):
            return
        self.frames += 1
        samples = mono_s16(frame)
        if frame.sample_rate != AUDIO_RATE:
            return  # counted, but a frequency measurement needs one known rate
        self._chunks.append(samples)
        self._kept += len(samples)
        while self._kept - len(self._chunks[0]) >= self._limit:
            self._kept -= len(self._chunks.popleft())

    def samples(self) -> npt.NDArray[np.int16]:
        if not self._chunks:
            return np.zeros(0, dtype=np.int16)
        return np.concatenate(list(self._chunks))[-self._limit :]

    def dominant_hz(self) -> float | None:
        return dominant_frequency(self.samples())


class VideoProbe:
    """A sink that counts received frames and reads the test pattern in them.

    Reading the colours converts a frame to RGB, so it does that for every ``every``-th
    frame only; the capture time is read from each frame's luma, which costs little.
    """

    def __init__(self, every: int = 15) -> None:
        self.frames = 0
        self.width = 0
        self.height = 0
        self.first_at: float | None = None
        self.last_at: float | None = None
        self.colours: list[tuple[int, int, int]] | None = None
        self.latencies: list[float] = []
        self._every = every

    def on_frame(self, frame: av.AudioFrame | av.VideoFrame) -> None:
        if not isinstance(frame, av.VideoFrame):
            return
        now = time.monotonic()
        self.first_at = self.first_at or now
        self.last_at = now
        self.frames += 1
        self.width, self.height = frame.width, frame.height
        luma = np.asarray(frame.to_ndarray(format="gray"), dtype=np.uint8)
        code = read_time_code(luma)
        if code is not None:
            self.latencies.append(latency_ms(code))
        if self.frames % self._every == 1:
            rgb = np.asarray(frame.to_ndarray(format="rgb24"), dtype=np.uint8)
            self.colours = bar_colours(rgb)

    @property
    def fps(self) -> float:
        if self.first_at is None or self.last_at is None or self.frames < 2:
            return 0.0
        span = self.last_at - self.first_at
        return (self.frames - 1) / span if span > 0 else 0.0

    def colours_ok(self) -> bool:
        return self.colours is not None and colours_match(self.colours)
