"""What the call media is made of, checked without a network: the test signals, their
read-back after a real VP8 round trip, the echo canceller and the outgoing tracks."""

from __future__ import annotations

import fractions
import math
from typing import Literal

import av
import numpy as np
import pytest
from aiortc.codecs.vpx import Vp8Decoder, Vp8Encoder, VpxPayloadDescriptor
from aiortc.jitterbuffer import JitterFrame
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from messenger.calls.analysis import AudioRecorder, colours_match, dominant_frequency
from messenger.calls.echo import EchoCanceller
from messenger.calls.pattern import (
    BARS,
    PatternPainter,
    bar_colours,
    decode_time_code,
    read_time_code,
    time_code,
)
from messenger.calls.synthetic import PatternSource, ToneSource
from messenger.calls.tracks import LocalAudioTrack, LocalVideoTrack

RATE = 48000


def sine(hz: float, seconds: float, amplitude: float = 0.3) -> np.ndarray:
    t = np.arange(int(RATE * seconds)) / RATE
    return (amplitude * 32767 * np.sin(2 * math.pi * hz * t)).astype(np.int16)


def vp8_round_trip(images: list[np.ndarray]) -> list[av.VideoFrame]:
    encoder, decoder = Vp8Encoder(), Vp8Decoder()
    decoded: list[av.VideoFrame] = []
    for n, image in enumerate(images):
        frame = av.VideoFrame.from_ndarray(image, format="yuv420p")
        frame.pts, frame.time_base = n * 3000, fractions.Fraction(1, 90000)
        payloads, timestamp = encoder.encode(frame)
        data = b"".join(VpxPayloadDescriptor.parse(p)[1] for p in payloads)
        decoded += decoder.decode(JitterFrame(data=data, timestamp=timestamp))  # type: ignore[arg-type]
    return decoded


def test_the_pattern_survives_vp8_with_its_colours_and_capture_times() -> None:
    """What the bench and the tests read back is what was painted, after a real codec."""
    painter = PatternPainter(640, 480)
    times = [1_700_000_000_000 + n * 33 for n in range(20)]
    frames = vp8_round_trip([painter.paint(n / 30, ms) for n, ms in enumerate(times)])
    assert len(frames) == 20
    read = [read_time_code(np.asarray(f.to_ndarray(format="gray"), np.uint8)) for f in frames]
    assert read == [ms % (1 << 24) for ms in times]
    colours = bar_colours(np.asarray(frames[-1].to_ndarray(format="rgb24"), np.uint8))
    assert colours_match(colours), colours


def test_a_damaged_time_code_is_rejected_not_misread() -> None:
    code = time_code(123_456)
    assert decode_time_code(code) == 123_456
    assert decode_time_code(code ^ (1 << 20)) is None
    assert decode_time_code(code ^ 1) is None


def test_wrong_colours_do_not_match() -> None:
    assert not colours_match([(128, 128, 128)] * len(BARS))
    assert not colours_match(list(BARS)[:-1])


def test_pattern_sizes_are_validated() -> None:
    with pytest.raises(ValueError):
        PatternSource(641, 480)
    with pytest.raises(ValueError):
        PatternSource(fps=0)
    with pytest.raises(ValueError):
        ToneSource(5)


def test_dominant_frequency_finds_the_tone_and_not_silence() -> None:
    found = dominant_frequency(sine(440, 1.0))
    assert found is not None and abs(found - 440) < 1
    assert dominant_frequency(np.zeros(RATE, dtype=np.int16)) is None
    assert dominant_frequency(sine(440, 0.01)) is None  # too short to tell


def test_the_echo_canceller_removes_the_far_end_and_keeps_the_near_talker() -> None:
    """Near = our voice (a 440 Hz tone) + the speaker's sound (noise) coming back 30 ms
    late and quieter: after a few seconds the echo is gone and our tone remains."""
    canceller = EchoCanceller.create()
    assert canceller is not None
    rng = np.random.default_rng(7)
    far = (rng.standard_normal(RATE * 6) * 3000).astype(np.int16)
    delay = int(0.03 * RATE)
    echo = np.concatenate([np.zeros(delay), far[:-delay] * 0.5])
    voice = sine(440, 6, amplitude=0.1).astype(np.float64)
    cleaned = []
    for start in range(0, len(far), 960):
        canceller.feed_far(far[start : start + 960])
        near = (echo[start : start + 960] + voice[start : start + 960]).astype(np.int16)
        cleaned.append(canceller.process(near))
    tail = np.concatenate(cleaned)[-RATE:].astype(np.float64)
    before = echo[-RATE:] + voice[-RATE:]
    spectrum_before = np.abs(np.fft.rfft(before))
    spectrum_after = np.abs(np.fft.rfft(tail))
    bin_440 = 440
    # The echo (broadband) drops by far more than the tone does.
    noise_drop = np.median(spectrum_after) / np.median(spectrum_before)
    tone_kept = spectrum_after[bin_440 - 2 : bin_440 + 3].max() / spectrum_before[bin_440]
    assert noise_drop < 0.2
    assert tone_kept > 0.3
    found = dominant_frequency(np.concatenate(cleaned)[-RATE:])
    assert found is not None and abs(found - 440) < 5


class _Frames(MediaStreamTrack):
    """A source track that hands out prepared frames, then ends."""

    def __init__(self, kind: str, frames: list[av.AudioFrame | av.VideoFrame]) -> None:
        super().__init__()
        self.kind = kind
        self._frames = frames

    async def recv(self) -> av.AudioFrame | av.VideoFrame:
        if not self._frames:
            raise MediaStreamError
        return self._frames.pop(0)


class _Source:
    def __init__(self, track: _Frames, label: str = "test") -> None:
        self.kind: Literal["audio", "video"] = "audio" if track.kind == "audio" else "video"
        self.label = label
        self._track = track
        self.closed = False

    def track(self) -> MediaStreamTrack:
        return self._track

    def close(self) -> None:
        self.closed = True


def _stereo_44k(hz: float, count: int) -> list[av.AudioFrame]:
    """``count`` 20 ms frames of a continuous ``hz`` tone, stereo at 44.1 kHz."""
    t = np.arange(882 * count) / 44100
    mono = (0.3 * 32767 * np.sin(2 * math.pi * hz * t)).astype(np.int16)
    frames = []
    for n in range(count):
        chunk = mono[n * 882 : (n + 1) * 882]
        frame = av.AudioFrame.from_ndarray(
            np.repeat(chunk, 2).reshape(1, -1), format="s16", layout="stereo"
        )
        frame.sample_rate = 44100
        frames.append(frame)
    return frames


async def test_the_outgoing_audio_is_mono_48k_whatever_the_device_gives() -> None:
    """A stereo 44.1 kHz microphone still goes out as mono s16 at 48 kHz, on one clock."""
    track = LocalAudioTrack(_Source(_Frames("audio", list(_stereo_44k(440, 50)))), None)
    recorder = AudioRecorder()
    pts: list[int] = []
    for _ in range(40):
        frame = await track.recv()
        assert (frame.format.name, frame.layout.name, frame.sample_rate) == ("s16", "mono", RATE)
        pts.append(int(frame.pts or 0))
        recorder.on_frame(frame)
    assert pts == sorted(pts) and len(set(pts)) == len(pts)
    found = recorder.dominant_hz()
    assert found is not None and abs(found - 440) < 10


async def test_muting_sends_silence_and_an_unplugged_microphone_does_not_end_the_track() -> None:
    one = av.AudioFrame.from_ndarray(sine(440, 0.02).reshape(1, -1), format="s16", layout="mono")
    one.sample_rate = RATE
    track = LocalAudioTrack(_Source(_Frames("audio", [one])), None)
    track.muted = True
    frame = await track.recv()
    assert not frame.to_ndarray().any()
    # The source has ended (device unplugged): the call keeps sending silence.
    frame = await track.recv()
    assert frame.samples == 960 and not frame.to_ndarray().any()
    replacement = ToneSource(1000)
    old = track.replace(replacement)
    assert isinstance(old, _Source)
    track.muted = False
    frame = await track.recv()
    assert frame.to_ndarray().any()
    replacement.close()


async def test_switching_cameras_keeps_the_video_clock_running() -> None:
    """Timestamps keep rising across a device switch, and the self view sees every frame."""
    first, second = PatternSource(64, 48), PatternSource(128, 96)
    track = LocalVideoTrack(first)
    seen: list[tuple[int, int]] = []

    class SelfView:
        def on_frame(self, frame: av.AudioFrame | av.VideoFrame) -> None:
            assert isinstance(frame, av.VideoFrame)
            seen.append((frame.width, frame.height))

    track.self_view = SelfView()
    pts = [int((await track.recv()).pts or 0) for _ in range(3)]
    assert track.replace(second) is first
    pts += [int((await track.recv()).pts or 0) for _ in range(3)]
    assert pts == sorted(pts) and len(set(pts)) == 6
    assert seen == [(64, 48)] * 3 + [(128, 96)] * 3
    track.stop()
    first.close()
    second.close()
