"""The settings window hands back edited preferences; the theme it picks colours every window."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QWidget
from pytestqt.qtbot import QtBot

from messenger.account.preferences import Preferences
from messenger.ui.settings_dialog import SettingsDialog
from messenger.ui.theme import apply_theme


def _dialog(qtbot: QtBot, prefs: Preferences) -> tuple[SettingsDialog, list[Preferences]]:
    dialog = SettingsDialog(prefs)
    qtbot.addWidget(dialog)
    dialog.show()
    applied: list[Preferences] = []
    dialog.applied.connect(applied.append)
    return dialog, applied


def test_changes_come_back_as_new_preferences(qtbot: QtBot) -> None:
    """Picking the dark theme and 15 idle minutes, then OK, hands back exactly those changes."""
    before = Preferences(server_url="wss://chat.example.org/ws", last_username="alice")
    dialog, applied = _dialog(qtbot, before)
    assert not dialog.apply_button.isEnabled()  # nothing changed yet
    dialog.theme.setCurrentIndex(dialog.theme.findData("dark"))
    dialog.away_minutes.setValue(15)
    dialog.preview.setChecked(False)
    assert dialog.apply_button.isEnabled()
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert len(applied) == 1
    after = applied[0]
    assert (after.theme, after.auto_away_minutes, after.notification_preview) == ("dark", 15, False)
    # Everything the dialog does not show is carried over untouched.
    assert after.server_url == before.server_url and after.last_username == "alice"
    assert before.theme == "system"  # the caller's copy is not modified
    assert not dialog.isVisible()


def test_apply_keeps_the_window_open_and_cancel_sends_nothing(qtbot: QtBot) -> None:
    """Apply sends the change and stays open; a later Cancel discards what came after."""
    dialog, applied = _dialog(qtbot, Preferences())
    dialog.start_minimized.setChecked(True)
    dialog.apply_button.click()
    assert [p.start_minimized for p in applied] == [True]
    assert dialog.isVisible() and not dialog.apply_button.isEnabled()
    dialog.close_to_tray.setChecked(False)
    dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel).click()
    assert len(applied) == 1 and not dialog.isVisible()


def test_dependent_settings_follow_their_switch(qtbot: QtBot) -> None:
    """Preview and sound are greyed out with notifications off; minutes with auto-away off."""
    dialog, _ = _dialog(qtbot, Preferences(notifications=False, auto_away=False))
    assert not dialog.preview.isEnabled() and not dialog.sound.isEnabled()
    assert not dialog.away_minutes.isEnabled()
    dialog.auto_away.setChecked(True)
    assert dialog.away_minutes.isEnabled()


def test_devices_page_keeps_an_unplugged_choice(qtbot: QtBot) -> None:
    """A camera chosen earlier but not connected now stays chosen; missing devices are named."""
    dialog, applied = _dialog(qtbot, Preferences(camera="0a1b2c"))
    assert dialog.camera.combo.currentText() == "Previously chosen device (not connected)"
    assert dialog.microphone.combo.itemText(0) == "System default"
    if dialog.microphone.combo.count() == 1:
        assert dialog.microphone.note.text() == "No microphone found."
    dialog.port.setValue(9000)
    dialog.apply_button.click()
    assert (applied[0].camera, applied[0].embedded_port) == ("0a1b2c", 9000)


@pytest.fixture
def restore_look(qapp: QApplication) -> Iterator[QApplication]:
    """Theme tests change the whole application; put its look back for the other tests."""
    palette, style = QPalette(qapp.palette()), qapp.style().name()
    yield qapp
    qapp.styleHints().unsetColorScheme()
    qapp.setStyle(style)
    qapp.setPalette(palette)


def test_forced_dark_theme_gives_dark_windows(qtbot: QtBot, restore_look: QApplication) -> None:
    """The dark theme paints windows dark with light text; light turns them back."""
    widget = QWidget()
    qtbot.addWidget(widget)
    apply_theme(restore_look, "dark")
    restore_look.processEvents()  # existing windows hear of the new palette through events
    window = widget.palette().color(QPalette.ColorRole.Window)
    text = widget.palette().color(QPalette.ColorRole.WindowText)
    assert window.lightnessF() < 0.3 and text.lightnessF() > 0.7
    apply_theme(restore_look, "light")
    restore_look.processEvents()
    assert widget.palette().color(QPalette.ColorRole.Window).lightnessF() > 0.7
