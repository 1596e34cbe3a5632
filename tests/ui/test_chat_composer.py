"""The composer and the emoji picker on their own: keys, emoticons, limits, drafts, picking."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, Qt
from pytestqt.qtbot import QtBot

from messenger.ui.chat.composer import Composer, Draft, Target
from messenger.ui.chat.emoji_picker import EmojiPicker


def make(qtbot: QtBot) -> tuple[Composer, list[tuple[str, object]]]:
    composer = Composer()
    qtbot.addWidget(composer)
    composer.show()
    sent: list[tuple[str, object]] = []
    composer.send_requested.connect(lambda text, reply: sent.append((text, reply)))
    return composer, sent


def test_enter_sends_and_shift_enter_breaks_the_line(qtbot: QtBot) -> None:
    """Shift+Enter adds a line; Enter sends the whole text and empties the composer."""
    composer, sent = make(qtbot)
    qtbot.keyClicks(composer.editor, "first")
    qtbot.keyClick(composer.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(composer.editor, "second")
    assert sent == []

    qtbot.keyClick(composer.editor, Qt.Key.Key_Return)

    assert sent == [("first\nsecond", None)]
    assert composer.editor.toPlainText() == ""


def test_blank_text_is_not_sent(qtbot: QtBot) -> None:
    """Enter on spaces and empty lines sends nothing."""
    composer, sent = make(qtbot)
    qtbot.keyClicks(composer.editor, "   ")
    qtbot.keyClick(composer.editor, Qt.Key.Key_Return)
    assert sent == []


def test_emoticons_convert_on_space_and_undo_brings_them_back(qtbot: QtBot) -> None:
    """ ":)" followed by a space becomes 🙂 while typing; Ctrl+Z restores the emoticon."""
    composer, _ = make(qtbot)
    qtbot.keyClicks(composer.editor, "nice :) ")
    assert composer.editor.toPlainText() == "nice 🙂 "
    composer.editor.undo()
    assert composer.editor.toPlainText() == "nice :)"


def test_over_the_limit_is_refused_with_a_sentence_and_nothing_is_lost(qtbot: QtBot) -> None:
    """A message over the server's limit is not sent; the composer says why and keeps the text."""
    composer, sent = make(qtbot)
    composer.set_limit(300)
    qtbot.keyClicks(composer.editor, "y" * 250)
    assert "50 characters left" in composer.notice.text()
    qtbot.keyClicks(composer.editor, "y" * 60)

    qtbot.keyClick(composer.editor, Qt.Key.Key_Return)

    assert sent == []
    assert composer.editor.toPlainText() == "y" * 310
    assert "310 characters long and the limit is 300" in composer.notice.text()


def test_replying_shows_a_bar_that_esc_cancels(qtbot: QtBot) -> None:
    """A reply names the message answered; Esc drops the reply but keeps the text."""
    composer, sent = make(qtbot)
    composer.set_reply(Target(7, "bob", "Lunch?\nAt noon"))
    assert composer.bar.isVisible() and "Replying to bob" in composer.bar_title.text()
    assert composer.bar_text.text() == "Lunch?"
    qtbot.keyClicks(composer.editor, "yes")

    qtbot.keyClick(composer.editor, Qt.Key.Key_Escape)

    assert not composer.bar.isVisible() and composer.reply is None
    qtbot.keyClick(composer.editor, Qt.Key.Key_Return)
    assert sent == [("yes", None)]


def test_up_in_an_empty_composer_asks_for_the_last_message(qtbot: QtBot) -> None:
    """Up edits the last message only when nothing is typed; Esc leaves editing empty-handed."""
    composer, _ = make(qtbot)
    asked: list[bool] = []
    edits: list[tuple[int, str]] = []
    composer.edit_last_requested.connect(lambda: asked.append(True))
    composer.edit_requested.connect(lambda seq, text: edits.append((seq, text)))
    qtbot.keyClick(composer.editor, Qt.Key.Key_Up)
    assert asked == [True]

    composer.start_edit(Target(4, "You", "teh cat"))
    assert composer.editor.toPlainText() == "teh cat" and "Editing" in composer.bar_title.text()
    qtbot.keyClick(composer.editor, Qt.Key.Key_Escape)
    assert composer.editing is None and composer.editor.toPlainText() == ""

    composer.start_edit(Target(4, "You", "teh cat"))
    composer.editor.selectAll()
    qtbot.keyClicks(composer.editor, "the cat")
    qtbot.keyClick(composer.editor, Qt.Key.Key_Return)
    assert edits == [(4, "the cat")]


def test_drafts_keep_text_cursor_and_reply(qtbot: QtBot) -> None:
    """A draft taken out and put back restores the text, the cursor and the reply."""
    composer, _ = make(qtbot)
    composer.set_reply(Target(3, "bob", "hi"))
    qtbot.keyClicks(composer.editor, "half a thought")
    draft = composer.draft()
    composer.set_draft(Draft())
    assert composer.editor.toPlainText() == "" and composer.reply is None

    composer.set_draft(draft)

    assert composer.editor.toPlainText() == "half a thought"
    assert composer.editor.textCursor().position() == len("half a thought")
    assert composer.reply == Target(3, "bob", "hi")


def test_paste_inserts_plain_text_only(qtbot: QtBot) -> None:
    """Pasting rich text inserts its plain text, never markup."""
    composer, _ = make(qtbot)
    mime = QMimeData()
    mime.setHtml("<b>bold</b> move")
    mime.setText("bold move")
    composer.editor.insertFromMimeData(mime)
    assert composer.editor.toPlainText() == "bold move"


def test_typing_is_announced_and_ends_on_send(qtbot: QtBot) -> None:
    """Typing emits typing(True); sending emits typing(False)."""
    composer, _ = make(qtbot)
    typing: list[bool] = []
    composer.typing.connect(typing.append)
    qtbot.keyClicks(composer.editor, "hey")
    qtbot.keyClick(composer.editor, Qt.Key.Key_Return)
    assert typing[0] is True and typing[-1] is False


def test_emoji_picker_searches_and_picks_from_the_keyboard(qtbot: QtBot) -> None:
    """Typing a word filters the grid; Enter picks the first match; the grid shows categories."""
    picker = EmojiPicker()
    qtbot.addWidget(picker)
    picked: list[str] = []
    picker.picked.connect(picked.append)
    picker.popup_at(picker.pos())
    assert picker.shown()[0] == "😀"

    qtbot.keyClicks(picker.search, "thumbs up")
    assert picker.shown()[0] == "👍"
    qtbot.keyClick(picker.search, Qt.Key.Key_Return)

    assert picked == ["👍"]
    assert not picker.isVisible()


def test_emoji_button_inserts_at_the_cursor(qtbot: QtBot) -> None:
    """An emoji picked from the composer's picker lands where the cursor is."""
    composer, _ = make(qtbot)
    qtbot.keyClicks(composer.editor, "good ")
    composer.open_emoji_picker()
    picker = composer.picker
    assert picker is not None and picker.isVisible()
    qtbot.keyClicks(picker.search, "party")
    qtbot.keyClick(picker.search, Qt.Key.Key_Down)
    qtbot.keyClick(picker.grid, Qt.Key.Key_Return)
    assert (
        composer.editor.toPlainText().startswith("good ") and len(composer.editor.toPlainText()) > 5
    )
