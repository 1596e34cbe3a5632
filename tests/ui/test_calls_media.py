"""Call media in the app: frames drawn by the video widget, conversions both ways between Qt
and PyAV, the devices offered, and the synthetic devices used where there is no hardware."""

from __future__ import annotations

import math
from fractions import Fraction

import av
import numpy as np
import pytest
from PySide6.QtGui import QColor, QImage, QPixmap
from PySide6.QtMultimedia import QAudioFormat
from pytestqt.qtbot import QtBot

from messenger.account.preferences import Preferences
from messenger.calls.analysis import dominant_frequency
from messenger.calls.pattern import PatternPainter
from messenger.ui.media import devices
from messenger.ui.media.capture import AUDIO_FRAME_SAMPLES, AudioCutter, FeedTrack, video_frame
from messenger.ui.media.playback import VideoFrameSink, fit, to_image
from messenger.ui.media.provider import QtDeviceProvider
from messenger.ui.media.video_widget import GROUND, VideoWidget
from tests.clientkit import eventually
from tests.ui.callkit import shown_picture, shows_test_pattern


def pattern_frame(width: int = 640, height: int = 480) -> av.VideoFrame:
    painter = PatternPainter(width, height)
    return av.VideoFrame.from_ndarray(painter.paint(0.0, 0), format="yuv420p")


def solid(color: str, width: int, height: int) -> QImage:
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor(color))
    return image


def close_to(pixel: QColor, color: str, tolerance: int = 12) -> bool:
    want = QColor(color)
    return all(
        abs(a - b) <= tolerance
        for a, b in zip(
            (pixel.red(), pixel.green(), pixel.blue()),
            (want.red(), want.green(), want.blue()),
            strict=True,
        )
    )


def test_video_widget_fits_the_frame_and_letterboxes(qtbot: QtBot) -> None:
    """A wide frame fills the width, centred, with the dark ground above and below it."""
    widget = VideoWidget()
    qtbot.addWidget(widget)
    widget.resize(320, 240)
    widget.set_image(solid("#ff0000", 160, 90))  # 16:9 in a 4:3 widget
    image = widget.grab().toImage()
    ratio = image.devicePixelRatio()
    assert close_to(image.pixelColor(round(160 * ratio), round(120 * ratio)), "#ff0000")
    assert close_to(image.pixelColor(round(160 * ratio), round(5 * ratio)), GROUND.name())
    rect = widget.picture_rect()
    assert rect is not None and (rect.width(), rect.height()) == (320, 180)


def test_video_widget_mirrors_the_self_view(qtbot: QtBot) -> None:
    """A self view reads like a mirror: what is left in the frame is drawn on the right."""
    widget = VideoWidget(mirrored=True)
    qtbot.addWidget(widget)
    widget.resize(200, 100)
    image = solid("#0000ff", 200, 100)
    for x in range(100):
        for y in range(100):
            image.setPixelColor(x, y, QColor("#00ff00"))  # left half green
    widget.set_image(image)
    shot = widget.grab().toImage()
    ratio = shot.devicePixelRatio()
    assert close_to(shot.pixelColor(round(150 * ratio), round(50 * ratio)), "#00ff00")
    assert close_to(shot.pixelColor(round(50 * ratio), round(50 * ratio)), "#0000ff")


def test_video_widget_placeholder_shows_picture_and_caption(qtbot: QtBot) -> None:
    """With no video the widget shows the person's picture and a caption, on the dark ground."""
    widget = VideoWidget()
    qtbot.addWidget(widget)
    widget.resize(300, 300)
    avatar = QPixmap(80, 80)
    avatar.fill(QColor("#d6336c"))
    widget.set_image(solid("#ff0000", 30, 30))
    widget.set_placeholder(avatar, "Camera off")
    widget.clear()
    assert not widget.showing_video and widget.picture_rect() is None
    assert widget.accessibleDescription() == "Camera off"
    shot = widget.grab().toImage()
    ratio = shot.devicePixelRatio()
    # The picture sits above the centre (the caption goes under it).
    assert close_to(shot.pixelColor(round(150 * ratio), round(120 * ratio)), "#d6336c")
    assert close_to(shot.pixelColor(round(10 * ratio), round(10 * ratio)), GROUND.name())


def test_fit_keeps_the_aspect_and_even_sizes() -> None:
    """Frames are scaled to the largest even size of their aspect that fits the widget."""
    assert fit(640, 480, 800, 300) == (400, 300)
    assert fit(1280, 720, 333, 333) == (332, 186)
    assert fit(640, 480, 0, 300) == (0, 0)


def test_received_frames_convert_to_what_is_shown() -> None:
    """A decoded yuv420p test pattern becomes a QImage with the pattern's colour bars."""
    image = to_image(pattern_frame(), (320, 240))
    assert image is not None and (image.width(), image.height()) == (320, 240)
    assert to_image(pattern_frame(), (0, 0)) is None
    first_bar = image.pixelColor(320 // 12, 50)
    assert first_bar.red() > 180 and first_bar.green() < 90 and first_bar.blue() < 90


async def test_remote_video_arrives_in_the_widget(qtbot: QtBot) -> None:
    """Frames handed to the sink are converted in the worker and drawn: the bars show."""
    widget = VideoWidget()
    qtbot.addWidget(widget)
    widget.resize(480, 360)
    widget.show()
    sink = VideoFrameSink(widget)
    try:
        for _ in range(3):  # a burst: the worker keeps only the newest
            sink.on_frame(pattern_frame())
        await eventually(lambda: widget.showing_video)
        assert shows_test_pattern(widget)
        picture = shown_picture(widget)
        assert picture is not None and picture.shape[1] >= 470
    finally:
        sink.close()


async def test_captured_camera_images_become_timed_frames() -> None:
    """A camera image becomes a bgra av frame on RTP's 90 kHz clock, its colours intact."""
    frame = video_frame(solid("#1e90ff", 64, 48), pts=9000)
    assert frame is not None
    assert (frame.width, frame.height, frame.pts) == (64, 48, 9000)
    assert frame.time_base == Fraction(1, 90000)
    rgb = frame.to_ndarray(format="rgb24")
    assert tuple(rgb[10, 10]) == (0x1E, 0x90, 0xFF)
    assert video_frame(QImage(), 0) is None
    track = FeedTrack("video", depth=2)
    for pts in (1, 2, 3):
        again = video_frame(solid("#000000", 8, 8), pts)
        assert again is not None
        track.push(again)
    assert (await track.recv()).pts == 2  # the oldest gave way: live video never lags


def test_microphone_bytes_become_20ms_frames_of_the_same_sound() -> None:
    """A 440 Hz stereo float capture at 44.1 kHz comes out as s16 mono 48 kHz 20 ms frames."""
    fmt = QAudioFormat()
    fmt.setSampleRate(44100)
    fmt.setChannelCount(2)
    fmt.setSampleFormat(QAudioFormat.SampleFormat.Float)
    cutter = AudioCutter(fmt)
    t = np.arange(44100) / 44100
    tone = (0.4 * np.sin(2 * math.pi * 440 * t)).astype(np.float32)
    interleaved = np.repeat(tone, 2)
    frames = []
    for chunk in np.array_split(interleaved, 37):  # odd-sized reads, as devices deliver them
        frames += cutter.cut(chunk.tobytes())
    assert frames and all(f.samples == AUDIO_FRAME_SAMPLES for f in frames)
    kinds = {(f.format.name, f.layout.name, f.sample_rate) for f in frames}
    assert kinds == {("s16", "mono", 48000)}
    assert [f.pts for f in frames[:3]] == [0, 960, 1920]
    samples = np.concatenate([f.to_ndarray().reshape(-1) for f in frames])
    hz = dominant_frequency(samples)
    assert hz is not None and abs(hz - 440) < 5
    assert cutter.cut(b"\x00") == []  # less than one sample waits for more


def test_pickers_offer_the_synthetic_devices() -> None:
    """Microphone and camera pickers list the test tone and pattern after the hardware."""
    microphones = devices.choices("microphone")
    cameras = devices.choices("camera")
    assert microphones[0] == devices.Device("", "System default")
    assert microphones[-1] == devices.Device(devices.TONE_KEY, "Test tone")
    assert cameras[-1] == devices.Device(devices.PATTERN_KEY, "Test pattern")
    assert devices.choices("speaker")[0].label == "System default"
    assert devices.is_present("camera", devices.PATTERN_KEY)
    assert not devices.is_present("camera", "00ff00-unplugged")


async def test_without_hardware_calls_use_the_test_tone_and_pattern() -> None:
    """Chosen synthetic devices are used; a missing device falls back to the default, and
    with no hardware at all to the synthetic ones."""
    prefs = Preferences(audio_input=devices.TONE_KEY, camera=devices.PATTERN_KEY)
    provider = QtDeviceProvider(lambda: prefs)
    audio, video = provider.audio_source(), provider.video_source()
    try:
        assert (audio.kind, audio.label) == ("audio", "Test tone")
        assert (video.kind, video.label) == ("video", "Test pattern")
        assert provider.in_use == {"audio": audio, "video": video}
    finally:
        audio.close()
        video.close()
    if devices.hardware("microphone") or devices.hardware("camera"):
        pytest.skip("this machine has a microphone or camera: the fallback is the real default")
    unplugged = QtDeviceProvider(lambda: Preferences(audio_input="c0ffee", camera="c0ffee"))
    audio, video = unplugged.audio_source(), unplugged.video_source()
    try:
        assert (audio.label, video.label) == ("Test tone", "Test pattern")
        frame = await video.track().recv()
        assert isinstance(frame, av.VideoFrame) and frame.width == 640
    finally:
        audio.close()
        video.close()
    assert unplugged.speaker() is None or devices.hardware("speaker")


def test_shown_picture_reads_the_widget(qtbot: QtBot) -> None:
    """The test helper reads back exactly the picture's area (sanity of the helper itself)."""
    widget = VideoWidget()
    qtbot.addWidget(widget)
    widget.resize(100, 100)
    widget.set_image(solid("#00ff00", 100, 50))
    picture = shown_picture(widget)
    assert picture is not None and picture.shape[0] in (47, 48, 49)
    assert tuple(picture[10, 10]) == (0, 255, 0)
