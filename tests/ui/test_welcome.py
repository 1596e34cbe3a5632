"""The welcome screen and the certificate question: what they accept, refuse and report."""

from __future__ import annotations

import asyncio

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from messenger.account.preferences import Preferences
from messenger.ui.fingerprint_dialog import FingerprintDialog, grouped_fingerprint
from messenger.ui.welcome import SignInRequest, WelcomeDialog, parse_server_url
from tests.clientkit import eventually


def _dialog(
    qtbot: QtBot, prefs: Preferences | None = None, problem: str | None = None
) -> tuple[WelcomeDialog, list[SignInRequest]]:
    dialog = WelcomeDialog(prefs or Preferences(), problem)
    qtbot.addWidget(dialog)
    dialog.show()
    sent: list[SignInRequest] = []
    dialog.submitted.connect(sent.append)
    return dialog, sent


def _fill(dialog: WelcomeDialog, username: str, password: str, repeat: str | None = None) -> None:
    dialog.username.setText(username)
    dialog.password.edit.setText(password)
    dialog.repeat.edit.setText(password if repeat is None else repeat)


@pytest.mark.parametrize(
    ("typed", "url"),
    [
        ("chat.example.org:8765", "wss://chat.example.org:8765/ws"),
        ("chat.example.org", "wss://chat.example.org/ws"),
        ("ws://192.168.1.20:8765", "ws://192.168.1.20:8765/ws"),
        (" wss://Chat.Example.org/custom ", "wss://chat.example.org/custom"),
        ("[::1]:8765", "wss://[::1]:8765/ws"),
    ],
)
def test_server_addresses_people_type_become_websocket_urls(typed: str, url: str) -> None:
    """host:port shorthand means wss://host:port/ws; a full ws(s):// URL keeps its path."""
    assert parse_server_url(typed) == url


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("", "Enter the server"),
        ("https://chat.example.org", "wss://"),
        ("ftp://chat.example.org", "ws:// or wss://"),
        ("chat.example.org:99999", "port"),
        ("chat example.org", "spaces"),
        ("bad_host!:80", "not a valid"),
        ("wss://:8765/ws", "server name"),
    ],
)
def test_bad_server_addresses_are_explained(typed: str, says: str) -> None:
    """A server address that cannot work gets a sentence saying what to fix."""
    with pytest.raises(ValueError, match=says):
        parse_server_url(typed)


def test_a_newcomer_gets_the_embedded_server_and_create_account(qtbot: QtBot) -> None:
    """Nothing configured: the embedded server is chosen and the form creates an account."""
    dialog, sent = _dialog(qtbot)
    assert dialog.embedded.isChecked() and not dialog.url.isEnabled()
    assert dialog.is_create() and dialog.repeat.isVisible()
    _fill(dialog, "Alice", "correct horse")
    qtbot.keyClick(dialog.password.edit, Qt.Key.Key_Return)
    assert sent == [
        SignInRequest(
            mode="embedded",
            url="",
            username="alice",
            password="correct horse",
            create=True,
            remember=True,
        )
    ]


def test_a_returning_user_signs_in_to_the_remembered_server(qtbot: QtBot) -> None:
    """Saved settings pre-fill the server and username; signing in asks for the password once."""
    prefs = Preferences(
        server_mode="remote",
        server_url="wss://chat.example.org/ws",
        last_username="bob",
        remember=False,
    )
    dialog, sent = _dialog(qtbot, prefs)
    assert not dialog.is_create() and not dialog.repeat.isVisible()
    assert dialog.url.text() == "wss://chat.example.org/ws" and dialog.username.text() == "bob"
    dialog.password.edit.setText("whatever1")
    dialog.url.setText("chat.example.org:9000")
    dialog.submit.click()
    assert sent == [
        SignInRequest(
            mode="remote",
            url="wss://chat.example.org:9000/ws",
            username="bob",
            password="whatever1",
            create=False,
            remember=False,
        )
    ]


def test_bad_input_shows_inline_errors_and_sends_nothing(qtbot: QtBot) -> None:
    """A bad URL, a bad username, a short or mismatched new password: each says why, none sent."""
    dialog, sent = _dialog(qtbot)
    dialog.remote.setChecked(True)
    dialog.url.setText("http://chat.example.org")
    _fill(dialog, "a!", "short")
    dialog.submit.click()
    assert "wss://" in dialog.url_error.text() and dialog.url_error.isVisible()
    assert "3 to 32 characters" in dialog.username_error.text()
    assert "at least 8 characters" in dialog.password_error.text()

    dialog.url.setText("chat.example.org")
    _fill(dialog, "carol", "long enough", repeat="long enougH")
    dialog.submit.click()
    assert not dialog.url_error.isVisible() and not dialog.username_error.isVisible()
    assert "do not match" in dialog.password_error.text()
    assert sent == []

    dialog.repeat.edit.setText("long enough")
    dialog.submit.click()
    assert [r.username for r in sent] == ["carol"]


def test_no_keyring_means_no_remember_me_and_says_so(qtbot: QtBot) -> None:
    """Without a working keyring the screen says the password can't be saved and never remembers."""
    dialog, sent = _dialog(qtbot, Preferences(remember=True), problem="no keyring backend found")
    assert dialog.keyring_note.isVisible()
    assert "can't be saved: no keyring backend found" in dialog.keyring_note.text()
    assert not dialog.remember.isEnabled() and not dialog.remember.isChecked()
    _fill(dialog, "dave", "long enough")
    dialog.submit.click()
    assert sent[0].remember is False


def test_busy_locks_the_form_and_errors_unlock_it(qtbot: QtBot) -> None:
    """While signing in nothing can be sent twice; a failure is shown and the form works again."""
    dialog, sent = _dialog(qtbot, Preferences(last_username="erin"))
    dialog.password.edit.setText("whatever1")
    dialog.set_busy(True)
    assert dialog.progress.isVisible() and not dialog.username.isEnabled()
    qtbot.keyClick(dialog, Qt.Key.Key_Return)
    assert sent == []
    dialog.show_error("The username or password is wrong.")
    assert dialog.error.text() == "The username or password is wrong."
    assert dialog.error.kind == "error" and not dialog.progress.isVisible()
    assert dialog.password.edit.text() == "whatever1"
    dialog.submit.click()
    assert len(sent) == 1


def test_password_can_be_shown_and_hidden(qtbot: QtBot) -> None:
    """The Show toggle reveals the typed password and hides it again."""
    dialog, _ = _dialog(qtbot)
    assert dialog.password.edit.echoMode() == dialog.password.edit.EchoMode.Password
    dialog.password.toggle.click()
    assert dialog.password.edit.echoMode() == dialog.password.edit.EchoMode.Normal
    assert dialog.password.toggle.text() == "Hide"
    dialog.password.toggle.click()
    assert dialog.password.edit.echoMode() == dialog.password.edit.EchoMode.Password


FINGERPRINT = ":".join(f"{i * 7 % 256:02X}" for i in range(32))


def test_fingerprint_is_grouped_for_reading_aloud() -> None:
    """The SHA-256 shows as four lines of four 4-digit groups."""
    assert grouped_fingerprint(FINGERPRINT.lower()).split("\n") == [
        "0007 0E15 1C23 2A31",
        "383F 464D 545B 6269",
        "7077 7E85 8C93 9AA1",
        "A8AF B6BD C4CB D2D9",
    ]


def test_changed_certificate_defaults_to_not_connecting(qtbot: QtBot) -> None:
    """A new server's certificate defaults to trust; a changed one warns and defaults to Cancel."""
    first = FingerprintDialog("192.168.1.20:8765", FINGERPRINT, changed=False)
    qtbot.addWidget(first)
    assert first.trust.isDefault() and not first.cancel.isDefault()
    changed = FingerprintDialog("192.168.1.20:8765", FINGERPRINT, changed=True)
    qtbot.addWidget(changed)
    assert changed.cancel.isDefault() and not changed.trust.isDefault()
    assert "showing a different certificate" in changed.heading.text()
    assert "intercepting" in changed.explanation.text()


async def test_asking_returns_the_answer(qtbot: QtBot) -> None:
    """``ask`` waits for the user: Enter on a new server trusts it; Escape does not."""
    for key, answer in ((Qt.Key.Key_Return, True), (Qt.Key.Key_Escape, False)):
        asking = asyncio.ensure_future(FingerprintDialog.ask("lan-box:8765", FINGERPRINT, False))
        await eventually(lambda: isinstance(QApplication.activeModalWidget(), FingerprintDialog))
        dialog = QApplication.activeModalWidget()
        assert dialog is not None
        qtbot.keyClick(dialog, key)
        assert await asking is answer
