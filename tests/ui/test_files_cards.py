"""File cards: what each transfer state shows, hostile names, pasting an image, and a
download that never overwrites; the last two against the real server."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, Qt
from PySide6.QtGui import QColor, QImage
from pytestqt.qtbot import QtBot

from messenger.client.transfers import TransferUpdate
from messenger.ui.chat.panel import ChatPanel
from messenger.ui.files.book import TransferBook
from messenger.ui.files.card import FileCard, file_card
from messenger.ui.files.paste import save_pasted
from messenger.ui.files.thumbs import decode, make_thumbnail
from messenger.ui.session import AccountSession
from tests.clientkit import PASSWORD, eventually, make_client
from tests.serverproc import ServerProcess
from tests.ui.conftest import SessionFactory
from tests.ui.fileskit import action_point, card_row, cards, sha256

Name = Callable[[str], str]
FILE_ID = "ab" * 16


def update(state: str, **fields: object) -> TransferUpdate:
    values: dict[str, object] = {
        "id": 7,
        "kind": "download",
        "state": state,
        "conversation": "dm:a:b",
        "name": "slides.pdf",
        "size": 5_000_000,
        "done": 1_250_000,
        "file_id": FILE_ID,
    }
    values.update(fields)
    return TransferUpdate(**values)  # type: ignore[arg-type]


def card(transfer: TransferUpdate | None, local: str | None = None, **ref: object) -> FileCard:
    values: dict[str, object] = {
        "name": "slides.pdf",
        "size": 5_000_000,
        "mime": "application/pdf",
        "file_id": FILE_ID,
        "thumbnail": None,
    }
    values.update(ref)
    return file_card(transfer=transfer, local=local, **values)  # type: ignore[arg-type]


def test_a_received_file_offers_download_with_its_size_and_type() -> None:
    """At rest a card says size and type and offers Download; with a copy, Open and the folder."""
    fresh = card(None)
    assert (fresh.name, fresh.kind, fresh.label) == ("slides.pdf", "pdf", "PDF")
    assert fresh.detail == "5.0 MB · PDF"
    assert fresh.actions == ("download",) and fresh.progress is None
    done = card(update("done", done=5_000_000, path="/d/slides.pdf"), "/d/slides.pdf")
    assert done.actions == ("open", "folder") and done.path == "/d/slides.pdf"


def test_a_running_transfer_shows_progress_speed_and_time_left_with_cancel() -> None:
    """While bytes move: how much of how much, the speed, the time left, and Cancel."""
    running = card(update("running", speed=800_000.0, eta=4.7))
    assert running.detail == "1.2 MB of 5.0 MB · 800.0 KB/s · 5 s left"
    assert running.progress == pytest.approx(0.25)
    assert running.actions == ("cancel",) and running.transfer == 7
    slow = card(update("running", speed=2_000.0, eta=3_725.0))
    assert slow.detail.endswith("2.0 KB/s · 1 h 2 min left")


def test_offline_transfers_wait_for_the_connection_and_paused_ones_resume() -> None:
    """Offline: "Waiting for connection" with the progress so far; paused: Resume."""
    waiting = card(update("waiting"))
    assert waiting.detail == "Waiting for connection · 1.2 MB of 5.0 MB"
    assert waiting.progress == pytest.approx(0.25) and waiting.actions == ("cancel",)
    assert card(update("paused")).actions == ("resume", "cancel")


def test_a_failed_transfer_says_why_and_offers_retry() -> None:
    """A failure shows its reason (marked as a failure) with Retry and Cancel."""
    failed = card(update("failed", error="your quota is used up.", error_code="quota_exceeded"))
    assert failed.detail == "Failed: your quota is used up"
    assert failed.failed and failed.actions == ("retry", "cancel")


def test_hostile_names_are_shown_without_paths_controls_or_bidi_tricks() -> None:
    """A peer's name cannot smuggle a path, a line break or a right-to-left override."""
    shown = card(None, name="../../etc/invoice\u202efdp.exe\n").name
    assert shown == "invoicefdp.exe"
    assert card(None, name="a\x1b[31mred.txt").name == "a[31mred.txt"


def test_the_book_finds_the_newest_download_and_forgets_cancelled_ones() -> None:
    """A cancelled retry leaves the earlier, finished download speaking for the file."""
    book = TransferBook()
    book.apply(update("done", id=1, path="/d/x.pdf"))
    book.apply(update("running", id=2))
    assert (book.download(FILE_ID) or update("queued")).id == 2
    book.apply(update("cancelled", id=2))
    found = book.download(FILE_ID)
    assert found is not None and found.id == 1 and found.state == "done"


def test_thumbnails_fit_the_protocol_limit_and_hostile_ones_are_refused(
    tmp_path: Path, qapp: object
) -> None:
    """A big noisy photo still makes a thumbnail within 8 KiB; garbage and a JPEG claiming
    to be enormous are not decoded."""
    noisy = QImage(os.urandom(1200 * 900 * 4), 1200, 900, QImage.Format.Format_RGB32)
    photo = tmp_path / "noise.png"
    assert noisy.save(str(photo))
    thumb = make_thumbnail(photo)
    assert thumb is not None and len(thumb) <= 8192 and thumb[:2] == b"\xff\xd8"
    assert make_thumbnail(tmp_path / "missing.png") is None
    assert decode(b"\x89PNG\r\n\x1a\n" + os.urandom(200)) is None
    huge = bytearray(thumb)
    sof = huge.index(b"\xff\xc0")  # the frame header: height and width follow its length
    huge[sof + 5 : sof + 9] = (60000).to_bytes(2, "big") * 2
    assert decode(bytes(huge)) is None


def test_pasted_images_get_their_own_file_each(tmp_path: Path, qapp: object) -> None:
    """Two pastes in the same second never overwrite each other."""
    image = QImage(40, 30, QImage.Format.Format_RGB32)
    image.fill(QColor("green"))
    first = save_pasted(image, tmp_path)
    second = save_pasted(image, tmp_path)
    assert first != second and first.suffix == ".png"
    assert QImage(str(second)).size() == image.size()


def open_panel(qtbot: QtBot, session: AccountSession, peer: AccountSession) -> ChatPanel:
    panel = ChatPanel(session)
    qtbot.addWidget(panel)
    panel.resize(640, 720)
    panel.show()
    panel.open_conversation(session.conversation_with(peer.username), peer.username)
    return panel


async def test_an_image_pasted_into_the_composer_is_sent_with_a_thumbnail(
    sessions: SessionFactory, name: Name, qtbot: QtBot
) -> None:
    """Ctrl+V with an image on the clipboard sends it as a PNG; the peer sees its thumbnail."""
    alice = await sessions(name("alice"))
    bob = await sessions(name("bob"), contacts=(alice,))
    a = open_panel(qtbot, alice, bob)
    b = open_panel(qtbot, bob, alice)
    image = QImage(300, 200, QImage.Format.Format_RGB32)
    image.fill(QColor("#2060c0"))
    data = QMimeData()
    data.setImageData(image)

    a.composer.editor.insertFromMimeData(data)

    await eventually(lambda: len(cards(b)) == 1, within=20)
    received = cards(b)[0]
    assert received.name.startswith("Pasted image ") and received.name.endswith(".png")
    assert received.thumbnail is not None
    shown = decode(received.thumbnail)
    assert shown is not None and shown.pixelColor(10, 10).blue() > 0xA0
    assert a.composer.editor.toPlainText() == ""  # an image is not pasted as text


async def test_downloading_next_to_a_same_named_file_never_overwrites_it(
    sessions: SessionFactory,
    name: Name,
    qtbot: QtBot,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A file named like one already in Downloads lands as "x (1).txt"; the old one stays."""
    downloads = tmp_path / "Downloads"
    downloads.mkdir()
    (tmp_path / "user-dirs.dirs").write_text(f'XDG_DOWNLOAD_DIR="{downloads}"\n')
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    (downloads / "x.txt").write_text("mine, keep me")
    alice = await sessions(name("alice"))
    bob = await sessions(name("bob"), contacts=(alice,))
    a = open_panel(qtbot, alice, bob)
    b = open_panel(qtbot, bob, alice)
    source = tmp_path / "x.txt"
    source.write_text("from alice")
    a.send_files([source])
    await eventually(lambda: len(cards(b)) == 1, within=20)

    b.file_action(card_row(b, "x.txt"), "download")

    await eventually(lambda: cards(b)[0].actions == ("open", "folder"), within=20)
    assert cards(b)[0].path == str(downloads / "x (1).txt")
    assert sha256(downloads / "x (1).txt") == sha256(source)
    assert (downloads / "x.txt").read_text() == "mine, keep me"


async def test_a_paused_upload_resumes_from_its_card_and_a_cancelled_one_never_arrives(
    sessions: SessionFactory, name: Name, qtbot: QtBot, tmp_path: Path
) -> None:
    """Resume on a paused card sends the file; Cancel removes the card and sends nothing."""
    alice = await sessions(name("alice"))
    bob = await sessions(name("bob"), contacts=(alice,))
    a = open_panel(qtbot, alice, bob)
    b = open_panel(qtbot, bob, alice)
    conversation = alice.conversation_with(bob.username)
    kept, dropped = tmp_path / "kept.bin", tmp_path / "dropped.bin"
    kept.write_bytes(os.urandom(50_000))
    dropped.write_bytes(os.urandom(50_000))
    for path in (kept, dropped):
        started = alice.send_file(conversation, path)
        alice.client.transfers.pause(started.id)  # before its task ever ran
    await eventually(lambda: [c.detail for c in cards(a)] == ["Paused · 0 B of 50.0 KB"] * 2)
    assert cards(a)[0].actions == ("resume", "cancel")

    row = card_row(a, "dropped.bin")
    qtbot.mouseClick(
        a.view.viewport(), Qt.MouseButton.LeftButton, pos=action_point(a, row, "cancel")
    )
    await eventually(lambda: [c.name for c in cards(a)] == ["kept.bin"])
    row = card_row(a, "kept.bin")
    qtbot.mouseClick(
        a.view.viewport(), Qt.MouseButton.LeftButton, pos=action_point(a, row, "resume")
    )

    await eventually(lambda: [c.name for c in cards(b)] == ["kept.bin"], within=20)
    await eventually(lambda: cards(a)[0].actions == ("open", "folder"))
    assert [c.name for c in cards(b)] == ["kept.bin"]
    assert alice.client.transfers.all()[-1].name == "kept.bin"


async def test_an_upload_cut_by_quitting_goes_on_after_the_next_sign_in(
    sessions: SessionFactory,
    name: Name,
    qtbot: QtBot,
    tmp_path: Path,
    shared_server: ServerProcess,
) -> None:
    """The app quit before the upload began; signed in again, its card is back and the file
    reaches the peer without being dropped again."""
    bob = await sessions(name("bob"))
    alice = await sessions(name("alice"), contacts=(bob,))
    source = tmp_path / "draft.odt"
    source.write_bytes(os.urandom(200_000))
    alice.send_file(alice.conversation_with(bob.username), source)
    await alice.close()  # in the same loop turn: not one byte went out

    client = make_client(shared_server.url, alice.username, tmp_path)
    await client.login(PASSWORD)
    again = AccountSession(client)
    try:
        again.start()
        a = open_panel(qtbot, again, bob)
        assert [c.name for c in cards(a)] == ["draft.odt"]
        b = open_panel(qtbot, bob, again)
        await eventually(lambda: [c.name for c in cards(b)] == ["draft.odt"], within=20)
    finally:
        await again.close()
