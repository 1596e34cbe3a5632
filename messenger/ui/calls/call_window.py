"""The window of a call: the other person's video large, one's own small in a corner, and the
controls (mute, camera, devices, full screen, hang up), with the state or the duration and a
quality indicator above.

It is always dark, whatever the theme, as video windows are everywhere: letterbox bars and
controls over pictures must not change colour with the app's palette. It only shows and asks;
``OngoingCall`` ties it to the engine's ``Call``.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QSize, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMenu, QToolButton, QVBoxLayout, QWidget

from messenger.ui.avatar import avatar_pixmap
from messenger.ui.calls import icons
from messenger.ui.calls.quality import QualityBars
from messenger.ui.media.devices import DeviceKind, choices
from messenger.ui.media.video_widget import VideoWidget
from messenger.ui.session import AccountSession
from messenger.ui.theme import dark_palette

BUTTON = 48
NEUTRAL = QColor("#3c3f45")
TOGGLED = QColor("#e8eaed")  # a control switched off (muted, camera off) shows inverted
INK = QColor("white")
SELF_VIEW_FRACTION = 0.24  # of the stage's width
SELF_VIEW_MARGIN = 12
DEVICE_MENUS: tuple[tuple[DeviceKind, str], ...] = (
    ("microphone", "&Microphone"),
    ("camera", "&Camera"),
    ("speaker", "&Speaker"),
)


def control_button(name: str, glyph: icons.Glyph, fill: QColor = NEUTRAL) -> QToolButton:
    button = QToolButton()
    button.setAccessibleName(name)
    button.setToolTip(name)
    button.setIcon(icons.round_icon(glyph, fill, INK, BUTTON))
    button.setIconSize(QSize(BUTTON, BUTTON))
    button.setAutoRaise(True)
    button.setCursor(Qt.CursorShape.PointingHandCursor)
    return button


class CallWindow(QWidget):
    mute_toggled = Signal(bool)  # muted
    camera_toggled = Signal(bool)  # on
    hang_up_requested = Signal()
    device_chosen = Signal(str, str)  # DeviceKind, device key ("" for the system default)

    def __init__(
        self,
        session: AccountSession,
        peer: str,
        chosen_device: Callable[[DeviceKind], str],
    ) -> None:
        """``chosen_device(kind)`` is the key of the device in use, for the picker's tick."""
        super().__init__(None, Qt.WindowType.Window)
        self._chosen_device = chosen_device
        self._closing = False
        name = session.name_of(peer)
        self.setPalette(dark_palette())
        self.setAutoFillBackground(True)
        self.setWindowTitle(f"Call with {name} — Messenger")
        self.resize(860, 600)
        self.setMinimumSize(420, 340)

        # --- who and how it goes ---------------------------------------------------------
        self.name_label = QLabel(name)
        self.name_label.setTextFormat(Qt.TextFormat.PlainText)
        font = self.name_label.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.name_label.setFont(font)
        self.status_label = QLabel()
        self.status_label.setAccessibleName("Call status")
        self.quality = QualityBars()
        self.quality.hide()  # until there is a connection to measure
        top = QHBoxLayout()
        top.setContentsMargins(16, 10, 16, 6)
        top.addWidget(self.name_label)
        top.addSpacing(10)
        top.addWidget(self.status_label, 1)
        top.addWidget(self.quality)

        # --- the pictures -----------------------------------------------------------------
        self.stage = QWidget()
        self.remote_view = VideoWidget(self.stage)
        self.remote_view.setAccessibleName(f"Video of {name}")
        self.remote_view.set_placeholder(
            avatar_pixmap(session, peer, 128, self.devicePixelRatio()), ""
        )
        self.self_view = VideoWidget(self.stage, mirrored=True, framed=True)
        self.self_view.setAccessibleName("Your video")
        self.self_view.set_placeholder(None, "Starting the camera…")
        self.self_view.hide()
        self.stage.installEventFilter(self)
        self.remote_view.installEventFilter(self)

        # --- controls ----------------------------------------------------------------------
        # Switches drawn by their icon (inverted when off), not by a pressed-in frame.
        self.muted = False
        self.camera_on = False
        self.mute_button = control_button("Mute the microphone", icons.microphone)
        self.mute_button.clicked.connect(lambda: self._on_mute(not self.muted))
        self.camera_button = control_button("Turn the camera on", icons.crossed(icons.camera))
        self.camera_button.clicked.connect(lambda: self._on_camera(not self.camera_on))
        self._paint_camera(False)
        self.devices_button = control_button("Choose devices", icons.devices)
        self.devices_menu = QMenu(self)
        self.devices_menu.aboutToShow.connect(self._fill_devices_menu)
        self.devices_button.setMenu(self.devices_menu)
        self.devices_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.full_screen_button = control_button("Full screen (F11)", icons.full_screen)
        self.full_screen_button.clicked.connect(self.toggle_full_screen)
        self.hang_up_button = control_button("Hang up", icons.hang_up, icons.HANG_UP)
        self.hang_up_button.clicked.connect(self.hang_up_requested)
        controls = QHBoxLayout()
        controls.setContentsMargins(16, 8, 16, 14)
        controls.setSpacing(14)
        controls.addStretch(1)
        for button in (
            self.mute_button,
            self.camera_button,
            self.devices_button,
            self.full_screen_button,
        ):
            controls.addWidget(button)
        controls.addSpacing(18)
        controls.addWidget(self.hang_up_button)
        controls.addStretch(1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(top)
        layout.addWidget(self.stage, 1)
        layout.addLayout(controls)

        QShortcut(QKeySequence(Qt.Key.Key_F11), self, self.toggle_full_screen)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self._leave_full_screen)
        QShortcut(QKeySequence("Ctrl+D"), self, self.mute_button.click)
        QShortcut(QKeySequence("Ctrl+E"), self, self.camera_button.click)

    # --- what the call shows ------------------------------------------------------------

    def show_status(self, text: str) -> None:
        """The state in words ("Ringing…"), the duration ("3:07"), or how the call ended."""
        self.status_label.setText(text)

    def show_quality(self, level: int, details: str) -> None:
        self.quality.show()
        self.quality.set_quality(level, details)

    def set_muted(self, muted: bool) -> None:
        """Show the microphone as muted or not (without asking the call again)."""
        if muted != self.muted:
            self.muted = muted
            self._paint_mute(muted)

    def set_camera(self, on: bool) -> None:
        """Show the camera as on (with the self view) or off."""
        if on == self.camera_on:
            return
        self.camera_on = on
        self._paint_camera(on)
        self.self_view.setVisible(on)
        if not on:
            self.self_view.clear()

    def set_remote_caption(self, caption: str) -> None:
        """What the remote picture says while it shows no video ("Camera off", ...)."""
        self.remote_view.set_caption(caption)

    def ended(self, text: str) -> None:
        """The call is over: say how, and take the controls away."""
        self.show_status(text)
        self.quality.hide()
        for button in (self.mute_button, self.camera_button, self.devices_button):
            button.setEnabled(False)
        self.hang_up_button.setEnabled(False)
        self.remote_view.clear()
        self.self_view.hide()

    def close_now(self) -> None:
        """Close without asking to hang up (the call is already over)."""
        self._closing = True
        self.close()

    # --- full screen --------------------------------------------------------------------

    def toggle_full_screen(self) -> None:
        if self.isFullScreen():
            self._leave_full_screen()
        else:
            self.showFullScreen()
            self.full_screen_button.setIcon(
                icons.round_icon(icons.leave_full_screen, NEUTRAL, INK, BUTTON)
            )
            self.full_screen_button.setToolTip("Leave full screen (F11 or Esc)")

    def _leave_full_screen(self) -> None:
        if self.isFullScreen():
            self.showNormal()
            self.full_screen_button.setIcon(
                icons.round_icon(icons.full_screen, NEUTRAL, INK, BUTTON)
            )
            self.full_screen_button.setToolTip("Full screen (F11)")

    # --- internals ----------------------------------------------------------------------

    def _on_mute(self, muted: bool) -> None:
        self.set_muted(muted)
        self.mute_toggled.emit(muted)

    def _on_camera(self, on: bool) -> None:
        self.set_camera(on)
        self.camera_toggled.emit(on)

    def _paint_mute(self, muted: bool) -> None:
        glyph: icons.Glyph
        if muted:
            glyph, fill, ink, tip = icons.crossed(icons.microphone), TOGGLED, NEUTRAL, "Unmute"
        else:
            glyph, fill, ink, tip = icons.microphone, NEUTRAL, INK, "Mute the microphone"
        self.mute_button.setIcon(icons.round_icon(glyph, fill, ink, BUTTON))
        self.mute_button.setToolTip(f"{tip} (Ctrl+D)")
        self.mute_button.setAccessibleName(tip)

    def _paint_camera(self, on: bool) -> None:
        glyph: icons.Glyph
        if on:
            glyph, fill, ink, tip = icons.camera, NEUTRAL, INK, "Turn the camera off"
        else:
            glyph, fill, ink, tip = (
                icons.crossed(icons.camera),
                TOGGLED,
                NEUTRAL,
                "Turn the camera on",
            )
        self.camera_button.setIcon(icons.round_icon(glyph, fill, ink, BUTTON))
        self.camera_button.setToolTip(f"{tip} (Ctrl+E)")
        self.camera_button.setAccessibleName(tip)

    def _fill_devices_menu(self) -> None:
        """Listed afresh each time: a headset plugged in a moment ago is offered at once."""
        self.devices_menu.clear()
        for kind, title in DEVICE_MENUS:
            submenu = self.devices_menu.addMenu(title)
            current = self._chosen_device(kind)
            for device in choices(kind):
                action = QAction(device.label, submenu)
                action.setCheckable(True)
                action.setChecked(device.key == current)
                action.triggered.connect(
                    lambda _checked=False, k=kind, key=device.key: self.device_chosen.emit(k, key)
                )
                submenu.addAction(action)

    def _place_self_view(self) -> None:
        stage = self.stage.rect()
        self.remote_view.setGeometry(stage)
        width = max(120, int(stage.width() * SELF_VIEW_FRACTION))
        height = width * 3 // 4
        self.self_view.setGeometry(
            stage.right() - width - SELF_VIEW_MARGIN,
            stage.bottom() - height - SELF_VIEW_MARGIN,
            width,
            height,
        )
        self.self_view.raise_()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.stage and event.type() == QEvent.Type.Resize:
            self._place_self_view()
        elif watched is self.remote_view and event.type() == QEvent.Type.MouseButtonDblClick:
            self.toggle_full_screen()
            return True
        return super().eventFilter(watched, event)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._closing:
            self.hang_up_requested.emit()  # closing the window ends the call
        super().closeEvent(event)
