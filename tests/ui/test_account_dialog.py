"""The account window against a real server: profile, password, devices, sign out."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

from PySide6.QtGui import QImage
from PySide6.QtWidgets import QTreeWidgetItem
from pytestqt.qtbot import QtBot

from messenger.protocol.limits import MAX_AVATAR_BYTES
from messenger.protocol.profiles import avatar_format
from messenger.ui.account_dialog import AccountDialog
from messenger.ui.session import AccountSession
from tests.clientkit import PASSWORD, eventually, make_client
from tests.ui.conftest import SessionFactory


def _dialog(qtbot: QtBot, session: AccountSession) -> AccountDialog:
    dialog = AccountDialog(session)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def _device_rows(dialog: AccountDialog) -> list[str]:
    return [_device(dialog, i).text(0) for i in range(dialog.devices.topLevelItemCount())]


def _device(dialog: AccountDialog, row: int) -> QTreeWidgetItem:
    item = dialog.devices.topLevelItem(row)
    assert item is not None
    return item


async def test_new_display_name_reaches_contacts(
    qtbot: QtBot, sessions: SessionFactory, name: Callable[[str], str]
) -> None:
    """Saving a display name shows it in a contact's list, and says it was saved."""
    alice = await sessions(name("alice"))
    bob = await sessions(name("bob"), contacts=(alice,))
    dialog = _dialog(qtbot, alice)
    dialog.display_name.setText("  Alice Liddell ")
    task = dialog.save()
    assert task is not None
    await task
    assert dialog.profile_message.text() == "Your profile is saved."
    assert dialog.display_name.text() == "Alice Liddell"
    await eventually(lambda: bob.name_of(alice.username) == "Alice Liddell")


async def test_picture_is_scaled_to_fit_and_reaches_contacts(
    qtbot: QtBot, sessions: SessionFactory, name: Callable[[str], str], tmp_path: Path
) -> None:
    """A large noisy photo becomes a small square picture the server accepts; removing it works."""
    alice = await sessions(name("alice"))
    bob = await sessions(name("bob"), contacts=(alice,))
    noise = random.Random(7).randbytes(900 * 600 * 3)  # compresses badly, like a photo
    photo = QImage(noise, 900, 600, 900 * 3, QImage.Format.Format_RGB888).copy()
    path = tmp_path / "photo.png"
    assert photo.save(str(path))

    dialog = _dialog(qtbot, alice)
    assert dialog.avatar_preview.text() == "No picture"
    dialog.load_picture(str(path))
    assert dialog.avatar_preview.pixmap().width() == 128
    task = dialog.save()
    assert task is not None
    await task
    assert dialog.profile_message.text() == "Your profile is saved."

    def bobs_copy() -> bytes | None:
        return bob.cached_avatar(alice.username)

    await eventually(lambda: bobs_copy() is not None)
    picture = bobs_copy()
    assert picture is not None and len(picture) <= MAX_AVATAR_BYTES
    assert avatar_format(picture) in ("png", "jpeg")
    assert QImage.fromData(picture).size().width() == 128

    dialog.remove_picture.click()
    task = dialog.save()
    assert task is not None
    await task
    await eventually(lambda: bobs_copy() is None and bob.roster.get(alice.username) is not None)
    contact = bob.roster.get(alice.username)
    assert contact is not None and contact.avatar_hash is None


async def test_not_a_picture_is_refused_inline(
    qtbot: QtBot, sessions: SessionFactory, name: Callable[[str], str], tmp_path: Path
) -> None:
    """Choosing a file that is not a picture says so and changes nothing."""
    alice = await sessions(name("alice"))
    dialog = _dialog(qtbot, alice)
    path = tmp_path / "notes.png"
    path.write_text("just text")
    dialog.load_picture(str(path))
    assert "could not be read as a picture" in dialog.profile_message.text()
    assert dialog.profile_message.kind == "error"
    assert dialog.avatar_preview.text() == "No picture"


async def test_wrong_current_password_shows_the_servers_error(
    qtbot: QtBot, sessions: SessionFactory, name: Callable[[str], str]
) -> None:
    """A wrong current password is refused by the server, and its reason is shown in the tab."""
    alice = await sessions(name("alice"))
    dialog = _dialog(qtbot, alice)
    dialog.old_password.edit.setText("not my password")
    dialog.new_password.edit.setText("a brand new password")
    dialog.repeat_password.edit.setText("a brand new password")
    task = dialog.submit_password()
    assert task is not None
    await task
    assert dialog.password_message.text() == "The current password is wrong."
    assert dialog.password_message.kind == "error"
    assert dialog.new_password.text() == "a brand new password"  # nothing typed is lost

    dialog.repeat_password.edit.setText("a different one!")
    assert dialog.submit_password() is None
    assert "do not match" in dialog.password_message.text()

    dialog.old_password.edit.setText(PASSWORD)
    dialog.repeat_password.edit.setText("a brand new password")
    task = dialog.submit_password()
    assert task is not None
    await task
    assert dialog.password_message.text().startswith("Your password is changed.")
    assert dialog.old_password.text() == ""


async def test_devices_lists_each_sign_in_and_signs_out_the_others(
    qtbot: QtBot, sessions: SessionFactory, name: Callable[[str], str], tmp_path: Path
) -> None:
    """Signed in twice, the Devices tab lists two; 'sign out all other devices' leaves this one."""
    alice = await sessions(name("alice"))
    laptop = make_client(alice.client.url, alice.username, tmp_path / "laptop", device="Laptop")
    try:
        await laptop.login(PASSWORD)
        dialog = _dialog(qtbot, alice)
        await dialog.refresh_devices()
        rows = _device_rows(dialog)
        assert len(rows) == 2
        assert rows[0].endswith("(this device)") and rows[1] == "Laptop"
        assert dialog.revoke_others.isEnabled()

        dialog.devices.setCurrentItem(_device(dialog, 0))
        assert not dialog.revoke_selected.isEnabled()  # this device signs out with "Sign out"
        dialog.devices.setCurrentItem(_device(dialog, 1))
        assert dialog.revoke_selected.isEnabled()

        await dialog.sign_out_others()
        assert len(_device_rows(dialog)) == 1
        assert not dialog.revoke_others.isEnabled()
        await eventually(lambda: laptop.failure is not None)
    finally:
        await laptop.close()
        laptop.store.close()


async def test_sign_out_asks_first(
    qtbot: QtBot, sessions: SessionFactory, name: Callable[[str], str]
) -> None:
    """Sign out asks first: Cancel keeps the account, confirming asks the app to sign out."""
    alice = await sessions(name("alice"))
    dialog = _dialog(qtbot, alice)
    requested: list[bool] = []
    dialog.sign_out_requested.connect(lambda: requested.append(True))

    dialog.sign_out.click()
    box = dialog.confirm_box
    assert box is not None and box.isVisible()
    box.button(box.StandardButton.Cancel).click()
    assert requested == [] and dialog.isVisible()

    dialog.sign_out.click()
    box = dialog.confirm_box
    assert box is not None
    confirm = next(b for b in box.buttons() if b.text() == "Sign out")
    confirm.click()
    assert requested == [True] and not dialog.isVisible()
