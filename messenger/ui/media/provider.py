"""The call engine's ``DeviceProvider``: the devices chosen in the settings, else the system's
default ones, else the synthetic test tone and test pattern.

A call on a machine with no microphone or camera still connects and sends something a person
can recognise, so "it works" never depends on hardware; the tests call this way too.
Everything heavy (Qt Multimedia, aiortc, PyAV) is imported on the first call, not at start-up.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from messenger.account.preferences import Preferences

if TYPE_CHECKING:
    from messenger.calls.media import MediaSource
    from messenger.ui.media.playback import SpeakerSink

TONE_HZ = 440


class QtDeviceProvider:
    def __init__(self, prefs: Callable[[], Preferences]) -> None:
        self._prefs = prefs
        # The source last handed out of each kind ("audio", "video"): the one a call uses,
        # checked when devices are unplugged.
        self.in_use: dict[str, MediaSource] = {}

    # --- the engine's interface --------------------------------------------------------

    def audio_source(self) -> MediaSource:
        return self.microphone(self._prefs().audio_input)

    def video_source(self) -> MediaSource:
        return self.camera(self._prefs().camera)

    # --- by key, for the call window's pickers and hot-plug -----------------------------

    def microphone(self, key: str) -> MediaSource:
        """The microphone remembered as ``key`` (or the default one), else the test tone."""
        from messenger.ui.media.devices import TONE_KEY, find_audio_input

        source: MediaSource
        device = None if key == TONE_KEY else find_audio_input(key)
        if device is not None:
            from messenger.ui.media.capture import MicrophoneSource

            source = MicrophoneSource(device)
        else:
            from messenger.calls.synthetic import ToneSource

            source = ToneSource(hz=TONE_HZ)
        self.in_use["audio"] = source
        return source

    def camera(self, key: str) -> MediaSource:
        """The camera remembered as ``key`` (or the default one), else the test pattern."""
        from messenger.ui.media.devices import PATTERN_KEY, find_camera

        source: MediaSource
        device = None if key == PATTERN_KEY else find_camera(key)
        if device is not None:
            from messenger.ui.media.capture import CameraSource

            source = CameraSource(device)
        else:
            from messenger.calls.synthetic import PatternSource

            source = PatternSource()
        self.in_use["video"] = source
        return source

    def speaker(self, key: str | None = None) -> SpeakerSink | None:
        """Where remote audio plays: ``key``'s output, or the default; None with no output."""
        from messenger.ui.media.devices import find_audio_output
        from messenger.ui.media.playback import SpeakerSink

        device = find_audio_output(self._prefs().audio_output if key is None else key)
        return None if device is None else SpeakerSink(device)
