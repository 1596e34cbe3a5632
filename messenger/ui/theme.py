"""Light, dark or the system's choice: one palette for the whole app.

The Fusion style is used everywhere because it draws entirely from the QPalette,
so a palette we set looks the same on every platform (and offscreen, in tests and
screenshots). The colour scheme hint is set too, so native parts that listen to
it (title bars, file dialogs) agree with the window contents.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QLabel, QStyleFactory, QWidget

THEMES = ("system", "light", "dark")
LABELS = {"system": "Same as the system", "light": "Light", "dark": "Dark"}

_FOLLOWER_NAME = "messenger-theme-follower"

Role = QPalette.ColorRole
Group = QPalette.ColorGroup


def light_palette() -> QPalette:
    style = QStyleFactory.create("Fusion")
    palette = style.standardPalette()
    palette.setColor(Role.Highlight, QColor("#2a6fdb"))
    palette.setColor(Role.HighlightedText, QColor("#ffffff"))
    palette.setColor(Role.Link, QColor("#1a5fc8"))
    palette.setColor(Role.LinkVisited, QColor("#6a3fb5"))
    palette.setColor(Role.Accent, QColor("#2a6fdb"))
    return palette


def dark_palette() -> QPalette:
    palette = QPalette()
    roles = {
        # Fields and lists sit a shade lighter than the window: Fusion draws their frames
        # in a darkened window colour, which must differ from the field's own.
        Role.Window: "#232428",
        Role.WindowText: "#e8eaed",
        Role.Base: "#2e3035",
        Role.AlternateBase: "#34363c",
        Role.ToolTipBase: "#2d2f33",
        Role.ToolTipText: "#e8eaed",
        Role.PlaceholderText: "#8e9297",
        Role.Text: "#e8eaed",
        Role.Button: "#33353a",
        Role.ButtonText: "#e8eaed",
        Role.BrightText: "#ff6b6b",
        Role.Light: "#44474d",
        Role.Midlight: "#3a3c42",
        Role.Mid: "#2c2e32",
        Role.Dark: "#121314",
        Role.Shadow: "#000000",
        Role.Highlight: "#3b82f6",
        Role.HighlightedText: "#ffffff",
        Role.Link: "#8ab4f8",
        Role.LinkVisited: "#c58af9",
        Role.Accent: "#3b82f6",
    }
    for role, value in roles.items():
        palette.setColor(role, QColor(value))
    disabled = {
        Role.WindowText: "#7b7f85",
        Role.Text: "#7b7f85",
        Role.ButtonText: "#7b7f85",
        Role.Base: "#28292d",
        Role.Button: "#2a2b30",
        Role.Highlight: "#3d4148",
        Role.HighlightedText: "#a0a4aa",
        Role.PlaceholderText: "#5f6368",
    }
    for role, value in disabled.items():
        palette.setColor(Group.Disabled, role, QColor(value))
    return palette


def is_dark(palette: QPalette) -> bool:
    """Whether text is drawn light on dark: what views check to pick their own shades."""
    return palette.color(Role.Window).lightnessF() < 0.5


class _SystemFollower(QObject):
    """Re-applies the palette when the platform switches between light and dark."""

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self.setObjectName(_FOLLOWER_NAME)
        self.app = app
        self.theme = "system"
        app.styleHints().colorSchemeChanged.connect(self._on_scheme_changed)

    def _on_scheme_changed(self, scheme: Qt.ColorScheme) -> None:
        if self.theme == "system":
            dark = scheme == Qt.ColorScheme.Dark
            self.app.setPalette(dark_palette() if dark else light_palette())


def apply_theme(app: QApplication, theme: str) -> None:
    """Use ``theme`` ("system", "light" or "dark") for every window, now and as the system changes.

    An unknown value means "system", so a hand-edited setting never breaks the look.
    """
    follower = app.findChild(_SystemFollower, _FOLLOWER_NAME)
    if follower is None:
        follower = _SystemFollower(app)
    follower.theme = theme if theme in THEMES else "system"
    app.setStyle(QStyleFactory.create("Fusion"))
    hints = app.styleHints()
    if follower.theme == "dark":
        hints.setColorScheme(Qt.ColorScheme.Dark)
        app.setPalette(dark_palette())
    elif follower.theme == "light":
        hints.setColorScheme(Qt.ColorScheme.Light)
        app.setPalette(light_palette())
    else:
        hints.unsetColorScheme()
        dark = hints.colorScheme() == Qt.ColorScheme.Dark
        app.setPalette(dark_palette() if dark else light_palette())


def error_color(palette: QPalette) -> QColor:
    """A red that reads on the palette's window colour: darker on light, lighter on dark."""
    return QColor.fromHslF(0.0, 0.75, 0.72 if is_dark(palette) else 0.40)


def success_color(palette: QPalette) -> QColor:
    return QColor.fromHslF(0.36, 0.6, 0.65 if is_dark(palette) else 0.30)


class InlineMessage(QLabel):
    """The one-line (wrapping) error or confirmation under a form: hidden while empty.

    Its colour is recomputed when the application palette changes, so a message
    shown before a theme switch stays readable after it.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._kind = ""
        self.hide()

    def show_error(self, text: str) -> None:
        self._show("error", text)

    def show_success(self, text: str) -> None:
        self._show("success", text)

    def show_info(self, text: str) -> None:
        self._show("info", text)

    def clear_message(self) -> None:
        self._kind = ""
        self.clear()
        self.hide()

    @property
    def kind(self) -> str:
        """ "error", "success", "info" or "" when nothing is shown."""
        return self._kind

    def _show(self, kind: str, text: str) -> None:
        self._kind = kind
        self.setText(text)
        self.setAccessibleName("Error" if kind == "error" else "Message")
        self.setAccessibleDescription(text)
        self._recolor()
        self.show()

    def _recolor(self) -> None:
        palette = QApplication.palette(self)
        if self._kind == "error":
            palette.setColor(Role.WindowText, error_color(palette))
        elif self._kind == "success":
            palette.setColor(Role.WindowText, success_color(palette))
        self.setPalette(palette)

    def event(self, e: QEvent) -> bool:
        if e.type() == QEvent.Type.ApplicationPaletteChange:
            self._recolor()
        return super().event(e)


def hint_label(text: str, parent: QWidget | None = None) -> QLabel:
    """Secondary text under a control, dimmed by palette role so it follows theme changes.

    A role rather than ``setEnabled(False)``: a disabled label would be announced as
    unavailable by screen readers.
    """
    label = QLabel(text, parent)
    label.setWordWrap(True)
    label.setForegroundRole(Role.PlaceholderText)
    return label
