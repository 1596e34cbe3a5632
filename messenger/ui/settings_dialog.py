"""The settings window: edits a copy of the preferences and hands back the result.

The dialog never saves or applies anything itself; ``applied`` carries a new
``Preferences`` and the app saves it and applies it (theme, tray, auto-away),
so there is one place where settings take effect. The one action it runs is
"Test my connection", through the coroutine the account's call controller gives it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

import msgspec
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from messenger.account.preferences import Preferences
from messenger.ui import theme
from messenger.ui.media import devices
from messenger.ui.theme import InlineMessage, hint_label

# Runs "Test my connection": the result in plain words, one check per line.
ConnectionTest = Callable[[], Coroutine[Any, Any, str]]


def _page(*rows: QWidget | tuple[str, QWidget]) -> QWidget:
    page = QWidget()
    form = QFormLayout(page)
    # Only combo boxes grow; a spin box as wide as the window looks like a text field.
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
    for row in rows:
        if isinstance(row, tuple):
            form.addRow(row[0], row[1])
        else:
            form.addRow(row)
    return page


def _indented(widget: QWidget) -> QWidget:
    """A control that belongs to the one above it, shifted right to say so."""
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(24, 0, 0, 0)
    layout.addWidget(widget)
    box.setFocusProxy(widget)
    return box


class DeviceChoice(QWidget):
    """A "System default" + devices + synthetic device combo box, and a note when no
    hardware is found."""

    def __init__(
        self,
        accessible_name: str,
        hardware: list[devices.Device],
        synthetic: list[devices.Device],
        chosen: str,
        none_found: str,
    ) -> None:
        super().__init__()
        self.combo = QComboBox()
        self.combo.setAccessibleName(accessible_name)
        self.combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.combo.addItem(devices.DEFAULT_LABEL, "")
        for device in [*hardware, *synthetic]:
            self.combo.addItem(device.label, device.key)
        if chosen and self.combo.findData(chosen) < 0:
            # Keep a choice whose device is unplugged now; it works again when it returns.
            self.combo.addItem("Previously chosen device (not connected)", chosen)
        self.combo.setCurrentIndex(max(0, self.combo.findData(chosen)))
        self.note = hint_label(none_found)
        self.note.setVisible(not hardware)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.combo)
        layout.addWidget(self.note)
        self.setFocusProxy(self.combo)

    def value(self) -> str:
        return str(self.combo.currentData())


class SettingsDialog(QDialog):
    """Notifications, presence, appearance, audio and video devices, and the local server."""

    applied = Signal(object)  # Preferences

    def __init__(
        self,
        prefs: Preferences,
        parent: QWidget | None = None,
        *,
        connection_test: ConnectionTest | None = None,
    ) -> None:
        """``connection_test`` runs "Test my connection" (absent: the button is not shown)."""
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self._prefs = prefs
        self._connection_test = connection_test
        self._test_task: asyncio.Task[None] | None = None

        # --- notifications -------------------------------------------------------------
        self.notifications = QCheckBox("Show a notification for new messages")
        self.preview = QCheckBox("Include the message text")
        self.preview.setToolTip("Off: notifications say who wrote, not what")
        self.sound = QCheckBox("Play a sound")
        notifications = _page(
            self.notifications,
            _indented(self.preview),
            _indented(self.sound),
            hint_label("Nothing is shown or played while your status is Busy."),
        )

        # --- presence -------------------------------------------------------------------
        self.auto_away = QCheckBox("Set my status to Away when I am not at the computer")
        self.away_minutes = QSpinBox()
        self.away_minutes.setRange(1, 240)
        self.away_minutes.setSuffix(" min")
        self.away_minutes.setAccessibleName("Minutes before Away")
        self.away_minutes.setToolTip("Idle time before your status turns Away")
        presence = _page(
            self.auto_away,
            ("A&fter:", self.away_minutes),
            hint_label("Your status returns to Available as soon as you are back."),
        )

        # --- appearance -----------------------------------------------------------------
        self.theme = QComboBox()
        for key in theme.THEMES:
            self.theme.addItem(theme.LABELS[key], key)
        self.theme.setAccessibleName("Theme")
        self.start_minimized = QCheckBox("Start minimized to the tray")
        self.close_to_tray = QCheckBox("Closing the window keeps the app running in the tray")
        self.start_on_login = QCheckBox("Start Messenger when I log in")
        appearance = _page(
            ("&Theme:", self.theme),
            self.start_minimized,
            self.close_to_tray,
            self.start_on_login,
        )

        # --- calls: devices, echo, connection -------------------------------------------
        self.microphone = DeviceChoice(
            "Microphone",
            devices.hardware("microphone"),
            devices.synthetic("microphone"),
            prefs.audio_input,
            "No microphone found: calls send a test tone instead.",
        )
        self.speaker = DeviceChoice(
            "Speaker",
            devices.hardware("speaker"),
            [],
            prefs.audio_output,
            "No speaker found: calls are silent here.",
        )
        self.camera = DeviceChoice(
            "Camera",
            devices.hardware("camera"),
            devices.synthetic("camera"),
            prefs.camera,
            "No camera found: video calls send a test pattern instead.",
        )
        self.echo_cancellation = QCheckBox("Cancel echo and background noise")
        self.echo_cancellation.setToolTip(
            "Keeps the other person from hearing themselves when you use speakers, not a headset"
        )
        calls_rows: list[QWidget | tuple[str, QWidget]] = [
            ("&Microphone:", self.microphone),
            ("&Speaker:", self.speaker),
            ("&Camera:", self.camera),
            hint_label("System default follows the device chosen in your system."),
            self.echo_cancellation,
        ]
        self.test_button = QPushButton("&Test my connection")
        self.test_button.setToolTip(
            "Check that the call servers (STUN and TURN) can be reached from this network"
        )
        self.test_result = InlineMessage()
        self.test_result.setAccessibleName("Connection test result")
        if connection_test is not None:
            self.test_button.clicked.connect(self._test_connection)
            test_row = QWidget()
            row = QHBoxLayout(test_row)
            row.setContentsMargins(0, 8, 0, 0)
            row.addWidget(self.test_button)
            row.addStretch(1)
            calls_rows += [test_row, self.test_result]
        calls = _page(*calls_rows)

        # --- server ---------------------------------------------------------------------
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setAccessibleName("Port of the server on this computer")
        self.port.setToolTip("Others on your network connect to this port")
        server = _page(
            ("&Port:", self.port),
            hint_label(
                "The port the server on this computer listens on, when you chose to run one."
                " A change takes effect the next time the app starts."
            ),
        )

        self.pages = QTabWidget()
        self.pages.addTab(notifications, "&Notifications")
        self.pages.addTab(presence, "P&resence")
        self.pages.addTab(appearance, "&Appearance")
        self.pages.addTab(calls, "&Calls")
        self.pages.addTab(server, "Ser&ver")
        self.pages.setAccessibleName("Settings pages")

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok
            | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.Apply
        )
        self.apply_button = self.buttons.button(QDialogButtonBox.StandardButton.Apply)
        self.buttons.accepted.connect(self._ok)
        self.buttons.rejected.connect(self.reject)
        self.apply_button.clicked.connect(self._apply)

        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(520)

        for box in (self.notifications, self.preview, self.sound, self.auto_away):
            box.setAccessibleName(box.text())
        for box in (
            self.start_minimized,
            self.close_to_tray,
            self.start_on_login,
            self.echo_cancellation,
        ):
            box.setAccessibleName(box.text())
        self._load(prefs)
        for box in (
            self.notifications,
            self.preview,
            self.sound,
            self.auto_away,
            self.start_minimized,
            self.close_to_tray,
            self.start_on_login,
            self.echo_cancellation,
        ):
            box.toggled.connect(self._changed)
        for spin in (self.away_minutes, self.port):
            spin.valueChanged.connect(self._changed)
        for combo in (self.theme, self.microphone.combo, self.speaker.combo, self.camera.combo):
            combo.currentIndexChanged.connect(self._changed)
        self._changed()

    def _load(self, prefs: Preferences) -> None:
        self.notifications.setChecked(prefs.notifications)
        self.preview.setChecked(prefs.notification_preview)
        self.sound.setChecked(prefs.notification_sound)
        self.auto_away.setChecked(prefs.auto_away)
        self.away_minutes.setValue(prefs.auto_away_minutes)
        self.theme.setCurrentIndex(max(0, self.theme.findData(prefs.theme)))
        self.start_minimized.setChecked(prefs.start_minimized)
        self.close_to_tray.setChecked(prefs.close_to_tray)
        self.start_on_login.setChecked(prefs.start_on_login)
        self.port.setValue(prefs.embedded_port)
        self.echo_cancellation.setChecked(prefs.echo_cancellation)

    def preferences(self) -> Preferences:
        """The preferences as the form shows them now."""
        return msgspec.structs.replace(
            self._prefs,
            notifications=self.notifications.isChecked(),
            notification_preview=self.preview.isChecked(),
            notification_sound=self.sound.isChecked(),
            auto_away=self.auto_away.isChecked(),
            auto_away_minutes=self.away_minutes.value(),
            theme=self.theme.currentData(),
            start_minimized=self.start_minimized.isChecked(),
            close_to_tray=self.close_to_tray.isChecked(),
            start_on_login=self.start_on_login.isChecked(),
            audio_input=self.microphone.value(),
            audio_output=self.speaker.value(),
            camera=self.camera.value(),
            echo_cancellation=self.echo_cancellation.isChecked(),
            embedded_port=self.port.value(),
        )

    def _changed(self) -> None:
        on = self.notifications.isChecked()
        self.preview.setEnabled(on)
        self.sound.setEnabled(on)
        self.away_minutes.setEnabled(self.auto_away.isChecked())
        self.apply_button.setEnabled(self.preferences() != self._prefs)

    def _apply(self) -> None:
        prefs = self.preferences()
        if prefs != self._prefs:
            self._prefs = prefs
            self.applied.emit(prefs)
        self._changed()

    def _ok(self) -> None:
        self._apply()
        self.accept()

    # --- "Test my connection" -----------------------------------------------------------

    def _test_connection(self) -> None:
        assert self._connection_test is not None
        self.test_button.setEnabled(False)
        self.test_result.show_info("Testing… this takes up to a few seconds.")
        self._test_task = asyncio.ensure_future(self._run_test(self._connection_test))

    async def _run_test(self, test: ConnectionTest) -> None:
        try:
            self.test_result.show_info(await test())
        except Exception as exc:
            # Whatever went wrong, the dialog says it and stays usable.
            self.test_result.show_error(f"The test could not run: {exc}")
        finally:
            self.test_button.setEnabled(True)

    def done(self, result: int) -> None:
        if self._test_task is not None:
            self._test_task.cancel()  # a test still running has no one left to tell
        super().done(result)
