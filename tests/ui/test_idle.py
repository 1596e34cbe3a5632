"""Idle time for auto-away: input to the app, and the desktop's own figure over D-Bus."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from jeepney import Message  # type: ignore[import-untyped]
from PySide6.QtCore import QCoreApplication, QEvent, QPointF, Qt
from PySide6.QtDBus import QDBusConnection
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QApplication, QWidget

from messenger.account.autoaway import AutoAway
from messenger.ui.idle import APP_INPUT, MUTTER, SCREENSAVER, IdleMonitor
from messenger.ui.session import AccountSession
from tests.clientkit import eventually
from tests.ui.conftest import SessionFactory
from tests.ui.private_bus import FakeService, Reply, private_bus, serving

_names = itertools.count()


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@contextlib.contextmanager
def qt_bus(address: str) -> Iterator[QDBusConnection]:
    name = f"idle-test-{next(_names)}"
    bus = QDBusConnection.connectToBus(address, name)
    assert bus.isConnected()
    try:
        yield bus
    finally:
        QDBusConnection.disconnectFromBus(name)


def press_key(widget: QWidget) -> None:
    event = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_A, Qt.KeyboardModifier.NoModifier, "a")
    QCoreApplication.postEvent(widget, event)
    QCoreApplication.processEvents()


def test_app_input_resets_idle_time(qapp: QApplication) -> None:
    """Without the desktop's figure, idle time grows until a key is pressed in the app."""
    clock = Clock()
    monitor = IdleMonitor(desktop=False, clock=clock)
    widget = QWidget()
    assert monitor.source == APP_INPUT
    clock.now += 120
    assert monitor.idle_seconds() == 120
    press_key(widget)
    assert monitor.idle_seconds() == 0
    clock.now += 30
    assert monitor.idle_seconds() == 30


def test_synthetic_mouse_moves_are_not_activity(qapp: QApplication) -> None:
    """A mouse move Qt makes up (a window appearing under the pointer) is not the user back."""
    clock = Clock()
    monitor = IdleMonitor(desktop=False, clock=clock)
    widget = QWidget()
    clock.now += 300
    move = QMouseEvent(
        QEvent.Type.MouseMove,
        QPointF(5, 5),
        QPointF(5, 5),
        Qt.MouseButton.NoButton,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QCoreApplication.sendEvent(widget, move)
    assert monitor.idle_seconds() == 300


def mutter(idle_ms: int) -> dict[tuple[str, str], Callable[[Message], Reply]]:
    return {("org.gnome.Mutter.IdleMonitor", "GetIdletime"): lambda _: ("t", (idle_ms,))}


async def test_mutter_idle_time_is_the_desktops(qapp: QApplication, tmp_path: Path) -> None:
    """On GNOME, Mutter's idle time (milliseconds) is the desktop's, even with no app input."""
    clock = Clock()
    with private_bus(tmp_path) as address, qt_bus(address) as bus:
        service = FakeService(address, "org.gnome.Mutter.IdleMonitor", mutter(420_000))
        async with serving(service):
            monitor = IdleMonitor(bus=bus, clock=clock, interval_ms=60_000)
            await eventually(lambda: monitor.source == MUTTER)
            assert monitor.idle_seconds() == pytest.approx(420)
            clock.now += 10  # between samples the figure keeps growing
            assert monitor.idle_seconds() == pytest.approx(430)
            press_key(QWidget())  # and input to the app counts at once
            assert monitor.idle_seconds() == 0


@pytest.mark.parametrize("scale", [1, 1000], ids=["seconds", "milliseconds"])
async def test_screensaver_idle_time_in_either_unit(
    qapp: QApplication, tmp_path: Path, scale: int
) -> None:
    """The ScreenSaver service's figure is used in seconds or KDE's milliseconds alike."""
    clock = Clock()
    start = clock.now - 200  # the desktop has been idle for 200 s

    def idle(_: Message) -> Reply:
        return ("u", (round((clock.now - start) * scale),))

    handlers = {("org.freedesktop.ScreenSaver", "GetSessionIdleTime"): idle}
    with private_bus(tmp_path) as address, qt_bus(address) as bus:
        async with serving(FakeService(address, "org.freedesktop.ScreenSaver", handlers)):
            monitor = IdleMonitor(bus=bus, clock=clock, interval_ms=60_000)
            await eventually(lambda: monitor.source == SCREENSAVER and not monitor.probing)
            clock.now += 5
            monitor.poll()
            await eventually(lambda: monitor.idle_seconds() == pytest.approx(205))


async def test_no_desktop_service_falls_back_to_app_input(
    qapp: QApplication, tmp_path: Path
) -> None:
    """A bus where no service tells idle time leaves input to the app as the measure."""
    clock = Clock()
    with private_bus(tmp_path) as address, qt_bus(address) as bus:
        monitor = IdleMonitor(bus=bus, clock=clock, interval_ms=60_000)
        await eventually(lambda: not monitor.probing)
        assert monitor.source == APP_INPUT
        clock.now += 42
        assert monitor.idle_seconds() == 42


async def test_auto_away_shows_to_contacts(
    sessions: SessionFactory, name: Callable[[str], str]
) -> None:
    """Idle past the threshold turns the account away for its contacts, a key press back."""
    alice = await sessions(name("alice"))
    bob = await sessions(name("bob"), contacts=(alice,))
    clock = Clock()
    monitor = IdleMonitor(desktop=False, clock=clock)
    policy = AutoAway()

    def on_idle(seconds: float, session: AccountSession = alice) -> None:
        change = policy.update(seconds, session.status, enabled=True, threshold_minutes=1)
        if change:
            session.set_presence(change)

    monitor.idle_seconds_changed.connect(on_idle)
    clock.now += 61
    monitor.poll()
    await eventually(lambda: status_of(bob, alice.username) == "away")
    press_key(QWidget())
    monitor.poll()
    await eventually(lambda: status_of(bob, alice.username) == "available")


def status_of(session: AccountSession, username: str) -> str | None:
    contact = session.roster.get(username)
    return None if contact is None else contact.status
