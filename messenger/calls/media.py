"""The media interfaces the UI implements: where a call's sound and pictures come from and go.

The engine never opens a device itself. The desktop app implements these with Qt Multimedia
(``messenger/ui/media``); the CLI, the tests and machines without hardware use the synthetic
sources in ``messenger.calls.synthetic``. Frames are PyAV frames, the currency of aiortc:
audio as s16 at 48 kHz (any layout; the engine mixes down to mono), video in any pixel format
the encoder can convert.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    import av
    from aiortc.mediastreams import MediaStreamTrack


class MediaSource(Protocol):
    """One capture device (or a synthetic one) for one call.

    ``track()`` returns the same live aiortc track each time; the engine reads it from the
    event loop, so ``recv()`` must pace itself (one frame per frame interval) and never
    block the loop. ``close()`` stops the track and releases the device.
    """

    kind: Literal["audio", "video"]
    label: str  # shown in device pickers

    def track(self) -> MediaStreamTrack: ...
    def close(self) -> None: ...


class FrameSink(Protocol):
    """Where received (or self-view) frames go. Called on the event loop: return quickly."""

    def on_frame(self, frame: av.AudioFrame | av.VideoFrame) -> None: ...


class DeviceProvider(Protocol):
    """Hands the engine a fresh source per call, from the devices the user chose.

    The engine closes every source it was given when it no longer needs it.
    """

    def audio_source(self) -> MediaSource: ...
    def video_source(self) -> MediaSource: ...
