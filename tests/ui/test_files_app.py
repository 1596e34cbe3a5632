"""Files between two real accounts through the real server, driven through their chat panels:
a drop on one side, a card, a download and an inline thumbnail on the other."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QDesktopServices, QImage
from pytestqt.qtbot import QtBot

from messenger.ui.chat.panel import ChatPanel
from messenger.ui.contacts.model import ContactListModel, Role
from messenger.ui.files import thumbs
from messenger.ui.main_window import MainWindow
from messenger.ui.search_dialog import SearchDialog
from messenger.ui.session import AccountSession
from tests.clientkit import eventually
from tests.ui.conftest import SessionFactory
from tests.ui.fileskit import Opened, action_point, card_row, cards, drop, file_urls, sha256

pytestmark = pytest.mark.timeout(60)

Name = Callable[[str], str]


@pytest.fixture
def downloads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The user's Downloads folder, as the desktop names it (XDG user dirs), in a temp dir."""
    folder = tmp_path / "Downloads"
    folder.mkdir()
    config = tmp_path / "xdg-config"
    config.mkdir()
    (config / "user-dirs.dirs").write_text(f'XDG_DOWNLOAD_DIR="{folder}"\n')
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    return folder


def open_panel(qtbot: QtBot, session: AccountSession, peer: AccountSession) -> ChatPanel:
    panel = ChatPanel(session)
    qtbot.addWidget(panel)
    panel.resize(640, 720)
    panel.show()
    panel.open_conversation(session.conversation_with(peer.username), peer.username)
    return panel


async def test_dropped_file_reaches_the_peer_who_downloads_and_opens_it(
    sessions: SessionFactory, name: Name, qtbot: QtBot, tmp_path: Path, downloads: Path
) -> None:
    """A file dropped on A's chat shows on B's side as a card with its name and size; B's
    Download puts the same bytes into Downloads, and the card then offers Open."""
    alice = await sessions(name("alice"))
    bob = await sessions(name("bob"), contacts=(alice,))
    a = open_panel(qtbot, alice, bob)
    b = open_panel(qtbot, bob, alice)
    source = tmp_path / "report.txt"
    source.write_bytes(os.urandom(300_000))

    assert drop(a.view.viewport(), file_urls(source))

    await eventually(lambda: [c.name for c in cards(a)] == ["report.txt"])
    await eventually(lambda: [c.name for c in cards(b)] == ["report.txt"], within=20)
    card = cards(b)[0]
    assert card.detail == "300.0 KB · TXT"
    assert card.actions == ("download",)
    await eventually(lambda: cards(a)[0].actions == ("open", "folder"))

    row = card_row(b, "report.txt")
    qtbot.mouseClick(
        b.view.viewport(), Qt.MouseButton.LeftButton, pos=action_point(b, row, "download")
    )

    await eventually(lambda: cards(b)[0].actions == ("open", "folder"), within=20)
    landed = downloads / "report.txt"
    assert sha256(landed) == sha256(source)
    assert cards(b)[0].path == str(landed)

    opened = Opened()
    QDesktopServices.setUrlHandler("file", opened, "open")
    try:
        qtbot.mouseClick(
            b.view.viewport(), Qt.MouseButton.LeftButton, pos=action_point(b, row, "open")
        )
    finally:
        QDesktopServices.unsetUrlHandler("file")
    assert opened.urls == [str(landed)]


async def test_file_messages_are_found_by_name_and_previewed_with_a_clip(
    sessions: SessionFactory, name: Name, qtbot: QtBot, tmp_path: Path
) -> None:
    """Search finds a file message by its name and shows it; the contact list says "📎 name"."""
    alice = await sessions(name("alice"))
    bob = await sessions(name("bob"), contacts=(alice,))
    a = open_panel(qtbot, alice, bob)
    source = tmp_path / "quarterly figures.xlsx"
    source.write_bytes(b"PK" + os.urandom(1000))
    a.send_files([source])
    contacts = ContactListModel(bob)

    await eventually(
        lambda: contacts.index_of(alice.username).data(Role.DETAIL) == "📎 quarterly figures.xlsx",
        within=20,
    )
    dialog = SearchDialog(bob)
    qtbot.addWidget(dialog)
    dialog.search.setText("quarterly")
    dialog.run_search()
    assert dialog.model.rowCount() == 1
    shown = str(dialog.model.index(0).data(Qt.ItemDataRole.DisplayRole))
    assert shown.endswith(": 📎 quarterly figures.xlsx")


async def test_dropped_image_shows_inline_for_the_peer_and_opens_in_the_viewer(
    sessions: SessionFactory, name: Name, qtbot: QtBot, tmp_path: Path, downloads: Path
) -> None:
    """An image dropped on the composer arrives with a thumbnail B sees in the bubble; clicking
    it downloads the full image and shows it in a viewer window."""
    alice = await sessions(name("alice"))
    bob = await sessions(name("bob"), contacts=(alice,))
    a = open_panel(qtbot, alice, bob)
    b = open_panel(qtbot, bob, alice)
    photo = QImage(1600, 1200, QImage.Format.Format_RGB32)
    photo.fill(QColor("#d03020"))
    source = tmp_path / "sunset.png"
    assert photo.save(str(source))

    assert drop(a.composer, file_urls(source))

    await eventually(lambda: [c.name for c in cards(b)] == ["sunset.png"], within=20)
    card = cards(b)[0]
    assert card.kind == "image" and card.thumbnail is not None
    shown = thumbs.decode(card.thumbnail)
    assert shown is not None and shown.width() / shown.height() == pytest.approx(4 / 3, 0.02)
    centre = shown.pixelColor(shown.width() // 2, shown.height() // 2)
    assert abs(centre.red() - 0xD0) < 12 and centre.green() < 0x40  # the photo's red
    row = card_row(b, "sunset.png")
    info = b.model.info(row) if b.model is not None else None
    assert info is not None
    layout = b.view.delegate.layout_for(info)
    assert layout.file is not None and layout.file.thumb is not None
    assert layout.file.thumb.width() >= 200  # drawn large enough to see, in the bubble

    qtbot.mouseClick(b.view.viewport(), Qt.MouseButton.LeftButton, pos=action_point(b, row, "view"))

    viewer = next(iter(b.files.viewers.values()))
    await eventually(lambda: not viewer.canvas.image.isNull(), within=20)
    assert viewer.canvas.image.size().width() == 1600
    assert sha256(downloads / "sunset.png") == sha256(source)
    qtbot.keyClick(viewer, Qt.Key.Key_Escape)
    await eventually(lambda: not b.files.viewers)


async def test_file_dropped_on_a_contact_opens_their_chat_and_goes_to_them(
    sessions: SessionFactory, name: Name, qtbot: QtBot, tmp_path: Path
) -> None:
    """Dropping a file on a contact in the list opens the chat with them and sends it there."""
    alice = await sessions(name("alice"))
    bob = await sessions(name("bob"), contacts=(alice,))
    window = MainWindow(alice)
    qtbot.addWidget(window)
    window.show()
    view = window.contacts.view
    await eventually(
        lambda: any(
            view.model().index(r, 0).data(Role.USERNAME) == bob.username
            for r in range(view.model().rowCount())
        )
    )
    index = next(
        view.model().index(r, 0)
        for r in range(view.model().rowCount())
        if view.model().index(r, 0).data(Role.USERNAME) == bob.username
    )
    source = tmp_path / "notes.md"
    source.write_text("# for bob\n")

    assert drop(view.viewport(), file_urls(source), view.visualRect(index).center())

    conversation = alice.conversation_with(bob.username)
    assert window.chat.current_conversation == conversation
    b = open_panel(qtbot, bob, alice)
    await eventually(lambda: [c.name for c in cards(b)] == ["notes.md"], within=20)
    # A drop outside any contact row sends nothing.
    assert not drop(view.viewport(), file_urls(source), QPoint(5, view.viewport().height() - 2))
