"""The tray entry: icon with presence and unread count, tooltip, and its menu."""

from __future__ import annotations

from PySide6.QtGui import QAction, QColor, QImage
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

from messenger.ui import presence_style
from messenger.ui.tray import NO_TRAY, TrayController
from messenger.ui.tray_icon import BADGE_FILL

SIZE = 64


def close_to(a: QColor, b: QColor, tolerance: int = 40) -> bool:
    return (
        abs(a.red() - b.red()) + abs(a.green() - b.green()) + abs(a.blue() - b.blue()) <= tolerance
    )


def badge_pixels(image: QImage) -> int:
    """How much of the top-right quarter (where the badge sits) is badge red."""
    half = image.width() // 2
    return sum(
        close_to(image.pixelColor(x, y), BADGE_FILL)
        for x in range(half, image.width())
        for y in range(half)
    )


def dot_colour(image: QImage) -> QColor:
    """The colour at the centre of the presence dot (bottom right)."""
    centre = round(image.width() * (1 - 0.22))
    return image.pixelColor(centre, centre)


def action(tray: TrayController, text: str) -> QAction:
    return next(a for a in tray.menu.actions() if a.text().replace("&", "") == text)


def test_unread_count_shows_as_badge_and_in_tooltip(qapp: QApplication) -> None:
    """Unread messages put a count badge on the icon and a line in the tooltip; none, neither."""
    tray = TrayController()
    assert badge_pixels(tray.icon_image(SIZE)) == 0
    tray.set_unread(3)
    assert tray.badge_text == "3"
    assert "3 unread messages" in tray.tooltip
    assert badge_pixels(tray.icon_image(SIZE)) > 100
    tray.set_unread(250)
    assert tray.badge_text == "99+"
    tray.set_unread(0)
    assert tray.badge_text == "" and "unread" not in tray.tooltip
    assert badge_pixels(tray.icon_image(SIZE)) == 0


def test_status_shows_in_icon_tooltip_and_menu(qapp: QApplication) -> None:
    """Each presence colours the icon's dot, names itself in the tooltip and is checked."""
    tray = TrayController()
    for status in ("available", "away", "busy"):
        tray.set_status(status)
        assert close_to(dot_colour(tray.icon_image(SIZE)), presence_style.color(status))
        assert tray.tooltip == f"Messenger — {presence_style.LABELS[status]}"
        assert tray.checked_status() == status
    tray.set_status("invisible")
    assert tray.checked_status() == "invisible"


def test_disconnected_shows_offline(qapp: QApplication) -> None:
    """While disconnected the icon and tooltip say offline; the chosen status stays checked."""
    tray = TrayController()
    tray.set_status("away")
    tray.set_connected(False)
    assert "Offline" in tray.tooltip
    assert not close_to(dot_colour(tray.icon_image(SIZE)), presence_style.color("away"))
    assert tray.checked_status() == "away"
    tray.set_connected(True)
    assert close_to(dot_colour(tray.icon_image(SIZE)), presence_style.color("away"))


def test_menu_offers_open_presence_and_quit(qapp: QApplication) -> None:
    """The menu opens the window, picks any of the four presences, and quits."""
    tray = TrayController()
    chosen: list[str] = []
    opened: list[bool] = []
    quit_: list[bool] = []
    tray.status_chosen.connect(chosen.append)
    tray.open_requested.connect(lambda: opened.append(True))
    tray.quit_requested.connect(lambda: quit_.append(True))
    labels = [a.text().replace("&", "") for a in tray.menu.actions() if not a.isSeparator()]
    assert labels == [
        "Open Messenger",
        *(presence_style.LABELS[s] for s in presence_style.SETTABLE),
        "Quit Messenger",
    ]
    action(tray, presence_style.LABELS["busy"]).trigger()
    action(tray, "Open Messenger").trigger()
    action(tray, "Quit Messenger").trigger()
    assert (chosen, opened, quit_) == (["busy"], [True], [True])
    assert tray.menu.accessibleName()


def test_clicking_the_icon_opens_the_window(qapp: QApplication) -> None:
    """A click on the tray icon asks for the window; opening the context menu does not."""
    tray = TrayController()
    opened: list[bool] = []
    tray.open_requested.connect(lambda: opened.append(True))
    tray.system_tray_icon.activated.emit(QSystemTrayIcon.ActivationReason.Context)
    assert opened == []
    tray.system_tray_icon.activated.emit(QSystemTrayIcon.ActivationReason.Trigger)
    assert opened == [True]


def test_without_a_tray_it_says_so(qapp: QApplication) -> None:
    """Where the desktop has no tray the controller explains what that means, once asked."""
    assert TrayController(available=False).unavailable_reason == NO_TRAY
    assert TrayController(available=True).unavailable_reason is None
    assert not TrayController(available=False).can_show_messages
