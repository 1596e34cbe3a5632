"""Received media out to the person: remote video frames to a ``VideoWidget``, remote audio
to a speaker. The one module where frames cross from aiortc into Qt.

Both sinks are the call engine's ``FrameSink``s: ``on_frame`` is called on the event loop for
every decoded frame and must return quickly, so video conversion runs in a worker thread
(``LatestOnly``) and audio is written to the speaker's buffer without waiting.
"""

from __future__ import annotations

import logging

import av
from PySide6.QtCore import QIODevice
from PySide6.QtGui import QImage
from PySide6.QtMultimedia import QAudioDevice, QAudioFormat, QAudioSink

from messenger.ui.media.devices import device_key
from messenger.ui.media.latest import LatestOnly
from messenger.ui.media.video_widget import VideoWidget

log = logging.getLogger(__name__)

# Packed sample formats: Qt's name for them, FFmpeg's name for them.
SAMPLE_FORMATS = {
    QAudioFormat.SampleFormat.UInt8: "u8",
    QAudioFormat.SampleFormat.Int16: "s16",
    QAudioFormat.SampleFormat.Int32: "s32",
    QAudioFormat.SampleFormat.Float: "flt",
}
# Enough buffer to ride out a busy moment of the UI thread, short enough not to be heard
# as delay; a frame that does not fit is dropped rather than queued behind the others.
SPEAKER_BUFFER_SECONDS = 0.2


def layout_name(channels: int) -> str:
    """FFmpeg's name for a channel layout of ``channels`` channels."""
    return {1: "mono", 2: "stereo"}.get(channels, f"{channels}c")


def fit(width: int, height: int, box_width: int, box_height: int) -> tuple[int, int]:
    """The largest even size of ``width`` x ``height``'s aspect inside the box."""
    if width <= 0 or height <= 0 or box_width <= 0 or box_height <= 0:
        return 0, 0
    scale = min(box_width / width, box_height / height)
    # Even sizes: the scaler works in 2x2 chroma blocks and smears a lone last column.
    return max(2, int(width * scale) & ~1), max(2, int(height * scale) & ~1)


def to_image(frame: av.VideoFrame, box: tuple[int, int]) -> QImage | None:
    """``frame`` as a QImage fitted into ``box`` (device pixels); runs in the worker thread."""
    width, height = fit(frame.width, frame.height, *box)
    if not width:
        return None
    rgb = frame.reformat(width=width, height=height, format="bgra", interpolation="BILINEAR")
    plane = rgb.planes[0]
    # Format_RGB32 is 0xffRRGGBB in native order: B, G, R, A bytes on little-endian machines.
    image = QImage(memoryview(plane), width, height, plane.line_size, QImage.Format.Format_RGB32)
    return image.copy()  # own the pixels: the plane's memory goes with the frame


class VideoFrameSink:
    """Shows the frames it is given in a ``VideoWidget``, at the size the widget has."""

    def __init__(self, widget: VideoWidget) -> None:
        self._widget = widget
        self._worker: LatestOnly[tuple[av.VideoFrame, tuple[int, int]], QImage] = LatestOnly(
            lambda job: to_image(*job), widget.set_image, name="video-out"
        )

    def on_frame(self, frame: av.AudioFrame | av.VideoFrame) -> None:
        if isinstance(frame, av.VideoFrame):
            self._worker.submit((frame, self._widget.frame_box()))

    def close(self) -> None:
        self._worker.close()


class SpeakerSink:
    """Plays received audio on one output device, in Qt's push mode."""

    def __init__(self, device: QAudioDevice) -> None:
        self.label = device.description()
        self.device_key = device_key(device)
        fmt = QAudioFormat()
        fmt.setSampleRate(48000)
        fmt.setChannelCount(2)
        fmt.setSampleFormat(QAudioFormat.SampleFormat.Int16)
        if not device.isFormatSupported(fmt):
            fmt = device.preferredFormat()
        self._resampler = av.AudioResampler(
            format=SAMPLE_FORMATS.get(fmt.sampleFormat(), "s16"),
            layout=layout_name(fmt.channelCount()),
            rate=fmt.sampleRate(),
        )
        self._frame_bytes = fmt.bytesPerFrame()
        self._sink = QAudioSink(device, fmt)
        self._sink.setBufferSize(fmt.bytesForDuration(int(SPEAKER_BUFFER_SECONDS * 1e6)))
        self._io: QIODevice | None = self._sink.start()
        self.dropped = 0  # frames that found the buffer full: the speaker falls behind

    def on_frame(self, frame: av.AudioFrame | av.VideoFrame) -> None:
        if not isinstance(frame, av.AudioFrame) or self._io is None:
            return
        for out in self._resampler.resample(frame):
            data = bytes(out.planes[0])[: out.samples * self._frame_bytes]
            if self._sink.bytesFree() < len(data):
                self.dropped += 1
                continue
            self._io.write(data)

    def close(self) -> None:
        self._io = None
        self._sink.stop()
        if self.dropped:
            log.info("the speaker fell behind: %d audio frames were dropped", self.dropped)
