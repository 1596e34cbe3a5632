"""Search every conversation's local history (SQLite FTS5) and jump to a message.

The store turns what was typed into a safe FTS5 query (every word quoted), so
quotes, brackets and words like AND typed by a user are searched for, never
parsed as query syntax.
"""

from __future__ import annotations

import html
import re
import sqlite3

from PySide6.QtCore import (
    QAbstractListModel,
    QDateTime,
    QEvent,
    QLocale,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRectF,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QFont, QKeyEvent, QPainter, QPalette, QTextDocument
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QLabel,
    QLineEdit,
    QListView,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from messenger.protocol.names import direct_peer
from messenger.protocol.results import MessageView
from messenger.ui.files.card import file_preview
from messenger.ui.session import AccountSession

DEBOUNCE_MS = 250
SNIPPET_CHARS = 120
MAX_RESULTS = 100

ModelIndex = QModelIndex | QPersistentModelIndex
SnippetRole = Qt.ItemDataRole.UserRole + 1
PeerRole = Qt.ItemDataRole.UserRole + 2
DateRole = Qt.ItemDataRole.UserRole + 3


def _words(query: str) -> list[str]:
    """The query's words as FTS5 sees them (letters and digits), for highlighting."""
    return [w for w in re.findall(r"\w+", query.lower()) if w]


def snippet_html(text: str, query: str, width: int = SNIPPET_CHARS) -> str:
    """Part of ``text`` around the first match, escaped, with matching words in bold.

    A query word matches the start of a word in the text, as FTS5 prefix search does.
    """
    flat = " ".join(text.split())
    words = _words(query)
    if not words:
        return html.escape(flat[:width])
    # The whole word is emphasised, not just the typed prefix: "bro" shows **brown**.
    pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, words)) + r")\w*", re.IGNORECASE)
    first = pattern.search(flat)
    start = 0
    if first is not None and first.start() > width // 3:
        start = flat.rfind(" ", 0, first.start() - width // 3) + 1
    piece = flat[start : start + width]
    out: list[str] = ["…" if start > 0 else ""]
    pos = 0
    for match in pattern.finditer(piece):
        out.append(html.escape(piece[pos : match.start()]))
        out.append(f"<b>{html.escape(match.group(0))}</b>")
        pos = match.end()
    out.append(html.escape(piece[pos:]))
    if start + width < len(flat):
        out.append("…")
    return "".join(out)


def short_date(ts: float, now: QDateTime | None = None) -> str:
    """The time for today, day and month this year, the full date before; in the user's locale."""
    locale = QLocale()
    when = QDateTime.fromSecsSinceEpoch(int(ts))
    now = now or QDateTime.currentDateTime()
    if when.date() == now.date():
        return locale.toString(when, locale.timeFormat(QLocale.FormatType.ShortFormat))
    if when.date().year() == now.date().year():
        return locale.toString(when, "d MMM")
    return locale.toString(when, "d MMM yyyy")


class ResultsModel(QAbstractListModel):
    """One row per matching message, newest first."""

    def __init__(self, session: AccountSession) -> None:
        super().__init__()
        self.session = session
        self.query = ""
        self.results: list[MessageView] = []

    def set_results(self, query: str, results: list[MessageView]) -> None:
        self.beginResetModel()
        self.query, self.results = query, results
        self.endResetModel()

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.results)

    def peer(self, view: MessageView) -> str:
        return direct_peer(view.conversation, self.session.username) or ""

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        view = self.results[index.row()]
        peer = self.peer(view)
        title = self.session.name_of(peer) if peer else view.conversation
        if view.sender == self.session.username:
            title += " (you wrote)"
        # A file message shows as "📎 name · caption", so a match on its name is visible.
        text = view.text if view.file is None else file_preview(view.file.name, view.text)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return f"{title}, {short_date(view.ts)}: {' '.join(text.split())}"
        if role == PeerRole:
            return title
        if role == DateRole:
            return short_date(view.ts)
        if role == SnippetRole:
            return snippet_html(text, self.query)
        return None


class ResultDelegate(QStyledItemDelegate):
    """Two lines: who and when, then the snippet with the matching words in bold."""

    PAD = 6

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: ModelIndex) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""  # the background and selection only; the text is drawn below
        style = opt.widget.style() if opt.widget is not None else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        color = opt.palette.color(
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        )
        rect = opt.rect.adjusted(self.PAD, self.PAD, -self.PAD, -self.PAD)
        line = opt.fontMetrics.height()
        date = str(index.data(DateRole))
        date_width = opt.fontMetrics.horizontalAdvance(date) + self.PAD

        painter.save()
        painter.setPen(color)
        painter.setFont(opt.font)
        painter.drawText(rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop, date)
        bold = QFont(opt.font)
        bold.setBold(True)
        painter.setFont(bold)
        title = painter.fontMetrics().elidedText(
            str(index.data(PeerRole)), Qt.TextElideMode.ElideRight, rect.width() - date_width
        )
        painter.drawText(rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, title)

        doc = QTextDocument()
        doc.setDefaultFont(opt.font)
        doc.setDocumentMargin(0)
        doc.setDefaultStyleSheet(f"body {{ color: {color.name()}; }}")
        doc.setHtml(f"<body>{index.data(SnippetRole)}</body>")
        doc.setTextWidth(rect.width())
        top = line + 2
        painter.translate(rect.left(), rect.top() + top)
        doc.drawContents(painter, QRectF(0, 0, rect.width(), rect.height() - top))
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: ModelIndex) -> QSize:
        # The title line and up to two lines of snippet.
        return QSize(200, 3 * option.fontMetrics.height() + 2 * self.PAD + 2)


class SearchDialog(QDialog):
    """Type to search; Enter or double-click opens the message's conversation."""

    open_requested = Signal(str, str, int)  # conversation, peer ("" if not a direct chat), seq

    def __init__(self, session: AccountSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setWindowTitle("Search messages")

        self.search = QLineEdit()
        self.search.setPlaceholderText("Search all conversations")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search messages")
        self.search.setToolTip("Finds messages containing every word; the last one may be partial")
        self.search.installEventFilter(self)

        self.model = ResultsModel(session)
        self.results = QListView()
        self.results.setModel(self.model)
        self.results.setItemDelegate(ResultDelegate(self.results))
        self.results.setUniformItemSizes(True)
        self.results.setAccessibleName("Matching messages")
        self.results.activated.connect(self._open)

        self.empty = QLabel()
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.results)
        self.stack.addWidget(self.empty)

        self.count = QLabel()
        self.count.setForegroundRole(QPalette.ColorRole.PlaceholderText)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.run_search)
        self.search.textChanged.connect(self._timer.start)

        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.count)
        self.resize(520, 480)
        self._show_empty("Type a word to search your messages in every conversation.")

    def run_search(self) -> None:
        """Search now (the box waits for a pause in typing before calling this)."""
        self._timer.stop()
        text = self.search.text()
        if not text.strip():
            self.model.set_results("", [])
            self._show_empty("Type a word to search your messages in every conversation.")
            return
        try:
            found = [v for v in self.session.store.search(text, limit=MAX_RESULTS) if not v.deleted]
        except sqlite3.Error as exc:
            self.model.set_results(text, [])
            self._show_empty(f"Searching failed: {exc}.")
            return
        self.model.set_results(text, found)
        if not found:
            self._show_empty(f"No messages match “{text.strip()}”.")
            return
        self.stack.setCurrentWidget(self.results)
        self.results.setCurrentIndex(self.model.index(0))
        many = "the newest " if len(found) == MAX_RESULTS else ""
        self.count.setText(f"Showing {many}{len(found)} message{'s' if len(found) != 1 else ''}")

    def _show_empty(self, text: str) -> None:
        self.empty.setText(text)
        self.empty.setAccessibleName(text)
        self.stack.setCurrentWidget(self.empty)
        self.count.clear()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Up, Down and Enter in the search box move through and open the results."""
        if (
            watched is self.search
            and isinstance(event, QKeyEvent)
            and event.type() == QKeyEvent.Type.KeyPress
        ):
            key = event.key()
            if key in (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown):
                QApplication.sendEvent(self.results, event)
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                if self._timer.isActive():
                    self.run_search()
                self._open(self.results.currentIndex())
                return True
        return super().eventFilter(watched, event)

    def _open(self, index: QModelIndex) -> None:
        if not index.isValid() or self.stack.currentWidget() is not self.results:
            return
        view = self.model.results[index.row()]
        self.open_requested.emit(view.conversation, self.model.peer(view), view.seq)
        self.accept()
