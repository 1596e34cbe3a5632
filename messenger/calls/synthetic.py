"""Synthetic devices: a test tone and a moving test pattern, selectable like real ones.

They stand in for a microphone and a camera wherever there is none (CI, servers, this
machine), and they make calls measurable: the tone's frequency and the pattern's colours and
capture time can be checked on the receiving side (``messenger.calls.analysis``).
"""

from __future__ import annotations

import asyncio
import fractions
import math
import time
from typing import Literal

import av
import numpy as np
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from messenger.calls.pattern import PatternPainter

SAMPLE_RATE = 48000
AUDIO_PTIME = 0.020
AUDIO_SAMPLES = int(SAMPLE_RATE * AUDIO_PTIME)  # 960 per 20 ms frame
VIDEO_CLOCK = 90000


class _Pacer:
    """Releases frame ``n`` at ``start + n * interval``: real time, whatever the consumer does.

    A consumer that falls behind gets the late frames at once (as a capture device's buffer
    would hand them over), so the stream's clock never drifts.
    """

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.count = 0
        self._start: float | None = None

    async def next(self) -> int:
        now = time.monotonic()
        if self._start is None:
            self._start = now
        else:
            self.count += 1
            delay = self._start + self.count * self.interval - now
            if delay > 0:
                await asyncio.sleep(delay)
        return self.count


class ToneTrack(MediaStreamTrack):
    """A sine wave, s16 mono at 48 kHz in 20 ms frames."""

    kind = "audio"

    def __init__(self, hz: float, amplitude: float = 0.3) -> None:
        super().__init__()
        self.hz = hz
        self._amplitude = amplitude * 32767
        self._pacer = _Pacer(AUDIO_PTIME)
        self._time_base = fractions.Fraction(1, SAMPLE_RATE)

    async def recv(self) -> av.AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        n = await self._pacer.next()
        start = n * AUDIO_SAMPLES
        t = (start + np.arange(AUDIO_SAMPLES)) / SAMPLE_RATE
        samples = (self._amplitude * np.sin(2 * math.pi * self.hz * t)).astype(np.int16)
        frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = SAMPLE_RATE
        frame.pts = start
        frame.time_base = self._time_base
        return frame


class PatternTrack(MediaStreamTrack):
    """The test pattern (``messenger.calls.pattern``) as yuv420p frames at ``fps``."""

    kind = "video"

    def __init__(self, width: int, height: int, fps: float) -> None:
        super().__init__()
        self._painter = PatternPainter(width, height)
        self._fps = fps
        self._pacer = _Pacer(1 / fps)
        self._time_base = fractions.Fraction(1, VIDEO_CLOCK)

    async def recv(self) -> av.VideoFrame:
        if self.readyState != "live":
            raise MediaStreamError
        n = await self._pacer.next()
        image = self._painter.paint(n / self._fps, int(time.time() * 1000))
        frame = av.VideoFrame.from_ndarray(image, format="yuv420p")
        frame.pts = int(n * VIDEO_CLOCK / self._fps)
        frame.time_base = self._time_base
        return frame


class ToneSource:
    """A test tone in place of a microphone."""

    kind: Literal["audio", "video"] = "audio"

    def __init__(self, hz: float = 440.0, *, label: str = "Test tone") -> None:
        if not 20 <= hz <= SAMPLE_RATE / 2:
            raise ValueError(f"tone frequency {hz:g} Hz is outside 20 Hz..24 kHz")
        self.hz = hz
        self.label = label
        self._track: ToneTrack | None = None

    def track(self) -> MediaStreamTrack:
        if self._track is None:
            self._track = ToneTrack(self.hz)
        return self._track

    def close(self) -> None:
        if self._track is not None:
            self._track.stop()


class PatternSource:
    """A moving test pattern in place of a camera."""

    kind: Literal["audio", "video"] = "video"

    def __init__(
        self, width: int = 640, height: int = 480, fps: float = 30, *, label: str = "Test pattern"
    ) -> None:
        if not 1 <= fps <= 60:
            raise ValueError(f"frame rate {fps:g} is outside 1..60")
        PatternPainter(width, height)  # validates the size now, not at the first frame
        self.width, self.height, self.fps = width, height, fps
        self.label = label
        self._track: PatternTrack | None = None

    def track(self) -> MediaStreamTrack:
        if self._track is None:
            self._track = PatternTrack(self.width, self.height, self.fps)
        return self._track

    def close(self) -> None:
        if self._track is not None:
            self._track.stop()


class SyntheticDevices:
    """A ``DeviceProvider`` of synthetic devices only (CLI, tests, benches, no hardware)."""

    def __init__(
        self, *, hz: float = 440.0, width: int = 640, height: int = 480, fps: float = 30
    ) -> None:
        ToneSource(hz)  # validate now
        PatternSource(width, height, fps)
        self.hz, self.width, self.height, self.fps = hz, width, height, fps

    def audio_source(self) -> ToneSource:
        return ToneSource(self.hz)

    def video_source(self) -> PatternSource:
        return PatternSource(self.width, self.height, self.fps)
