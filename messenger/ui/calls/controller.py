"""The calls of one signed-in account: the call engine, the windows, the ringtone, the tray.

One per account, created with its window. It owns the engine's ``CallManager`` (started in
the background at sign-in, so incoming calls ring) and decides what a call looks like on this
desktop: an incoming call rings with a window and a notification, unless one's status is
Busy (do not disturb), where it does not ring at all; an answered or placed call gets its
call window. The engine, its media stack and Qt Multimedia load at sign-in from here, never
at start-up.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

import msgspec
from PySide6.QtCore import QObject

from messenger.account.preferences import Preferences
from messenger.ui.calls import words
from messenger.ui.notifier import Notifier
from messenger.ui.session import AccountSession

if TYPE_CHECKING:
    from messenger.calls.call import Call
    from messenger.calls.manager import CallManager, CallOptions
    from messenger.ui.calls.incoming_window import IncomingCallWindow
    from messenger.ui.calls.ongoing import OngoingCall
    from messenger.ui.media.devices import DeviceKind
    from messenger.ui.media.provider import QtDeviceProvider

log = logging.getLogger(__name__)

# Which preference remembers the device of each kind.
DEVICE_PREFS = {"microphone": "audio_input", "camera": "camera", "speaker": "audio_output"}


class CallController(QObject):
    def __init__(
        self,
        session: AccountSession,
        notifier: Notifier,
        prefs: Callable[[], Preferences],
        save_prefs: Callable[[Preferences], None],
        options: CallOptions | None = None,
    ) -> None:
        """``options`` tunes the engine (timeouts, relay only); echo cancellation follows
        the preferences whatever it says."""
        super().__init__()
        self.session = session
        self.notifier = notifier
        self._prefs = prefs
        self._save_prefs = save_prefs
        self.manager: CallManager | None = None
        self.ongoing: OngoingCall | None = None
        self.ringing: dict[str, IncomingCallWindow] = {}  # call id -> its window
        self._calls: dict[str, Call] = {}  # ringing calls, for the notification's buttons
        self._provider: QtDeviceProvider | None = None
        self._options = options
        self._starting: asyncio.Task[None] | None = None
        notifier.call_action.connect(self._on_notification_action)

    # --- life --------------------------------------------------------------------------

    def start(self) -> None:
        """Start the engine in the background; calls ring from when it is up."""
        if self._starting is None:
            self._starting = self.session.run(self._start(), "get ready for calls")

    async def _start(self) -> None:
        from messenger.calls.manager import CallManager, CallOptions
        from messenger.ui.media.provider import QtDeviceProvider

        self._provider = QtDeviceProvider(self._prefs)
        options = dataclasses.replace(
            self._options or CallOptions(), echo_cancellation=self._prefs().echo_cancellation
        )
        manager = CallManager(self.session.client, self._provider, options)
        manager.on_incoming(self._on_incoming)
        await manager.start()
        self.manager = manager

    async def close(self) -> None:
        """Hang up, stop ringing, close the windows (the app quits or the account signs out)."""
        if self._starting is not None and not self._starting.done():
            self._starting.cancel()
        for call_id in list(self.ringing):
            self._stop_ringing(call_id)
        if self.manager is not None:
            await self.manager.close()
            self.manager = None
        if self.ongoing is not None:
            self.ongoing.window.close_now()
            self.ongoing = None

    # --- placing a call ---------------------------------------------------------------

    def place(self, peer: str, video: bool) -> None:
        """Call ``peer`` (the chat header's buttons); while in a call, show that call instead."""
        if self.ongoing is not None:
            self.ongoing.bring_to_front()
            return
        if self.manager is None:
            self.session.failed.emit("Calls are not ready yet: try again in a moment.")
            return
        self.session.run(
            self._place(self.manager, peer, video), f"call {self.session.name_of(peer)}"
        )

    async def _place(self, manager: CallManager, peer: str, video: bool) -> None:
        from messenger.calls.manager import CallError

        try:
            call = await manager.place(peer, video=video)
        except CallError as exc:
            self.session.failed.emit(f"Could not call {self.session.name_of(peer)}: {exc}")
            return
        self._show(call, video)

    # --- incoming calls ---------------------------------------------------------------

    def _on_incoming(self, call: Call) -> None:
        if self.ongoing is not None:
            return  # the engine answers a second call busy; nothing to show
        if self.session.status == "busy":
            # Do not disturb: no ring, no window, no notification; it ends as a missed call.
            log.info("call from %s not rung: status is busy", call.peer)
            return
        from messenger.ui.calls.incoming_window import IncomingCallWindow

        window = IncomingCallWindow(self.session, call.peer, video=call.video_offered)
        window.accepted.connect(lambda video: self._answer(call, video))
        window.declined.connect(lambda: self._decline(call))
        self.ringing[call.id] = window
        self._calls[call.id] = call
        call.add_listener(self._on_ringing_call_changed)
        name = self.session.name_of(call.peer)
        self.notifier.sounds.start_ring()
        self.notifier.notify_call(call.id, name, words.incoming(call.video_offered))
        window.show()
        window.raise_()
        window.activateWindow()

    def _on_ringing_call_changed(self, call: Call) -> None:
        if call.state.value != "incoming" and call.id in self.ringing:
            self._stop_ringing(call.id)  # answered here or elsewhere, cancelled, missed

    def _stop_ringing(self, call_id: str) -> None:
        window = self.ringing.pop(call_id, None)
        self._calls.pop(call_id, None)
        if not self.ringing:
            self.notifier.sounds.stop_ring()
        self.notifier.withdraw_call(call_id)
        if window is not None:
            window.finish()
            window.deleteLater()

    def _answer(self, call: Call, video: bool) -> None:
        self._stop_ringing(call.id)
        if call.state.value != "incoming":
            return  # it stopped ringing a moment ago
        self._show(call, video)
        self.session.run(call.accept(video=video), "answer the call")

    def _decline(self, call: Call) -> None:
        self._stop_ringing(call.id)
        if call.state.value == "incoming":
            self.session.run(call.decline(), "decline the call")

    def _on_notification_action(self, call_id: str, action: str) -> None:
        call = self._calls.get(call_id)
        window = self.ringing.get(call_id)
        if call is None or window is None:
            return
        if action == "voice":
            self._answer(call, False)
        elif action == "video":
            self._answer(call, True)
        elif action == "decline":
            self._decline(call)
        else:
            window.show()
            window.raise_()
            window.activateWindow()

    # --- the call window --------------------------------------------------------------

    def _show(self, call: Call, video: bool) -> None:
        from messenger.ui.calls.ongoing import OngoingCall

        assert self._provider is not None
        ongoing = OngoingCall(
            self.session, call, self._provider, self._chosen, self._remember, camera=video
        )
        ongoing.finished.connect(lambda: self._finished(ongoing))
        self.ongoing = ongoing

    def _finished(self, ongoing: OngoingCall) -> None:
        if self.ongoing is ongoing:
            self.ongoing = None

    def _chosen(self, kind: DeviceKind) -> str:
        return str(getattr(self._prefs(), DEVICE_PREFS[kind]))

    def _remember(self, kind: DeviceKind, key: str) -> None:
        """A device picked in the call window is the one used next time too."""
        prefs = self._prefs()
        self._save_prefs(msgspec.structs.replace(prefs, **{DEVICE_PREFS[kind]: key}))

    # --- settings ---------------------------------------------------------------------

    def prefs_changed(self) -> None:
        """Echo cancellation switched in the settings: the next call uses the new choice."""
        manager = self.manager
        echo = self._prefs().echo_cancellation
        if manager is not None and manager.options.echo_cancellation != echo:
            manager.options = dataclasses.replace(manager.options, echo_cancellation=echo)

    async def test_connection(self) -> str:
        """Run "Test my connection": are the call servers reachable from here? In words."""
        if self.manager is None:
            return "Calls are not ready yet: connect to the server first."
        return words.connection_report(await self.manager.test_connection())
