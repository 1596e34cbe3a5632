"""@-completion in the composer: typing ``@`` and the start of a member's username or name
offers the room's members; Enter, Tab or a click puts ``@username`` in the text.

Only where a ``source`` is set (a room is open); in a 1:1 chat ``@`` is just a character.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QModelIndex, QObject, Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel, QTextCursor
from PySide6.QtWidgets import QCompleter, QListView, QPlainTextEdit

from messenger.ui.chat.mentions import typed_mention

MAX_SHOWN = 8  # candidates offered at once; typing more narrows them
UsernameRole = Qt.ItemDataRole.UserRole + 1

# Who may be mentioned, given what was typed after "@": (username, name) pairs, best first.
MentionSource = Callable[[str], list[tuple[str, str]]]


class MentionCompleter(QObject):
    def __init__(self, editor: QPlainTextEdit) -> None:
        super().__init__(editor)
        self._editor = editor
        self._source: MentionSource | None = None
        self._model = QStandardItemModel(self)
        self.popup = QListView()
        self.popup.setAccessibleName("Mention someone")
        self.completer = QCompleter(self._model, self)
        self.completer.setWidget(editor)
        self.completer.setPopup(self.popup)  # the completer owns it from here
        self.completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer.activated[QModelIndex].connect(self._insert)  # type: ignore[index]
        editor.textChanged.connect(self.update)

    def set_source(self, source: MentionSource | None) -> None:
        self._source = source
        self.update()

    @property
    def visible(self) -> bool:
        return self.popup.isVisible()

    def offered(self) -> list[str]:
        """The usernames the popup offers, in order (empty when it is hidden)."""
        if not self.visible:
            return []
        return [str(self._model.item(i).data(UsernameRole)) for i in range(self._model.rowCount())]

    def update(self) -> None:
        """Offer members for the mention being typed at the cursor, or hide the offer."""
        typed = self._typed()
        found = [] if typed is None or self._source is None else self._source(typed)[:MAX_SHOWN]
        if not found:
            self.popup.hide()
            return
        self._model.clear()
        for username, name in found:
            label = f"{name}  @{username}" if name != username else f"@{username}"
            item = QStandardItem(label)
            item.setData(username, UsernameRole)
            item.setEditable(False)
            self._model.appendRow(item)
        popup = self.popup
        rect = self._editor.cursorRect()
        rect.setWidth(popup.sizeHintForColumn(0) + popup.verticalScrollBar().sizeHint().width())
        self.completer.complete(rect)
        popup.setCurrentIndex(self.completer.completionModel().index(0, 0))

    def _typed(self) -> str | None:
        cursor = self._editor.textCursor()
        if cursor.hasSelection():
            return None
        return typed_mention(cursor.block().text()[: cursor.positionInBlock()])

    def _insert(self, index: QModelIndex) -> None:
        username = index.data(UsernameRole)
        typed = self._typed()
        if not username or typed is None:
            return
        cursor = self._editor.textCursor()
        cursor.movePosition(
            QTextCursor.MoveOperation.Left, QTextCursor.MoveMode.KeepAnchor, len(typed) + 1
        )
        cursor.insertText(f"@{username} ")
        self._editor.setTextCursor(cursor)
