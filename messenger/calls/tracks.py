"""The tracks a call sends: a device's frames, restamped, processed and switchable mid-call.

The peer connection holds these wrappers, never a device's own track, so switching devices
is a swap inside the wrapper (no renegotiation, no gap in the RTP clock), mute sends
silence (the other side keeps receiving packets and knows the call is alive), and the
microphone's sound passes through the echo canceller on its way out.
"""

from __future__ import annotations

import asyncio
import fractions
import time

import av
import numpy as np
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from messenger.calls.echo import EchoCanceller
from messenger.calls.media import FrameSink, MediaSource

RATE = 48000
SILENCE_SAMPLES = 960  # 20 ms
VIDEO_CLOCK = 90000


class LocalAudioTrack(MediaStreamTrack):
    """Mono s16 at 48 kHz from the current source, through the canceller, or silence."""

    kind = "audio"

    def __init__(self, source: MediaSource, canceller: EchoCanceller | None) -> None:
        super().__init__()
        self.source = source
        self.muted = False
        self.canceller = canceller  # None: sent as captured
        self._resampler: av.AudioResampler | None = None
        self._pts = 0
        self._time_base = fractions.Fraction(1, RATE)
        self._silence_due: float | None = None

    def replace(self, source: MediaSource) -> MediaSource:
        """Read from ``source`` from now on; returns the previous source (for closing)."""
        old, self.source = self.source, source
        self._resampler = None
        return old

    async def _next_samples(self) -> np.ndarray:
        source = self.source
        try:
            frame = await source.track().recv()
        except MediaStreamError:
            if source is not self.source:
                return np.zeros(0, dtype=np.int16)  # switched while waiting: read the new one
            # The device went away (unplugged); send paced silence until it is replaced,
            # rather than ending the call.
            return await self._silence()
        self._silence_due = None
        if not isinstance(frame, av.AudioFrame):
            raise MediaStreamError(f"{source.label} produced {type(frame).__name__}, not audio")
        if frame.format.name != "s16" or frame.layout.name != "mono" or frame.sample_rate != RATE:
            if self._resampler is None:
                self._resampler = av.AudioResampler(format="s16", layout="mono", rate=RATE)
            chunks = [f.to_ndarray().reshape(-1) for f in self._resampler.resample(frame)]
            return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)
        return frame.to_ndarray().reshape(-1)

    async def _silence(self) -> np.ndarray:
        now = time.monotonic()
        due = self._silence_due if self._silence_due is not None else now
        if due > now:
            await asyncio.sleep(due - now)
        self._silence_due = max(due, now) + SILENCE_SAMPLES / RATE
        return np.zeros(SILENCE_SAMPLES, dtype=np.int16)

    async def recv(self) -> av.AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        samples = np.zeros(0, dtype=np.int16)
        while not len(samples):
            samples = await self._next_samples()
            if self.canceller is not None:
                samples = self.canceller.process(samples.astype(np.int16, copy=False))
        if self.muted:
            samples = np.zeros_like(samples)
        frame = av.AudioFrame.from_ndarray(
            samples.astype(np.int16, copy=False).reshape(1, -1), format="s16", layout="mono"
        )
        frame.sample_rate = RATE
        frame.pts = self._pts
        frame.time_base = self._time_base
        self._pts += len(samples)
        return frame


class LocalVideoTrack(MediaStreamTrack):
    """Frames from the current camera, restamped on one clock, shown in the self view too."""

    kind = "video"

    def __init__(self, source: MediaSource) -> None:
        super().__init__()
        self.source = source
        self.self_view: FrameSink | None = None
        self._start = time.monotonic()
        self._time_base = fractions.Fraction(1, VIDEO_CLOCK)
        self._last_pts = -1
        self._replaced = asyncio.Event()

    def replace(self, source: MediaSource) -> MediaSource:
        old, self.source = self.source, source
        self._replaced.set()
        return old

    async def recv(self) -> av.VideoFrame:
        while True:
            if self.readyState != "live":
                raise MediaStreamError
            source = self.source
            try:
                frame = await source.track().recv()
            except MediaStreamError:
                if source is self.source:
                    # The camera went away: send nothing until another one is chosen.
                    self._replaced.clear()
                    await self._replaced.wait()
                continue
            if isinstance(frame, av.VideoFrame):
                break
        pts = int((time.monotonic() - self._start) * VIDEO_CLOCK)
        frame.pts = max(pts, self._last_pts + 1)
        frame.time_base = self._time_base
        self._last_pts = frame.pts
        if self.self_view is not None:
            self.self_view.on_frame(frame)
        return frame

    def stop(self) -> None:
        self._replaced.set()  # wake a recv() waiting for a camera, so it can end
        super().stop()
