"""The chat panel between two real accounts on a real server: what one types, the other sees."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from PySide6.QtCore import QObject, QPoint, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from pytestqt.qtbot import QtBot

from messenger.ui.chat.model import ChatModel
from messenger.ui.chat.panel import ChatPanel
from messenger.ui.session import AccountSession
from tests.clientkit import eventually
from tests.ui.conftest import SessionFactory

Name = Callable[[str], str]


def open_panel(
    qtbot: QtBot, session: AccountSession, peer: AccountSession, *, active: bool = True
) -> ChatPanel:
    panel = ChatPanel(session)
    qtbot.addWidget(panel)
    panel.resize(600, 700)
    panel.show()
    panel.open_conversation(session.conversation_with(peer.username), peer.username)
    panel.set_window_active(active)
    return panel


def model(panel: ChatPanel) -> ChatModel:
    assert panel.model is not None
    return panel.model


def texts(panel: ChatPanel) -> list[str]:
    return [m.text for m in model(panel).messages()]


def last_state(panel: ChatPanel) -> str:
    m = model(panel)
    return str(m.index(m.rowCount() - 1).data(ChatModel.StateRole))


def send(qtbot: QtBot, panel: ChatPanel, text: str) -> None:
    qtbot.keyClicks(panel.composer.editor, text)
    qtbot.keyClick(panel.composer.editor, Qt.Key.Key_Return)


def row_point(panel: ChatPanel, row: int, inside: QPoint) -> QPoint:
    """A viewport position from a position inside a message row's bubble coordinates."""
    info = model(panel).info(row)
    assert info is not None
    layout = panel.view.delegate.layout_for(info)
    rect = panel.view.visualRect(model(panel).index(row))
    return rect.topLeft() + QPoint(layout.left(rect.width()), 0) + inside


async def two_accounts(
    sessions: SessionFactory, name: Name
) -> tuple[AccountSession, AccountSession]:
    alice = await sessions(name("alice"))
    bob = await sessions(name("bob"), contacts=(alice,))
    return alice, bob


async def test_message_typed_in_the_composer_reaches_the_peer(
    sessions: SessionFactory, name: Name, qtbot: QtBot
) -> None:
    """Enter sends what was typed; it shows in the peer's open chat and the composer empties."""
    alice, bob = await two_accounts(sessions, name)
    a = open_panel(qtbot, alice, bob)
    b = open_panel(qtbot, bob, alice)
    assert b.header.title.text() == alice.username
    await eventually(lambda: b.header.status.text() == "Available")

    send(qtbot, a, "hello bob")

    assert a.composer.editor.toPlainText() == ""
    await eventually(lambda: texts(b) == ["hello bob"])


async def test_shift_enter_breaks_the_line_instead_of_sending(
    sessions: SessionFactory, name: Name, qtbot: QtBot
) -> None:
    """Shift+Enter adds a line break; the two-line message goes out on Enter."""
    alice, bob = await two_accounts(sessions, name)
    a = open_panel(qtbot, alice, bob)
    b = open_panel(qtbot, bob, alice)

    qtbot.keyClicks(a.composer.editor, "one")
    qtbot.keyClick(a.composer.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(a.composer.editor, "two")
    assert a.composer.editor.toPlainText() == "one\ntwo"
    assert texts(a) == []

    qtbot.keyClick(a.composer.editor, Qt.Key.Key_Return)
    await eventually(lambda: texts(b) == ["one\ntwo"])


async def test_emoticons_arrive_as_emoji(
    sessions: SessionFactory, name: Name, qtbot: QtBot
) -> None:
    """ ":)" typed in the composer reaches the peer as 🙂; a URL's ":/" is left alone."""
    alice, bob = await two_accounts(sessions, name)
    a = open_panel(qtbot, alice, bob)
    b = open_panel(qtbot, bob, alice)

    send(qtbot, a, "see http://example.com/:P later :)")

    await eventually(lambda: texts(b) == ["see http://example.com/:P later 🙂"])


async def test_own_message_goes_from_sending_to_sent_to_read(
    sessions: SessionFactory, name: Name, qtbot: QtBot
) -> None:
    """One's message shows sending at once, then sent, then read once the peer opens the chat."""
    alice, bob = await two_accounts(sessions, name)
    a = open_panel(qtbot, alice, bob)

    send(qtbot, a, "are you there?")
    assert last_state(a) == "sending"
    await eventually(lambda: last_state(a) in ("sent", "delivered"))

    open_panel(qtbot, bob, alice, active=True)
    await eventually(lambda: last_state(a) == "read")


async def test_chat_in_an_inactive_window_is_read_only_once_activated(
    sessions: SessionFactory, name: Name, qtbot: QtBot
) -> None:
    """A message shown while the window is in the background stays unread until it is activated."""
    alice, bob = await two_accounts(sessions, name)
    a = open_panel(qtbot, alice, bob)
    b = open_panel(qtbot, bob, alice, active=False)
    conversation = bob.conversation_with(alice.username)

    send(qtbot, a, "ping")
    await eventually(lambda: texts(b) == ["ping"])
    await asyncio.sleep(0.2)
    assert bob.store.timeline.unread_count(conversation, bob.username) == 1

    b.set_window_active(True)
    await eventually(lambda: bob.store.timeline.unread_count(conversation, bob.username) == 0)


async def test_up_edits_the_last_message_and_the_peer_sees_it_edited(
    sessions: SessionFactory, name: Name, qtbot: QtBot
) -> None:
    """Up in the empty composer brings back one's last message; Enter saves the edit."""
    alice, bob = await two_accounts(sessions, name)
    a = open_panel(qtbot, alice, bob)
    b = open_panel(qtbot, bob, alice)
    send(qtbot, a, "helo wrold")
    await eventually(lambda: last_state(a) != "sending" and texts(b) == ["helo wrold"])

    qtbot.keyClick(a.composer.editor, Qt.Key.Key_Up)
    assert a.composer.editing is not None
    assert a.composer.editor.toPlainText() == "helo wrold"
    a.composer.editor.selectAll()
    send(qtbot, a, "hello world")

    def edited_at_bob() -> bool:
        info = model(b).info(model(b).rowCount() - 1)
        return info is not None and info.text == "hello world" and info.edited

    await eventually(edited_at_bob)
    assert a.composer.editing is None and a.composer.editor.toPlainText() == ""


async def test_a_reply_shows_the_quoted_message(
    sessions: SessionFactory, name: Name, qtbot: QtBot
) -> None:
    """Replying quotes the answered message's sender and first line, on both sides."""
    alice, bob = await two_accounts(sessions, name)
    a = open_panel(qtbot, alice, bob)
    b = open_panel(qtbot, bob, alice)
    send(qtbot, b, "Lunch at noon?")
    await eventually(lambda: texts(a) == ["Lunch at noon?"])

    a.reply_to(model(a).rowCount() - 1)
    send(qtbot, a, "Sounds good")

    def quoted() -> bool:
        info = model(b).info(model(b).rowCount() - 1)
        return (
            info is not None
            and info.text == "Sounds good"
            and info.quote is not None
            and (info.quote.sender_name, info.quote.text) == ("You", "Lunch at noon?")
        )

    await eventually(quoted)
    mine = model(a).info(model(a).rowCount() - 1)
    assert mine is not None and mine.quote is not None
    assert (mine.quote.sender_name, mine.quote.text) == (bob.username, "Lunch at noon?")


async def test_reactions_show_as_chips_with_counts(
    sessions: SessionFactory, name: Name, qtbot: QtBot
) -> None:
    """Two people reacting give a chip counting 2; clicking one's chip takes the reaction back."""
    alice, bob = await two_accounts(sessions, name)
    a = open_panel(qtbot, alice, bob)
    b = open_panel(qtbot, bob, alice)
    send(qtbot, b, "ship it")
    await eventually(lambda: texts(a) == ["ship it"] and model(b).info(1) is not None)
    await eventually(lambda: last_state(b) != "sending")

    a.toggle_reaction(model(a).rowCount() - 1, "👍")
    b.toggle_reaction(model(b).rowCount() - 1, "👍")

    def chips(panel: ChatPanel) -> list[tuple[str, int, bool]]:
        info = model(panel).info(model(panel).rowCount() - 1)
        return [] if info is None else [(r.emoji, r.users, r.mine) for r in info.reactions]

    await eventually(lambda: chips(a) == [("👍", 2, True)] and chips(b) == [("👍", 2, True)])

    row = model(a).rowCount() - 1
    info = model(a).info(row)
    assert info is not None
    chip = a.view.delegate.layout_for(info).chips[0]
    qtbot.mouseClick(
        a.view.viewport(), Qt.MouseButton.LeftButton, pos=row_point(a, row, chip.rect.center())
    )
    await eventually(lambda: chips(b) == [("👍", 1, True)])


async def test_typing_shows_at_the_peer(sessions: SessionFactory, name: Name, qtbot: QtBot) -> None:
    """Typing in the composer shows "… is typing" under the peer's messages."""
    alice, bob = await two_accounts(sessions, name)
    a = open_panel(qtbot, alice, bob)
    b = open_panel(qtbot, bob, alice)

    qtbot.keyClicks(a.composer.editor, "I am wri")

    await eventually(lambda: b.typing_label.text() == f"{alice.username} is typing…")


async def test_refused_message_offers_discard(
    sessions: SessionFactory, name: Name, qtbot: QtBot
) -> None:
    """A message the server refuses shows as failed with the reason; Discard removes it."""
    alice, bob = await two_accounts(sessions, name)
    a = open_panel(qtbot, alice, bob)
    assert alice.client.hello is not None
    too_long = "x" * (alice.client.hello.limits.max_text_chars + 1)

    alice.send_text(alice.conversation_with(bob.username), too_long)
    await eventually(lambda: last_state(a) == "failed")
    row = model(a).rowCount() - 1
    info = model(a).info(row)
    assert info is not None and info.error
    layout = a.view.delegate.layout_for(info)
    a.view.scroll_to_bottom()
    discard = next(rect for rect, action in layout.actions if action == "discard")
    qtbot.mouseClick(
        a.view.viewport(), Qt.MouseButton.LeftButton, pos=row_point(a, row, discard.center())
    )

    await eventually(lambda: texts(a) == [])
    assert alice.pending(alice.conversation_with(bob.username)) == []


class _Opened(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url.toString())


async def test_links_in_messages_open_when_clicked(
    sessions: SessionFactory, name: Name, qtbot: QtBot
) -> None:
    """Clicking a link in a message opens its address, query string included."""
    alice, bob = await two_accounts(sessions, name)
    a = open_panel(qtbot, alice, bob)
    b = open_panel(qtbot, bob, alice)
    send(qtbot, a, "look https://example.com/a?b=1&c=2 <b>now</b>")
    await eventually(lambda: len(texts(b)) == 1)
    row = model(b).rowCount() - 1
    rect = b.view.visualRect(model(b).index(row))
    spot = next(
        QPoint(x, y)
        for y in range(rect.top(), rect.bottom(), 2)
        for x in range(rect.left(), rect.right(), 3)
        if (hit := b.view.hit_at(QPoint(x, y))[1]) is not None and hit.kind == "link"
    )
    opened = _Opened()
    QDesktopServices.setUrlHandler("https", opened, "open")
    try:
        qtbot.mouseClick(b.view.viewport(), Qt.MouseButton.LeftButton, pos=spot)
    finally:
        QDesktopServices.unsetUrlHandler("https")
    assert opened.urls == ["https://example.com/a?b=1&c=2"]


async def test_drafts_survive_switching_chats(
    sessions: SessionFactory, name: Name, qtbot: QtBot
) -> None:
    """Half-written text stays with its chat while another chat is open."""
    alice, bob = await two_accounts(sessions, name)
    carol = await sessions(name("carol"), contacts=(alice,))
    a = open_panel(qtbot, alice, bob)
    qtbot.keyClicks(a.composer.editor, "half-written")

    a.open_conversation(alice.conversation_with(carol.username), carol.username)
    assert a.composer.editor.toPlainText() == ""
    assert a.header.title.text() == carol.username
    a.open_conversation(alice.conversation_with(bob.username), bob.username)

    assert a.composer.editor.toPlainText() == "half-written"


async def test_history_loads_page_by_page_while_scrolling_up(
    sessions: SessionFactory, name: Name, qtbot: QtBot
) -> None:
    """Of 300 messages the newest page shows first; scrolling up adds older ones in order."""
    alice, bob = await two_accounts(sessions, name)
    conversation = alice.conversation_with(bob.username)
    for i in range(1, 301):
        alice.client.queue_message(conversation, f"message {i}")
    await eventually(lambda: bob.store.timeline.count(conversation) == 300, within=60)
    b = open_panel(qtbot, bob, alice)
    assert texts(b) == [f"message {i}" for i in range(201, 301)]

    while not model(b).at_oldest:
        b.view.verticalScrollBar().setValue(0)
        await asyncio.sleep(0.01)

    assert texts(b) == [f"message {i}" for i in range(1, 301)]
    assert not b.view.at_bottom

    alice.send_text(conversation, "fresh news")
    await eventually(lambda: b.jump.isVisible() and "New messages" in b.jump.text())
    qtbot.mouseClick(b.jump, Qt.MouseButton.LeftButton)
    assert b.view.at_bottom and texts(b)[-1] == "fresh news"


async def test_history_missing_from_the_cache_comes_from_the_server(
    sessions: SessionFactory, name: Name, qtbot: QtBot
) -> None:
    """When the local cache lacks older messages, scrolling up fetches them from the server."""
    alice, bob = await two_accounts(sessions, name)
    conversation = alice.conversation_with(bob.username)
    for i in range(1, 151):
        alice.client.queue_message(conversation, f"message {i}")
    await eventually(lambda: bob.store.timeline.count(conversation) == 150, within=60)
    # A cache that kept only recent history (as a new device would).
    with bob.store._db.transaction() as conn:
        conn.execute("DELETE FROM messages WHERE conversation = ? AND seq <= 120", (conversation,))
    b = open_panel(qtbot, bob, alice)
    assert texts(b) == [f"message {i}" for i in range(51, 151) if i > 120]

    async def scrolled_to_the_start() -> None:
        while not model(b).at_oldest:
            b.view.verticalScrollBar().setValue(0)
            await asyncio.sleep(0.02)

    await asyncio.wait_for(scrolled_to_the_start(), 20)
    assert texts(b) == [f"message {i}" for i in range(1, 151)]
