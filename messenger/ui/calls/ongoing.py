"""One call on screen: the engine's ``Call`` tied to its window, its media sinks, its timers,
and the devices it uses (picked in the window, or changed by plugging and unplugging).

The window shows what the call says after every change (``Call.add_listener``); what the
user does in the window becomes a call operation. When the call ends, the window says how
for a moment, then closes, and ``finished`` tells the controller.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QObject, QTimer, Signal

from messenger.ui.calls import words
from messenger.ui.calls.call_window import CallWindow
from messenger.ui.media.devices import DeviceKind, DeviceWatcher, is_present
from messenger.ui.media.playback import SpeakerSink, VideoFrameSink
from messenger.ui.media.provider import QtDeviceProvider
from messenger.ui.session import AccountSession

if TYPE_CHECKING:
    from messenger.calls.call import Call

log = logging.getLogger(__name__)

QUALITY_MS = 2000
ENDED_LINGER_MS = 2500  # long enough to read how the call ended


class OngoingCall(QObject):
    finished = Signal()

    def __init__(
        self,
        session: AccountSession,
        call: Call,
        provider: QtDeviceProvider,
        chosen: Callable[[DeviceKind], str],
        remember: Callable[[DeviceKind, str], None],
        *,
        camera: bool,
    ) -> None:
        """``chosen(kind)`` is the device remembered for ``kind``; ``remember`` saves a pick.
        ``camera``: whether the user asked for video (the camera starts once connected)."""
        super().__init__()
        self.session = session
        self.call = call
        self._provider = provider
        self._remember = remember
        self._name = session.name_of(call.peer)
        self._devices: dict[DeviceKind, str] = {
            kind: chosen(kind) for kind in ("microphone", "camera", "speaker")
        }
        self._ended = False
        # What the user asked for, shown at once: the engine sends video only once connected.
        self._camera_wanted = camera

        self.window = CallWindow(session, call.peer, self._devices.__getitem__)
        self._remote_video = VideoFrameSink(self.window.remote_view)
        self._local_video = VideoFrameSink(self.window.self_view)
        self._speaker: SpeakerSink | None = provider.speaker(self._devices["speaker"])
        call.attach_remote_video(self._remote_video)
        call.attach_local_video(self._local_video)
        call.attach_remote_audio(self._speaker)

        window = self.window
        window.mute_toggled.connect(call.set_muted)
        window.camera_toggled.connect(self._set_camera)
        window.hang_up_requested.connect(self.hang_up)
        window.device_chosen.connect(self._choose_device)

        self._watcher = DeviceWatcher(self)
        self._watcher.changed.connect(self._devices_changed)
        self._clock = QTimer(self)
        self._clock.setInterval(1000)
        self._clock.timeout.connect(self._show_state)
        self._quality = QTimer(self)
        self._quality.setInterval(QUALITY_MS)
        self._quality.timeout.connect(self._measure)

        call.add_listener(lambda _call: self._show_state())
        self._show_state()
        window.show()

    # --- following the call -------------------------------------------------------------

    def _show_state(self) -> None:
        if self._ended:
            return
        call = self.call
        state = call.state.value
        window = self.window
        if state == "ended":
            self._finish()
            return
        window.set_muted(call.muted)
        window.set_camera(self._camera_wanted)
        if state == "active":
            started = call.answered_at or time.monotonic()
            window.show_status(words.duration(time.monotonic() - started))
            if not self._clock.isActive():
                self._clock.start()
                self._quality.start()
                self._measure()
        else:
            window.show_status(words.STATES.get(state, ""))
        if not call.remote_video:
            window.remote_view.clear()
        window.set_remote_caption("" if call.remote_video or state != "active" else "Camera off")

    def _finish(self) -> None:
        if self._ended:
            return
        self._ended = True
        self._clock.stop()
        self._quality.stop()
        end = self.call.end
        text = "Call ended."
        if end is not None:
            text = words.ended(
                end.reason.value,
                by_peer=end.by_peer,
                outgoing=self.call.outgoing,
                name=self._name,
                detail=end.detail,
            )
        self.window.ended(text)
        self._release()
        QTimer.singleShot(ENDED_LINGER_MS, self._close_window)

    def _close_window(self) -> None:
        self.window.close_now()
        self.window.deleteLater()
        self.finished.emit()

    def _release(self) -> None:
        """Stop everything this side holds: sinks, speaker, device watching."""
        call = self.call
        call.attach_remote_video(None)
        call.attach_local_video(None)
        call.attach_remote_audio(None)
        self._remote_video.close()
        self._local_video.close()
        if self._speaker is not None:
            self._speaker.close()
            self._speaker = None
        self._watcher.changed.disconnect(self._devices_changed)

    def _measure(self) -> None:
        self.session.run(self._read_quality(), "measure the call quality")

    async def _read_quality(self) -> None:
        try:
            quality = await self.call.quality()
        except Exception:
            # Statistics read while the connection closes can fail; the call is not affected
            # and the next reading comes in two seconds.
            log.debug("call quality not read", exc_info=True)
            return
        if not self._ended:
            self.window.show_quality(quality.bars, words.quality(quality))

    # --- what the user does -------------------------------------------------------------

    def hang_up(self) -> None:
        if not self._ended:
            self.session.run(self.call.hangup(), "hang up")

    def bring_to_front(self) -> None:
        if self.window.isMinimized():
            self.window.showNormal()
        self.window.show()
        self.window.raise_()
        self.window.activateWindow()

    def _set_camera(self, on: bool) -> None:
        self._camera_wanted = on
        self.session.run(
            self.call.set_camera(on), "turn the camera on" if on else "turn the camera off"
        )

    def _choose_device(self, kind: str, key: str) -> None:
        device_kind = cast(DeviceKind, kind)
        self._devices[device_kind] = key
        self._remember(device_kind, key)
        self._use(device_kind)

    def _use(self, kind: DeviceKind) -> None:
        """Switch the call to the device chosen for ``kind`` now (the default if it is gone).

        A camera picked while the camera is off is kept by the call for when it goes on.
        """
        key = self._devices[kind]
        if kind == "speaker":
            if self._speaker is not None:
                self._speaker.close()
            self._speaker = self._provider.speaker(key)
            self.call.attach_remote_audio(self._speaker)
            return
        source = (
            self._provider.microphone(key) if kind == "microphone" else self._provider.camera(key)
        )
        self.session.run(self.call.replace_source(source), f"switch to {source.label}")

    def _devices_changed(self, kind: str) -> None:
        """A device came or went: an unplugged one in use gives way to the default."""
        if self._ended:
            return
        if kind == "speaker":
            speaker = self._speaker
            gone = speaker is not None and not is_present("speaker", speaker.device_key)
            if speaker is None or gone:
                self._use("speaker")  # a first speaker plugged in is used at once, too
            return
        device_kind = cast(DeviceKind, kind)
        in_use = self._provider.in_use.get("audio" if kind == "microphone" else "video")
        device = getattr(in_use, "device_key", "")
        if in_use is not None and device and not is_present(device_kind, device):
            log.info("%s %s was unplugged: using the default one", kind, in_use.label)
            self._use(device_kind)
