"""Message search across conversations, on history received from a real server."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from messenger.ui.search_dialog import SearchDialog, SnippetRole, snippet_html
from messenger.ui.session import AccountSession
from tests.clientkit import eventually
from tests.ui.conftest import SessionFactory


async def _chatting(
    sessions: SessionFactory, name: Callable[[str], str], *texts: str
) -> tuple[AccountSession, AccountSession, str]:
    """Alice sends ``texts`` to Bob; returns both once Bob has them all."""
    alice = await sessions(name("alice"))
    bob = await sessions(name("bob"), contacts=(alice,))
    conversation = alice.conversation_with(bob.username)
    for text in texts:
        alice.send_text(conversation, text)
    await eventually(lambda: bob.store.timeline.count(conversation) == len(texts))
    return alice, bob, conversation


def _dialog(qtbot: QtBot, session: AccountSession) -> SearchDialog:
    dialog = SearchDialog(session)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def _rows(dialog: SearchDialog) -> list[str]:
    model = dialog.model
    return [str(model.index(i).data()) for i in range(model.rowCount())]


async def test_a_word_finds_the_message_and_enter_opens_it(
    qtbot: QtBot, sessions: SessionFactory, name: Callable[[str], str]
) -> None:
    """Typing part of a word lists the message with its sender; Enter opens that conversation."""
    alice, bob, conversation = await _chatting(
        sessions, name, "lunch at noon?", "the quick brown fox jumps", "see you"
    )
    dialog = _dialog(qtbot, bob)
    opened: list[tuple[str, str, int]] = []
    dialog.open_requested.connect(lambda c, p, s: opened.append((c, p, s)))

    qtbot.keyClicks(dialog.search, "bro")
    await eventually(lambda: dialog.model.rowCount() == 1)  # after the typing pause
    [row] = _rows(dialog)
    assert row.startswith(f"{alice.username}, ") and row.endswith(": the quick brown fox jumps")
    assert "the quick <b>brown</b> fox" in str(dialog.model.index(0).data(SnippetRole))
    assert dialog.count.text() == "Showing 1 message"

    qtbot.keyClick(dialog.search, Qt.Key.Key_Return)
    [fox] = [m for m in bob.store.timeline.messages(conversation) if "fox" in m.text]
    assert opened == [(conversation, alice.username, fox.seq)]
    assert not dialog.isVisible()


async def test_no_match_and_query_syntax_are_shown_plainly(
    qtbot: QtBot, sessions: SessionFactory, name: Callable[[str], str]
) -> None:
    """Words that match nothing say so; FTS syntax typed by a user is searched, never an error."""
    _, bob, _ = await _chatting(sessions, name, "foo and (bar)", "plain words")
    dialog = _dialog(qtbot, bob)
    assert dialog.stack.currentWidget() is dialog.empty

    dialog.search.setText("zebra")
    dialog.run_search()
    assert dialog.empty.text() == "No messages match “zebra”."
    assert dialog.stack.currentWidget() is dialog.empty

    for typed in ('"foo AND (', "foo*", "NEAR(foo bar)", "bar)", "-foo", '"'):
        dialog.search.setText(typed)
        dialog.run_search()
        assert "failed" not in dialog.empty.text()
    dialog.search.setText('"foo AND (')
    dialog.run_search()
    assert [r.endswith("foo and (bar)") for r in _rows(dialog)] == [True]


def test_snippets_are_escaped_and_centred_on_the_match() -> None:
    """Message text is shown as text (never as markup), cut around the first match."""
    html = snippet_html("<i>hi</i> & " + "filler " * 40 + "needle here", "needle")
    assert html.startswith("…") and "<b>needle</b> here" in html
    assert "<i>" not in snippet_html("<i>hi</i> & you", "hi")
    assert snippet_html("<i>hi</i> & you", "hi") == "&lt;i&gt;<b>hi</b>&lt;/i&gt; &amp; you"
