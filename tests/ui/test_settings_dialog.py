"""The settings window hands back edited preferences; the theme it picks colours every window."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QWidget
from pytestqt.qtbot import QtBot

from messenger.account.preferences import Preferences
from messenger.ui.media import devices
from messenger.ui.settings_dialog import SettingsDialog
from messenger.ui.theme import apply_theme
from tests.clientkit import eventually


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
    dialog.start_on_login.setChecked(True)
    assert dialog.apply_button.isEnabled()
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert len(applied) == 1
    after = applied[0]
    assert (after.theme, after.auto_away_minutes, after.notification_preview) == ("dark", 15, False)
    assert after.start_on_login
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
    """A camera chosen earlier but not connected now stays chosen; missing devices are named;
    the test tone and pattern are offered like devices."""
    dialog, applied = _dialog(qtbot, Preferences(camera="0a1b2c"))
    assert dialog.camera.combo.currentText() == "Previously chosen device (not connected)"
    microphones = [
        dialog.microphone.combo.itemText(i) for i in range(dialog.microphone.combo.count())
    ]
    assert microphones[0] == "System default" and microphones[-1] == "Test tone"
    if not devices.hardware("microphone"):
        assert dialog.microphone.note.text() == (
            "No microphone found: calls send a test tone instead."
        )
    dialog.port.setValue(9000)
    dialog.echo_cancellation.setChecked(False)
    dialog.microphone.combo.setCurrentIndex(dialog.microphone.combo.findData(devices.TONE_KEY))
    dialog.apply_button.click()
    after = applied[0]
    assert (after.camera, after.embedded_port, after.echo_cancellation) == ("0a1b2c", 9000, False)
    assert after.audio_input == devices.TONE_KEY


async def test_connection_test_reports_in_words(qtbot: QtBot) -> None:
    """ "Test my connection" shows what the test found; a test that breaks says so and the
    button works again; without a test to run there is no button."""
    results = ["No STUN or TURN server configured.", RuntimeError("the server went away")]

    async def run_test() -> str:
        result = results.pop(0)
        if isinstance(result, Exception):
            raise result
        return result

    dialog = SettingsDialog(Preferences(), connection_test=run_test)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.test_button.click()
    await eventually(lambda: dialog.test_button.isEnabled())
    assert dialog.test_result.text() == "No STUN or TURN server configured."
    dialog.test_button.click()
    await eventually(lambda: dialog.test_result.kind == "error")
    assert dialog.test_result.text() == "The test could not run: the server went away"
    assert dialog.test_button.isEnabled()

    plain, _ = _dialog(qtbot, Preferences())
    assert not plain.test_button.isVisibleTo(plain)


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
