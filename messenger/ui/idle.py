"""How long the user has been away from the keyboard, for auto-away.

The whole desktop's idle time where the platform tells it: GNOME's Mutter
IdleMonitor or the freedesktop ScreenSaver service over D-Bus on Linux and other
free desktops, GetLastInputInfo on Windows, the HID system's idle time on macOS.
Everywhere, input to the app itself is watched too: it is the fallback where the
desktop says nothing, and it corrects a desktop sample that is a few seconds old.
"""

from __future__ import annotations

import ctypes
import functools
import logging
import sys
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtDBus import QDBusConnection, QDBusMessage, QDBusPendingCallWatcher
from PySide6.QtWidgets import QApplication

log = logging.getLogger(__name__)

APP_INPUT = "app-input"
MUTTER = "mutter"
SCREENSAVER = "screensaver"
WINDOWS = "windows"
MACOS = "macos"

POLL_MS = 5000
DBUS_TIMEOUT_MS = 2000

# Events that mean a person is at the keyboard. Mouse moves count only when they come
# from the window system: Qt synthesises some when a window appears under a still pointer.
_INPUT = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
        QEvent.Type.TabletPress,
    }
)


class _DBusSource:
    """One D-Bus method that answers the desktop's idle time, and the unit it answers in."""

    def __init__(self, name: str, service: str, path: str, interface: str, method: str) -> None:
        self.name = name
        self.service, self.path, self.interface, self.method = service, path, interface, method

    def message(self) -> QDBusMessage:
        return QDBusMessage.createMethodCall(self.service, self.path, self.interface, self.method)


_DBUS_SOURCES = (
    _DBusSource(
        MUTTER,
        "org.gnome.Mutter.IdleMonitor",
        "/org/gnome/Mutter/IdleMonitor/Core",
        "org.gnome.Mutter.IdleMonitor",
        "GetIdletime",
    ),
    _DBusSource(
        SCREENSAVER,
        "org.freedesktop.ScreenSaver",
        "/org/freedesktop/ScreenSaver",
        "org.freedesktop.ScreenSaver",
        "GetSessionIdleTime",
    ),
    _DBusSource(
        SCREENSAVER,
        "org.freedesktop.ScreenSaver",
        "/ScreenSaver",
        "org.freedesktop.ScreenSaver",
        "GetSessionIdleTime",
    ),
)


class IdleMonitor(QObject):
    """Samples the idle time every few seconds and reports it with ``idle_seconds_changed``.

    ``source`` names where the figure comes from: ``mutter``, ``screensaver``,
    ``windows``, ``macos``, or ``app-input`` (only input to this app counts).
    """

    idle_seconds_changed = Signal(float)

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        desktop: bool = True,
        bus: QDBusConnection | None = None,
        interval_ms: int = POLL_MS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``desktop=False`` watches input to the app only; ``bus`` replaces the session bus."""
        super().__init__(parent)
        self._clock = clock
        self._started = clock()
        self._last_input: float | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.poll)
        self.source = APP_INPUT
        # The D-Bus answer last received: (when, seconds idle then).
        self._sample: tuple[float, float] | None = None
        # GetSessionIdleTime answers seconds in some desktops and milliseconds in KDE's;
        # the unit is learned from how fast the answer grows (None until known).
        self._scale: float | None = None
        self._previous_raw: tuple[float, int] | None = None
        self._dbus: _DBusSource | None = None
        self._candidates: list[_DBusSource] = []
        self._pending: QDBusPendingCallWatcher | None = None
        self._bus = bus
        if desktop:
            if sys.platform == "win32":
                self._use_native(WINDOWS)
            elif sys.platform == "darwin":
                self._use_native(MACOS)
            else:
                self._bus = bus if bus is not None else QDBusConnection.sessionBus()
                if self._bus.isConnected():
                    self._candidates = list(_DBUS_SOURCES)
                else:
                    log.info("no D-Bus session bus: idle time counts input to the app only")
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        self.start()

    # --- reading -----------------------------------------------------------------------

    def idle_seconds(self) -> float:
        """Seconds since the last input: the desktop's where known, else the app's own."""
        now = self._clock()
        app_idle = now - (self._last_input if self._last_input is not None else self._started)
        desktop = self._desktop_idle(now)
        if desktop is None:
            return app_idle
        if self._last_input is None:
            return desktop
        return min(desktop, app_idle)

    @property
    def probing(self) -> bool:
        """True while D-Bus services are still being asked whether they tell idle time."""
        return bool(self._candidates)

    def start(self) -> None:
        """Sample every few seconds (from construction on; the first D-Bus answer also
        decides which service is used)."""
        self._timer.start()
        self.poll()

    def stop(self) -> None:
        self._timer.stop()

    def poll(self) -> None:
        """Take a sample now: ask the desktop (answers arrive later) and report the idle time."""
        if self._pending is None:
            if self._dbus is not None:
                self._ask(self._dbus)
            elif self._candidates:
                self._ask(self._candidates[0])
        self.idle_seconds_changed.emit(self.idle_seconds())

    # --- input to the app --------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in _INPUT or (kind == QEvent.Type.MouseMove and event.spontaneous()):
            self._last_input = self._clock()
        return False

    # --- the desktop -------------------------------------------------------------------

    def _desktop_idle(self, now: float) -> float | None:
        if self.source == WINDOWS:
            return _windows_idle_seconds()
        if self.source == MACOS:
            return _macos_idle_seconds()
        if self._sample is None:
            return None
        when, idle = self._sample
        return idle + (now - when)

    def _use_native(self, source: str) -> None:
        reader = _windows_idle_seconds if source == WINDOWS else _macos_idle_seconds
        if reader() is not None:
            self.source = source
        else:
            log.info("the desktop's idle time is unavailable: input to the app counts instead")

    def _ask(self, source: _DBusSource) -> None:
        assert self._bus is not None
        call = self._bus.asyncCall(source.message(), DBUS_TIMEOUT_MS)
        watcher = QDBusPendingCallWatcher(call, self)
        self._pending = watcher
        watcher.finished.connect(lambda *_: self._answered(watcher, source))

    def _answered(self, watcher: QDBusPendingCallWatcher, source: _DBusSource) -> None:
        self._pending = None
        watcher.deleteLater()
        reply = watcher.reply()
        arguments = reply.arguments()
        ok = reply.type() == QDBusMessage.MessageType.ReplyMessage and len(arguments) == 1
        if not ok or not isinstance(arguments[0], int):
            self._failed(source, reply.errorMessage() or "an unexpected answer")
            return
        if self._dbus is None:
            self._dbus = source
            self._candidates = []
            self.source = source.name
            self._scale = 0.001 if source.name == MUTTER else None  # Mutter answers in ms
            log.info("idle time from %s (%s)", source.service, source.path)
        self._record(arguments[0])

    def _record(self, raw: int) -> None:
        now = self._clock()
        if self._scale is None and self._previous_raw is not None:
            then, before = self._previous_raw
            if raw > before and now - then >= 1.0:
                rate = (raw - before) / (now - then)
                if rate > 100:
                    self._scale = 0.001
                elif 0.2 < rate < 5:
                    self._scale = 1.0
        self._previous_raw = (now, raw)
        if self._scale is not None:
            self._sample = (now, raw * self._scale)

    def _failed(self, source: _DBusSource, why: str) -> None:
        if self._dbus is source:
            # It worked and then stopped (the service went away): carry on with app input.
            log.warning("idle time from %s failed (%s): input to the app counts", source.name, why)
            self._dbus = None
            self._sample = None
            self.source = APP_INPUT
            return
        self._candidates = [c for c in self._candidates if c is not source]
        if not self._candidates:
            log.info("no desktop idle time over D-Bus (%s): input to the app counts", why)
        else:
            self._ask(self._candidates[0])


class _LastInputInfo(ctypes.Structure):
    _fields_ = (("cbSize", ctypes.c_uint), ("dwTime", ctypes.c_uint32))


def _windows_idle_seconds() -> float | None:
    """Seconds since the last input anywhere in the session, from GetLastInputInfo."""
    if sys.platform != "win32":
        return None
    info = _LastInputInfo()
    info.cbSize = ctypes.sizeof(info)
    if not ctypes.windll.user32.GetLastInputInfo(ctypes.byref(info)):
        return None
    # Both tick counts wrap after 49.7 days; the difference modulo 2**32 stays right.
    elapsed_ms = (ctypes.windll.kernel32.GetTickCount() - info.dwTime) & 0xFFFFFFFF
    return float(elapsed_ms) / 1000.0


def _macos_idle_seconds() -> float | None:
    """Seconds since the last HID (keyboard, mouse, trackpad) event, from CoreGraphics."""
    since = _macos_seconds_since_last_event()
    if since is None:
        return None
    hid_system_state, any_input_event = 1, 0xFFFFFFFF
    return float(since(hid_system_state, any_input_event))


@functools.cache
def _macos_seconds_since_last_event() -> Any:
    if sys.platform != "darwin":
        return None
    try:
        graphics = ctypes.cdll.LoadLibrary(
            "/System/Library/Frameworks/CoreGraphics.framework/CoreGraphics"
        )
        since = graphics.CGEventSourceSecondsSinceLastEventType
    except (OSError, AttributeError):
        return None
    since.restype = ctypes.c_double
    since.argtypes = (ctypes.c_int32, ctypes.c_uint32)
    return since
