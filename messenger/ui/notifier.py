"""Raising desktop notifications for new messages, with a sound and a taskbar alert.

The backend is chosen once at start: the freedesktop notification service over
D-Bus where there is one (the desktop's notification centre, with actions), else
the tray icon's balloon, else nothing but a log line. Whatever the backend, every
notification raised is recorded in ``raised`` and clicking one emits ``activated``
with its conversation. What deserves a notification is decided beforehand by
``messenger.account.notify_policy``. An incoming call raises one with its answers
(``notify_call``); what the user picks comes back as ``call_action``.
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import sys
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QWidget

from messenger.account.notify_policy import Notification
from messenger.ui import tray_icon
from messenger.ui.sounds import MESSAGE, Sounds
from messenger.ui.tray import TrayController

if TYPE_CHECKING:
    from messenger.ui.freedesktop import FreedesktopNotifications

log = logging.getLogger(__name__)

FREEDESKTOP = "freedesktop"
BALLOON = "balloon"
NONE = "none"
STARTING = "starting"


@dataclass(frozen=True)
class RaisedNotification:
    title: str
    body: str
    conversation: str
    backend: str
    sound: bool
    call_id: str = ""  # set for an incoming call's notification


class Notifier(QObject):
    """Shows notifications through the best backend the desktop offers."""

    activated = Signal(str)  # the user clicked the notification of this conversation
    call_action = Signal(str, str)  # call id, action: default (open), voice, video or decline
    backend_changed = Signal(str)

    def __init__(
        self,
        tray: TrayController | None = None,
        sounds: Sounds | None = None,
        parent: QObject | None = None,
        *,
        use_dbus: bool = True,
        dbus_address: str = "SESSION",
        app_name: str = "Messenger",
        desktop_entry: str = "",
    ) -> None:
        """The backend is chosen at once (over D-Bus, so on the running asyncio loop).

        ``use_dbus=False`` skips the notification service (the tray balloon is used);
        ``dbus_address`` replaces the session bus; ``desktop_entry`` names the app's
        .desktop file so the desktop groups its notifications under the app.
        """
        super().__init__(parent)
        self._tray = tray
        self.sounds = sounds if sounds is not None else Sounds(self)
        self._use_dbus = use_dbus and sys.platform not in ("win32", "darwin")
        self._dbus_address = dbus_address
        self._app_name = app_name
        self._desktop_entry = desktop_entry
        self._freedesktop: FreedesktopNotifications | None = None
        self._waiting: list[tuple[str, str, str, bool]] = []
        self._balloon_conversation: str | None = None
        self._balloon_call: str | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.raised: list[RaisedNotification] = []
        self.backend = NONE
        if tray is not None:
            tray.message_clicked.connect(self._on_balloon_clicked)
        if self._use_dbus and _loop_running():
            self._set_backend(STARTING)
            self._spawn(self._start_freedesktop())
        else:
            self._set_backend(self._fallback())

    # --- lifecycle ---------------------------------------------------------------------

    async def close(self) -> None:
        """Stop listening to the desktop (call before quitting)."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._freedesktop is not None:
            await self._freedesktop.close()
            self._freedesktop = None

    # --- notifications -----------------------------------------------------------------

    def show(self, notification: Notification) -> None:
        """Raise what the notification policy decided."""
        self.notify(
            notification.title,
            notification.body,
            notification.conversation,
            sound=notification.sound,
        )

    def notify(self, title: str, body: str, conversation: str, *, sound: bool = True) -> None:
        """Raise one notification (a later one for the same conversation replaces it)."""
        if sound:
            self.sounds.play(MESSAGE)
        if self.backend == STARTING:
            self._waiting.append((title, body, conversation, sound))
            return
        self._dispatch(title, body, conversation, sound)

    def notify_call(self, call_id: str, title: str, body: str) -> None:
        """Raise a ringing call's notification, with its answers where the desktop shows them.

        Not queued while the backend is still being found: the incoming-call window and
        the ringtone already say it, and a call notification shown late would be wrong.
        """
        self.raised.append(RaisedNotification(title, body, "", self.backend, False, call_id))
        if self.backend == FREEDESKTOP and self._freedesktop is not None:
            self._spawn(self._send_call(self._freedesktop, call_id, title, body))
        elif self.backend == BALLOON and self._tray is not None:
            self._balloon_conversation, self._balloon_call = None, call_id
            self._tray.show_message(title, body, self)

    def withdraw_call(self, call_id: str) -> None:
        """The call stopped ringing: its notification has nothing left to offer."""
        if self._balloon_call == call_id:
            self._balloon_call = None
        if self._freedesktop is not None:
            self._spawn(self._freedesktop.withdraw_call(call_id))

    def withdraw(self, conversation: str) -> None:
        """The user opened this chat: its notification has done its job."""
        if self._freedesktop is not None:
            self._spawn(self._freedesktop.withdraw(conversation))

    def desktop_dnd(self) -> bool:
        """Whether the desktop itself is in do-not-disturb, where that can be read."""
        if self._freedesktop is not None:
            return self._freedesktop.dnd
        return _windows_quiet()

    def alert(self, window: QWidget) -> None:
        """Flash the window's taskbar entry until it is looked at."""
        if not window.isActiveWindow():
            QApplication.alert(window, 0)

    # --- internals ---------------------------------------------------------------------

    def _dispatch(self, title: str, body: str, conversation: str, sound: bool) -> None:
        self.raised.append(RaisedNotification(title, body, conversation, self.backend, sound))
        if self.backend == FREEDESKTOP and self._freedesktop is not None:
            self._spawn(self._send(self._freedesktop, title, body, conversation))
        elif self.backend == BALLOON and self._tray is not None:
            self._balloon_conversation, self._balloon_call = conversation, None
            self._tray.show_message(title, body, self)
        else:
            log.info("no way to show a desktop notification for a message in %s", conversation)

    async def _send(
        self, backend: FreedesktopNotifications, title: str, body: str, conversation: str
    ) -> None:
        from messenger.ui.freedesktop import ConnectionLost, DBusUnavailable

        try:
            await backend.notify(title, body, conversation)
        except DBusUnavailable as exc:
            # A service restarting answers errors for a moment: the tray shows this one.
            # A lost bus connection does not come back: the tray shows the rest too.
            log.warning("the notification service did not take a notification (%s)", exc)
            if isinstance(exc, ConnectionLost) and self._freedesktop is backend:
                self._freedesktop = None
                self._set_backend(self._fallback())
                await backend.close()
            if self._tray is not None:
                self._balloon_conversation, self._balloon_call = conversation, None
                self._tray.show_message(title, body, self)

    async def _send_call(
        self, backend: FreedesktopNotifications, call_id: str, title: str, body: str
    ) -> None:
        from messenger.ui.freedesktop import DBusUnavailable

        try:
            await backend.notify_call(call_id, title, body)
        except DBusUnavailable as exc:
            # The incoming-call window is on screen anyway; the notification only adds to it.
            log.warning("the notification service did not take a call notification (%s)", exc)

    async def _start_freedesktop(self) -> None:
        try:
            # Imported here: jeepney is only needed, and only installed, on free desktops.
            from messenger.ui.freedesktop import FreedesktopNotifications
        except ImportError as exc:
            log.warning("desktop notifications over D-Bus are unavailable (%s)", exc)
            self._started(None)
            return
        backend = FreedesktopNotifications(
            self,
            app_name=self._app_name,
            icon=tray_icon.app_glyph(64, QApplication.palette()),
            desktop_entry=self._desktop_entry,
            bus=self._dbus_address,
        )
        self._started(backend if await backend.start() else None)

    def _started(self, backend: FreedesktopNotifications | None) -> None:
        """The backend is known: show what arrived while it was being found."""
        if backend is not None:
            self._freedesktop = backend
            backend.activated.connect(self.activated)
            backend.call_action.connect(self.call_action)
            self._set_backend(FREEDESKTOP)
        else:
            self._set_backend(self._fallback())
        waiting, self._waiting = self._waiting, []
        for title, body, conversation, sound in waiting:
            self._dispatch(title, body, conversation, sound)

    def _fallback(self) -> str:
        if self._tray is not None and self._tray.can_show_messages:
            return BALLOON
        return NONE

    def _set_backend(self, backend: str) -> None:
        if backend != self.backend:
            self.backend = backend
            if backend != STARTING:
                log.info("desktop notifications: %s", backend)
            self.backend_changed.emit(backend)

    def _on_balloon_clicked(self, tag: object) -> None:
        if tag is not self:
            return
        if self._balloon_call is not None:
            self.call_action.emit(self._balloon_call, "default")
        elif self._balloon_conversation is not None:
            self.activated.emit(self._balloon_conversation)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        log.info("no running event loop: desktop notifications through the tray only")
        return False
    return True


def _windows_quiet() -> bool:
    """Windows' quiet hours, presentation mode or a full-screen app, as the shell reports."""
    if sys.platform != "win32":
        return False
    state = ctypes.c_int(0)
    if ctypes.windll.shell32.SHQueryUserNotificationState(ctypes.byref(state)) != 0:
        return False
    # 2 busy (full screen), 3 Direct3D full screen, 4 presentation, 6 quiet time, 7 full-screen app
    return state.value in (2, 3, 4, 6, 7)
