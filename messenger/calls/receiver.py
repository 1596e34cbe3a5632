"""Received media: one task per remote track pumps decoded frames to the attached sinks.

It also keeps what the stats and the watchdog need and aiortc does not report: frames
received, the last time anything arrived, the remote video's size and frame rate, and when
the first frame of each kind arrived (call setup time).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable
from typing import Literal

import av
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from messenger.calls.analysis import mono_s16
from messenger.calls.echo import EchoCanceller
from messenger.calls.media import FrameSink

log = logging.getLogger(__name__)

Kind = Literal["audio", "video"]
FPS_WINDOW = 2.0  # seconds of frame times the frame rate is averaged over


class KindCounters:
    def __init__(self) -> None:
        self.frames = 0
        self.first_at: float | None = None
        self.last_at: float | None = None
        self.width = 0
        self.height = 0
        self._times: deque[float] = deque()

    def count(self, now: float) -> None:
        self.frames += 1
        if self.first_at is None:
            self.first_at = now
        self.last_at = now
        self._times.append(now)
        while self._times and self._times[0] < now - FPS_WINDOW:
            self._times.popleft()

    def fps(self, now: float) -> float:
        """Frames per second over the last couple of seconds (0 when nothing arrives)."""
        recent = [t for t in self._times if t >= now - FPS_WINDOW]
        if len(recent) < 2:
            return 0.0
        return (len(recent) - 1) / max(now - recent[0], recent[-1] - recent[0], 1e-6)


class RemoteMedia:
    """The receiving half of a call."""

    def __init__(self, canceller: EchoCanceller | None) -> None:
        self.sinks: dict[Kind, FrameSink | None] = {"audio": None, "video": None}
        self.counters: dict[Kind, KindCounters] = {"audio": KindCounters(), "video": KindCounters()}
        self.on_first_frame: Callable[[Kind], None] | None = None
        self._canceller = canceller
        self._tasks: dict[str, asyncio.Task[None]] = {}

    def add(self, track: MediaStreamTrack) -> None:
        """Pump ``track`` (from the peer connection's ``track`` event) until it ends."""
        if track.id in self._tasks or track.kind not in ("audio", "video"):
            return
        kind: Kind = "audio" if track.kind == "audio" else "video"
        self._tasks[track.id] = asyncio.create_task(
            self._pump(track, kind), name=f"call-remote-{kind}"
        )

    async def _pump(self, track: MediaStreamTrack, kind: Kind) -> None:
        counters = self.counters[kind]
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            if not isinstance(frame, av.AudioFrame | av.VideoFrame):
                continue
            first = counters.first_at is None
            counters.count(time.monotonic())
            if isinstance(frame, av.VideoFrame):
                counters.width, counters.height = frame.width, frame.height
            elif self._canceller is not None:
                # What the speaker plays now is what the microphone may hear next.
                self._canceller.feed_far(mono_s16(frame))
            sink = self.sinks[kind]
            if sink is not None:
                try:
                    sink.on_frame(frame)
                except Exception:
                    log.exception("%s sink failed; the call goes on", kind)
            if first and self.on_first_frame is not None:
                self.on_first_frame(kind)

    def last_frame_at(self) -> float | None:
        times = [c.last_at for c in self.counters.values() if c.last_at is not None]
        return max(times) if times else None

    async def stop(self) -> None:
        tasks = list(self._tasks.values())
        self._tasks.clear()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
