"""A camera and a microphone as the call engine's media sources: the one module where frames
cross from Qt Multimedia into aiortc.

The camera runs through ``QCamera`` + ``QMediaCaptureSession`` + ``QVideoSink``; each frame is
converted to an ``av.VideoFrame`` in a worker thread (``LatestOnly``: a slow machine sends fewer
frames, never late ones). The microphone is a ``QAudioSource`` read as it fills, cut into the
20 ms ``av.AudioFrame``s (s16, 48 kHz, mono) that the Opus encoder takes.
"""

from __future__ import annotations

import asyncio
import fractions
import logging
import time
from typing import Literal

import av
import numpy as np
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from PySide6.QtCore import QIODevice
from PySide6.QtGui import QImage
from PySide6.QtMultimedia import (
    QAudioDevice,
    QAudioFormat,
    QAudioSource,
    QCamera,
    QCameraDevice,
    QCameraFormat,
    QMediaCaptureSession,
    QVideoFrame,
    QVideoSink,
)

from messenger.ui.media.devices import device_key
from messenger.ui.media.latest import LatestOnly
from messenger.ui.media.playback import SAMPLE_FORMATS, layout_name

log = logging.getLogger(__name__)

SAMPLE_RATE = 48000
AUDIO_FRAME_SAMPLES = 960  # 20 ms: what Opus encodes per packet
VIDEO_CLOCK = 90000  # RTP's clock for video
# A camera format near this is picked: sharp enough for a call window, cheap to encode.
WANTED_SIZE = (1280, 720)
MIN_FPS = 24
# Frames waiting for the encoder: a few absorb jitter; more would only add delay.
AUDIO_QUEUE = 5
VIDEO_QUEUE = 2


class FeedTrack(MediaStreamTrack):
    """An aiortc track fed from Qt: frames pushed on the loop, taken by the encoder."""

    def __init__(self, kind: Literal["audio", "video"], depth: int) -> None:
        super().__init__()
        self.kind = kind
        self._frames: asyncio.Queue[av.AudioFrame | av.VideoFrame] = asyncio.Queue(depth)

    def push(self, frame: av.AudioFrame | av.VideoFrame) -> None:
        if self.readyState != "live":
            return
        if self._frames.full():
            self._frames.get_nowait()  # the oldest goes: the newest is what matters live
        self._frames.put_nowait(frame)

    async def recv(self) -> av.AudioFrame | av.VideoFrame:
        if self.readyState != "live":
            raise MediaStreamError
        return await self._frames.get()


def choose_format(device: QCameraDevice) -> QCameraFormat | None:
    """The camera format nearest ``WANTED_SIZE`` at a fluid frame rate."""
    formats = device.videoFormats()
    fluid = [f for f in formats if f.maxFrameRate() >= MIN_FPS] or formats
    if not fluid:
        return None
    wanted = WANTED_SIZE[0] * WANTED_SIZE[1]

    def distance(f: QCameraFormat) -> tuple[int, float]:
        size = f.resolution()
        return abs(size.width() * size.height() - wanted), -f.maxFrameRate()

    return min(fluid, key=distance)


def video_frame(image: QImage, pts: int) -> av.VideoFrame | None:
    """A QImage as an ``av.VideoFrame`` (bgra) stamped ``pts`` in RTP's 90 kHz clock."""
    if image.isNull():
        return None
    if image.format() not in (QImage.Format.Format_RGB32, QImage.Format.Format_ARGB32):
        image = image.convertToFormat(QImage.Format.Format_RGB32)
    width, height, stride = image.width(), image.height(), image.bytesPerLine()
    rows = np.frombuffer(image.constBits(), np.uint8, count=stride * height).reshape(height, stride)
    pixels = np.ascontiguousarray(rows[:, : width * 4]).reshape(height, width, 4)
    frame = av.VideoFrame.from_ndarray(pixels, format="bgra")
    frame.pts = pts
    frame.time_base = fractions.Fraction(1, VIDEO_CLOCK)
    return frame


class CameraSource:
    """A camera as a video ``MediaSource``."""

    kind: Literal["audio", "video"] = "video"

    def __init__(self, device: QCameraDevice) -> None:
        self.label = device.description()
        self.device_key = device_key(device)
        self._track = FeedTrack("video", VIDEO_QUEUE)
        self._started = time.monotonic()
        self._worker: LatestOnly[tuple[QVideoFrame, int], av.VideoFrame] = LatestOnly(
            lambda job: video_frame(job[0].toImage(), job[1]), self._track.push, name="camera"
        )
        self._camera = QCamera(device)
        chosen = choose_format(device)
        if chosen is not None:
            self._camera.setCameraFormat(chosen)
        self._camera.errorOccurred.connect(self._on_error)
        self._sink = QVideoSink()
        self._sink.videoFrameChanged.connect(self.on_video_frame)
        self._session = QMediaCaptureSession()
        self._session.setCamera(self._camera)
        self._session.setVideoSink(self._sink)
        self._camera.start()

    def track(self) -> MediaStreamTrack:
        return self._track

    def on_video_frame(self, frame: QVideoFrame) -> None:
        """A captured frame (from the sink; tests hand frames in here directly)."""
        pts = int((time.monotonic() - self._started) * VIDEO_CLOCK)
        self._worker.submit((frame, pts))

    def close(self) -> None:
        self._sink.videoFrameChanged.disconnect(self.on_video_frame)
        self._camera.stop()
        self._worker.close()
        self._track.stop()

    def _on_error(self, _error: QCamera.Error, text: str) -> None:
        log.warning("camera %s: %s", self.label, text)


class AudioCutter:
    """Captured bytes in a device's format, converted and cut into the encoder's 20 ms frames."""

    def __init__(self, fmt: QAudioFormat) -> None:
        self._format = fmt
        self._sample_format = SAMPLE_FORMATS.get(fmt.sampleFormat(), "s16")
        self._layout = layout_name(fmt.channelCount())
        self._resampler = av.AudioResampler(
            format="s16", layout="mono", rate=SAMPLE_RATE, frame_size=AUDIO_FRAME_SAMPLES
        )
        self._samples = 0  # cut so far: the next frame's pts

    def cut(self, data: bytes) -> list[av.AudioFrame]:
        fmt = self._format
        whole = len(data) - len(data) % fmt.bytesPerFrame()
        if whole <= 0:
            return []
        dtype = {"u8": np.uint8, "s16": np.int16, "s32": np.int32, "flt": np.float32}
        samples = np.frombuffer(data[:whole], dtype[self._sample_format]).reshape(1, -1)
        captured = av.AudioFrame.from_ndarray(
            samples, format=self._sample_format, layout=self._layout
        )
        captured.sample_rate = fmt.sampleRate()
        frames = self._resampler.resample(captured)
        for frame in frames:
            frame.pts = self._samples
            frame.time_base = fractions.Fraction(1, SAMPLE_RATE)
            self._samples += frame.samples
        return frames


class MicrophoneSource:
    """A microphone as an audio ``MediaSource``: 20 ms frames of s16 mono at 48 kHz."""

    kind: Literal["audio", "video"] = "audio"

    def __init__(self, device: QAudioDevice) -> None:
        self.label = device.description()
        self.device_key = device_key(device)
        self._track = FeedTrack("audio", AUDIO_QUEUE)
        fmt = QAudioFormat()
        fmt.setSampleRate(SAMPLE_RATE)
        fmt.setChannelCount(1)
        fmt.setSampleFormat(QAudioFormat.SampleFormat.Int16)
        if not device.isFormatSupported(fmt):
            fmt = device.preferredFormat()
        self._cutter = AudioCutter(fmt)
        self._source = QAudioSource(device, fmt)
        self._source.setBufferSize(fmt.bytesForDuration(100_000))
        self._io: QIODevice | None = self._source.start()
        if self._io is not None:
            self._io.readyRead.connect(self._read)

    def track(self) -> MediaStreamTrack:
        return self._track

    def close(self) -> None:
        if self._io is not None:
            self._io.readyRead.disconnect(self._read)
            self._io = None
        self._source.stop()
        self._track.stop()

    def _read(self) -> None:
        if self._io is not None:
            for frame in self._cutter.cut(bytes(self._io.readAll().data())):
                self._track.push(frame)
