"""Where messages are written: Enter sends, Shift+Enter breaks the line, Up edits one's last
message, Esc cancels a reply or an edit; emoticons become emoji; the length limit is shown
before it is reached and enforced with a sentence, never by losing text. Files dropped on it,
picked with the attach button or pasted (an image on the clipboard) are handed on to be sent.
In a room, typing ``@`` offers the members to mention.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QMimeData, Qt, QTimer, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QImage, QKeyEvent, QPalette, QTextCursor
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from messenger.text.emoticons import convert, emoticon_before
from messenger.ui import presence_style
from messenger.ui.chat.emoji_picker import EmojiPicker
from messenger.ui.chat.mention_completer import MentionCompleter, MentionSource
from messenger.ui.files.drops import local_files

DEFAULT_LIMIT = 8192
MAX_LINES = 8  # the editor grows with its text up to this many lines, then scrolls
TYPING_IDLE_MS = 5000  # no keystroke for this long: one has stopped typing


@dataclass(frozen=True)
class Target:
    """The message a reply answers or an edit changes."""

    seq: int
    sender_name: str
    text: str


@dataclass(frozen=True)
class Draft:
    """What is in the composer, kept per conversation while another chat is open."""

    text: str = ""
    cursor: int = 0
    reply: Target | None = None
    editing: Target | None = None


_COMPLETION_KEYS = (
    Qt.Key.Key_Return,
    Qt.Key.Key_Enter,
    Qt.Key.Key_Escape,
    Qt.Key.Key_Tab,
    Qt.Key.Key_Backtab,
)


class MessageEdit(QPlainTextEdit):
    """The text field: the keys a messenger's users expect, and plain-text paste."""

    send = Signal()
    edit_last = Signal()
    files = Signal(list)  # local paths dropped or pasted
    image = Signal(QImage)  # an image pasted from the clipboard

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Message")
        self.setPlaceholderText("Write a message…")
        self.setTabChangesFocus(True)
        # Esc asks this first; True means it cancelled something (a reply, an edit) and the
        # key is used up, False lets Esc go on to the window.
        self.on_escape: Callable[[], bool] = lambda: False
        self.mentions = MentionCompleter(self)
        self.document().documentLayout().documentSizeChanged.connect(self._fit_height)
        self._fit_height()

    def _fit_height(self) -> None:
        """Grow with the text up to a few lines, then scroll."""
        # A plain-text document measures its height in lines, not pixels.
        lines = max(1, round(self.document().size().height()))
        shown = min(lines, MAX_LINES)
        margins = self.contentsMargins()
        chrome = (
            margins.top()
            + margins.bottom()
            + 2 * round(self.document().documentMargin())
            + 2 * self.frameWidth()
        )
        self.setVerticalScrollBarPolicy(
            Qt.ScrollBarPolicy.ScrollBarAsNeeded
            if lines > MAX_LINES
            else Qt.ScrollBarPolicy.ScrollBarAlwaysOff
        )
        self.setFixedHeight(shown * self.fontMetrics().lineSpacing() + chrome)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if self.mentions.visible and key in _COMPLETION_KEYS:
            # The completer's popup forwards these here too: they pick a member (or close
            # the offer), and must neither send the message nor leave the editor.
            event.ignore()
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if mods == Qt.KeyboardModifier.NoModifier:
                self.send.emit()
                return
            if mods == Qt.KeyboardModifier.ShiftModifier:
                self.textCursor().insertText("\n")  # a line break, not a paragraph of its own
                return
        if (
            key == Qt.Key.Key_Up
            and mods == Qt.KeyboardModifier.NoModifier
            and not self.toPlainText()
        ):
            self.edit_last.emit()
            return
        if key == Qt.Key.Key_Escape and self.on_escape():
            return
        if key == Qt.Key.Key_Space and mods == Qt.KeyboardModifier.NoModifier:
            self._convert_before_cursor()
        super().keyPressEvent(event)

    def _convert_before_cursor(self) -> None:
        cursor = self.textCursor()
        if cursor.hasSelection():
            return
        found = emoticon_before(cursor.block().text()[: cursor.positionInBlock()])
        if found is None:
            return
        emoticon, emoji = found
        # One undo step: Ctrl+Z brings the emoticon back for those who meant it literally.
        cursor.beginEditBlock()
        cursor.movePosition(
            QTextCursor.MoveOperation.Left, QTextCursor.MoveMode.KeepAnchor, len(emoticon)
        )
        cursor.insertText(emoji)
        cursor.endEditBlock()

    def canInsertFromMimeData(self, source: QMimeData) -> bool:
        return source.hasImage() or super().canInsertFromMimeData(source)

    def insertFromMimeData(self, source: QMimeData) -> None:
        # Files (copied in a file manager, or dropped) and images are sent as files.
        paths = local_files(source)
        if paths:
            self.files.emit(paths)
            return
        if source.hasImage():
            image = source.imageData()
            if isinstance(image, QImage) and not image.isNull():
                self.image.emit(image)
                return
        # Plain text only: what is pasted is what is sent.
        if source.hasText():
            self.insertPlainText(source.text())
        elif source.hasUrls():
            self.insertPlainText(" ".join(url.toString() for url in source.urls()))


class Composer(QWidget):
    send_requested = Signal(str, object)  # text, reply_to seq or None
    edit_requested = Signal(int, str)  # seq, new text
    edit_last_requested = Signal()  # Up in an empty composer: the panel calls start_edit
    typing = Signal(bool)
    files_chosen = Signal(list)  # local paths: dropped, picked or pasted
    image_pasted = Signal(QImage)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self._limit = DEFAULT_LIMIT
        self._reply: Target | None = None
        self._editing: Target | None = None
        self._loading_draft = False
        self.picker: EmojiPicker | None = None

        self.bar = QFrame(self)
        self.bar.setFrameShape(QFrame.Shape.NoFrame)
        self.bar_title = QLabel(self.bar)
        self.bar_text = QLabel(self.bar)
        self.bar_text.setTextFormat(Qt.TextFormat.PlainText)
        self.bar_text.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.bar_text.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        bar_close = QToolButton(self.bar)
        bar_close.setText("✕")
        bar_close.setAutoRaise(True)
        bar_close.setAccessibleName("Cancel")
        bar_close.setToolTip("Cancel (Esc)")
        bar_close.clicked.connect(self.cancel)
        bar_layout = QHBoxLayout(self.bar)
        bar_layout.setContentsMargins(10, 4, 4, 0)
        texts = QVBoxLayout()
        texts.setSpacing(0)
        texts.addWidget(self.bar_title)
        texts.addWidget(self.bar_text)
        bar_layout.addLayout(texts, 1)
        bar_layout.addWidget(bar_close, 0, Qt.AlignmentFlag.AlignTop)
        self.bar.hide()

        self.editor = MessageEdit(self)
        self.editor.send.connect(self.submit)
        self.editor.edit_last.connect(self.edit_last_requested)
        self.editor.on_escape = self._on_escape
        self.editor.textChanged.connect(self._on_text_changed)
        self.editor.files.connect(self.files_chosen)
        self.editor.image.connect(self.image_pasted)

        self.attach_button = QToolButton(self)
        self.attach_button.setText("📎")
        self.attach_button.setAutoRaise(True)
        self.attach_button.setAccessibleName("Send files")
        self.attach_button.setToolTip("Send files (or drop them here, or paste an image)")
        self.attach_button.clicked.connect(self.choose_files)
        self.file_dialog: QFileDialog | None = None

        self._emoji_button = QToolButton(self)
        self._emoji_button.setText("🙂")
        self._emoji_button.setAutoRaise(True)
        emoji_font = self._emoji_button.font()
        emoji_font.setPointSizeF(emoji_font.pointSizeF() * 1.5)
        self._emoji_button.setFont(emoji_font)
        self.attach_button.setFont(emoji_font)
        self._emoji_button.setAccessibleName("Insert emoji")
        self._emoji_button.setToolTip("Insert emoji")
        self._emoji_button.clicked.connect(self.open_emoji_picker)
        self._send_button = QToolButton(self)
        self._send_button.setText("Send")
        self._send_button.setAccessibleName("Send message")
        self._send_button.setToolTip("Send (Enter) — Shift+Enter starts a new line")
        self._send_button.clicked.connect(self.submit)

        self.notice = QLabel(self)
        self.notice.setWordWrap(True)
        self.notice.setAccessibleName("Message notice")
        self.notice.hide()

        row = QHBoxLayout()
        row.setContentsMargins(6, 4, 6, 4)
        row.setSpacing(4)
        row.addWidget(self.attach_button, 0, Qt.AlignmentFlag.AlignBottom)
        row.addWidget(self._emoji_button, 0, Qt.AlignmentFlag.AlignBottom)
        row.addWidget(self.editor, 1)
        row.addWidget(self._send_button, 0, Qt.AlignmentFlag.AlignBottom)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.bar)
        layout.addLayout(row)
        layout.addWidget(self.notice)
        self.notice.setContentsMargins(12, 0, 12, 4)

        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.setInterval(TYPING_IDLE_MS)
        self._idle.timeout.connect(self._stopped_typing)

    def _stopped_typing(self) -> None:
        self.typing.emit(False)

    # --- state ------------------------------------------------------------------------

    def set_limit(self, limit: int) -> None:
        self._limit = limit
        self._update_status()

    @property
    def editing(self) -> Target | None:
        return self._editing

    @property
    def reply(self) -> Target | None:
        return self._reply

    def draft(self) -> Draft:
        return Draft(
            text=self.editor.toPlainText(),
            cursor=self.editor.textCursor().position(),
            reply=self._reply,
            editing=self._editing,
        )

    def set_draft(self, draft: Draft) -> None:
        """Show a conversation's draft (an empty one for a chat never written in)."""
        self._loading_draft = True
        try:
            self.editor.setPlainText(draft.text)
            cursor = self.editor.textCursor()
            # Positions count UTF-16 units, as the cursor that was saved did.
            cursor.setPosition(min(draft.cursor, self.editor.document().characterCount() - 1))
            self.editor.setTextCursor(cursor)
        finally:
            self._loading_draft = False
        self._idle.stop()
        self._reply, self._editing = draft.reply, draft.editing
        self._show_bar()
        self._update_status()

    def set_reply(self, target: Target) -> None:
        if self._editing is not None:
            self._leave_edit()
        self._reply = target
        self._show_bar()
        self.editor.setFocus()

    def start_edit(self, target: Target) -> None:
        """Put one's own message in the composer to change it (Enter saves, Esc cancels)."""
        self._reply = None
        self._editing = target
        self._set_text(target.text)
        self._show_bar()
        self.editor.setFocus()

    def cancel(self) -> None:
        if self._editing is not None:
            self._leave_edit()
        self._reply = None
        self._show_bar()
        self.editor.setFocus()

    def _leave_edit(self) -> None:
        self._editing = None
        self._set_text("")

    def _on_escape(self) -> bool:
        if self._editing is None and self._reply is None:
            return False
        self.cancel()
        return True

    def _set_text(self, text: str) -> None:
        self._loading_draft = True
        try:
            self.editor.setPlainText(text)
            self.editor.moveCursor(QTextCursor.MoveOperation.End)
        finally:
            self._loading_draft = False
        self._update_status()

    def _show_bar(self) -> None:
        target = self._editing or self._reply
        if target is None:
            self.bar.hide()
            return
        title = (
            "Editing message" if self._editing is not None else f"Replying to {target.sender_name}"
        )
        self.bar_title.setText(f"<b>{title}</b>")
        first_line = target.text.strip().split("\n", 1)[0]
        self.bar_text.setText(
            self.bar_text.fontMetrics().elidedText(
                first_line, Qt.TextElideMode.ElideRight, max(80, self.width() - 80)
            )
        )
        self.bar.setAccessibleName(title)
        self.bar.show()

    # --- sending ----------------------------------------------------------------------

    def submit(self) -> None:
        text = convert(self.editor.toPlainText()).strip()
        if len(text) > self._limit:
            self._show_error(
                f"This message is {len(text):,} characters long and the limit is "
                f"{self._limit:,}. Shorten it or send it in parts."
            )
            return
        if self._editing is not None:
            target = self._editing
            if not text:
                self._show_error("An edited message cannot be empty; to remove it, use Delete.")
                return
            if text != target.text:
                self.edit_requested.emit(target.seq, text)
            self._leave_edit()
            self._show_bar()
            return
        if not text:
            return
        reply = self._reply
        self._reply = None
        self._set_text("")
        self._show_bar()
        self._idle.stop()
        self.typing.emit(False)
        self.send_requested.emit(text, None if reply is None else reply.seq)

    def _on_text_changed(self) -> None:
        self._update_status()
        if self._loading_draft or self._editing is not None:
            return
        if self.editor.toPlainText():
            self.typing.emit(True)
            self._idle.start()
        else:
            self._idle.stop()
            self.typing.emit(False)

    def _update_status(self) -> None:
        length = len(convert(self.editor.toPlainText()).strip()) if self.editor.toPlainText() else 0
        near = self._limit - max(100, self._limit // 10)
        if length > self._limit:
            self._show_error(
                f"{length - self._limit:,} characters over the limit of {self._limit:,}"
            )
        elif length > near:
            self._show_note(f"{self._limit - length:,} characters left")
        else:
            self.notice.hide()

    def _show_error(self, sentence: str) -> None:
        palette = self.notice.palette()
        palette.setColor(QPalette.ColorRole.WindowText, presence_style.color("busy"))
        self.notice.setPalette(palette)
        self.notice.setText(sentence)
        self.notice.show()

    def _show_note(self, sentence: str) -> None:
        self.notice.setPalette(self.palette())
        self.notice.setText(sentence)
        self.notice.show()

    # --- files ------------------------------------------------------------------------

    def choose_files(self) -> None:
        """The attach button: pick files in a dialog (not modal to the loop: calls go on)."""
        if self.file_dialog is None:
            self.file_dialog = QFileDialog(self, "Send files")
            self.file_dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
            self.file_dialog.filesSelected.connect(
                lambda names: self.files_chosen.emit([Path(n) for n in names])
            )
        self.file_dialog.open()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if local_files(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = local_files(event.mimeData())
        if paths:
            event.acceptProposedAction()
            self.files_chosen.emit(paths)
        else:
            event.ignore()

    # --- looks ------------------------------------------------------------------------

    def open_emoji_picker(self) -> None:
        if self.picker is None:
            self.picker = EmojiPicker(self)
            self.picker.picked.connect(self.insert_emoji)
        self.picker.popup_above(self._emoji_button)

    def insert_emoji(self, emoji: str) -> None:
        self.editor.textCursor().insertText(emoji)
        self.editor.setFocus()

    def focus_editor(self) -> None:
        self.editor.setFocus()

    def set_closed(self, reason: str) -> None:
        """Take no more messages, saying why in the text field ("" opens it again): a room
        one has left keeps its history, read-only."""
        closed = bool(reason)
        self.editor.setReadOnly(closed)
        self.editor.setPlaceholderText(reason or "Write a message…")
        for button in (self.attach_button, self._emoji_button, self._send_button):
            button.setEnabled(not closed)
        self.setAcceptDrops(not closed)

    def set_mention_source(self, source: MentionSource | None) -> None:
        """Offer @-completion from ``source`` (a room's members), or none (a 1:1 chat)."""
        self.editor.mentions.set_source(source)
