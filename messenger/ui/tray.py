"""The system tray entry: own presence and unread count at a glance, and a small menu.

The controller keeps its state (status, unread count, tooltip, icon, menu) whether
or not the desktop has a tray, so the rest of the app and the tests treat it the
same everywhere; where there is no tray it says so once, through the app.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QActionGroup, QImage
from PySide6.QtWidgets import QApplication, QMenu, QSystemTrayIcon

from messenger.ui import presence_style, tray_icon

NO_TRAY = (
    "No system tray was found, so closing the window quits Messenger "
    "instead of keeping it running in the background."
)


class TrayController(QObject):
    """The tray icon and its menu; signals say what the user asked for."""

    open_requested = Signal()
    status_chosen = Signal(str)
    quit_requested = Signal()
    message_clicked = Signal(object)  # a balloon was clicked: the tag it was shown with

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        title: str = "Messenger",
        available: bool | None = None,
    ) -> None:
        """``available`` overrides asking the desktop whether it has a tray (for tests)."""
        super().__init__(parent)
        self._title = title
        self._available = available
        self.status = "available"
        self.connected = True
        self.unread = 0
        self.menu = QMenu()
        self.menu.setAccessibleName(f"{title} tray menu")
        self._open = self.menu.addAction(f"&Open {title}")
        self._open.triggered.connect(self.open_requested)
        self.menu.setDefaultAction(self._open)
        self.menu.addSeparator()
        self._presence = QActionGroup(self.menu)
        self._presence.setExclusive(True)
        self._status_actions: dict[str, QAction] = {}
        for status in presence_style.SETTABLE:
            action = self.menu.addAction(
                presence_style.dot_icon(status), presence_style.LABELS[status]
            )
            action.setCheckable(True)
            action.setData(status)
            self._presence.addAction(action)
            self._status_actions[status] = action
        self._presence.triggered.connect(self._on_presence)
        self.menu.addSeparator()
        self._quit = self.menu.addAction(f"&Quit {title}")
        self._quit.triggered.connect(self.quit_requested)
        # Qt adds the entry later by itself if a tray appears after start-up (a panel that
        # starts after the app at login), so the icon is created and shown regardless.
        self.system_tray_icon = QSystemTrayIcon(self)
        self.system_tray_icon.setContextMenu(self.menu)
        self.system_tray_icon.activated.connect(self._on_activated)
        self._message_tag: object = None
        self.system_tray_icon.messageClicked.connect(
            lambda: self.message_clicked.emit(self._message_tag)
        )
        self._refresh()
        self.system_tray_icon.show()

    # --- state -------------------------------------------------------------------------

    @property
    def available(self) -> bool:
        if self._available is not None:
            return self._available
        return QSystemTrayIcon.isSystemTrayAvailable()

    @property
    def unavailable_reason(self) -> str | None:
        """A sentence for the user when there is no tray, else None."""
        return None if self.available else NO_TRAY

    @property
    def can_show_messages(self) -> bool:
        """Whether the tray can show notification balloons itself."""
        return self.available and QSystemTrayIcon.supportsMessages()

    @property
    def shown_status(self) -> str:
        """The status the icon shows: the chosen one, or offline while disconnected."""
        return self.status if self.connected else "offline"

    @property
    def tooltip(self) -> str:
        return self.system_tray_icon.toolTip()

    @property
    def badge_text(self) -> str:
        return tray_icon.badge_text(self.unread)

    def checked_status(self) -> str | None:
        action = self._presence.checkedAction()
        return None if action is None else str(action.data())

    def icon_image(self, size: int = 64) -> QImage:
        """The icon as drawn for the tray at ``size`` pixels."""
        return tray_icon.render(size, self.shown_status, self.unread, QApplication.palette())

    # --- changes -----------------------------------------------------------------------

    def set_status(self, status: str) -> None:
        """One's own chosen presence (available, away, busy or invisible)."""
        self.status = status
        self._refresh()

    def set_connected(self, connected: bool) -> None:
        """While disconnected the icon greys out and the tooltip says so."""
        self.connected = connected
        self._refresh()

    def set_unread(self, count: int) -> None:
        self.unread = max(0, count)
        self._refresh()

    def show_message(self, title: str, body: str, tag: object = None) -> bool:
        """Show a balloon from the tray; False where the tray cannot.

        The tray shows one balloon at a time for every account; ``tag`` (its sender)
        comes back with ``message_clicked`` so only the one that showed it answers.
        """
        if not self.can_show_messages:
            return False
        self._message_tag = tag
        self.system_tray_icon.showMessage(title, body, self.system_tray_icon.icon())
        return True

    def refresh_theme(self) -> None:
        """Repaint after a palette change (light/dark switch)."""
        for status, action in self._status_actions.items():
            action.setIcon(presence_style.dot_icon(status))
        self._refresh()

    def hide(self) -> None:
        """Remove the entry from the tray (before quitting, so no stale icon stays behind)."""
        self.system_tray_icon.hide()

    # --- internals ---------------------------------------------------------------------

    def _refresh(self) -> None:
        action = self._status_actions.get(self.status)
        if action is not None:
            action.setChecked(True)
        shown = self.shown_status
        label = presence_style.LABELS.get(shown, shown)
        if not self.connected:
            label = "Offline, connecting…"
        lines = [f"{self._title} — {label}"]
        if self.unread:
            lines.append(f"{self.unread} unread message" + ("" if self.unread == 1 else "s"))
        self.system_tray_icon.setToolTip("\n".join(lines))
        self.system_tray_icon.setIcon(tray_icon.icon(shown, self.unread, QApplication.palette()))

    def _on_presence(self, action: QAction) -> None:
        self.status_chosen.emit(str(action.data()))

    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        # A plain click restores the window; the context menu has its own reason.
        if reason in (
            QSystemTrayIcon.ActivationReason.Trigger,
            QSystemTrayIcon.ActivationReason.DoubleClick,
        ):
            self.open_requested.emit()
