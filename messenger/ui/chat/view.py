"""The scrolling list of a chat: keeps its place as history is added above it, follows new
messages while at the bottom, loads older pages near the top, and turns clicks on links,
reaction chips and the retry/discard actions into actions.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, QEvent, QModelIndex, QPoint, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QContextMenuEvent,
    QDesktopServices,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QGuiApplication,
    QHelpEvent,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
)
from PySide6.QtWidgets import QAbstractItemView, QListView, QToolTip, QWidget

from messenger.ui.chat.dates import full_text
from messenger.ui.chat.delegate import ChatDelegate, Hit
from messenger.ui.chat.model import ChatModel
from messenger.ui.files.drops import local_files

# Within this many pixels of an end the view counts as there (and pages are loaded before
# the user reaches the very top, so scrolling up rarely stops).
EDGE = 4
PRELOAD = 600

_BOTTOM = ("", 0)  # the anchor that means "stay at the bottom"

STATE_NAMES = {
    "sending": "Sending…",
    "failed": "Not sent",
    "sent": "Sent",
    "delivered": "Delivered",
    "read": "Read",
}


class ChatView(QListView):
    at_bottom_changed = Signal(bool)
    context_menu_requested = Signal(int, QPoint)  # row, global position
    reaction_clicked = Signal(int, str)  # row, emoji: toggle one's own reaction
    action_clicked = Signal(int, str)  # row, "retry" or "discard"
    quote_clicked = Signal(int)  # the quoted message's seq
    call_back_clicked = Signal(bool)  # a call's history entry: call again, with video or not
    file_action_clicked = Signal(int, str)  # row, a file card's action (download, open, ...)
    files_dropped = Signal(list)  # local paths (pathlib.Path) dropped on the messages

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Messages")
        self.setUniformItemSizes(False)
        # The model holds a window of at most a few pages, so laying all rows out in one pass
        # stays cheap, and positions are known at once (needed to keep the view's place).
        self.setLayoutMode(QListView.LayoutMode.SinglePass)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setFrameShape(QListView.Shape.NoFrame)
        self.setMouseTracking(True)
        self.setAcceptDrops(True)
        self.verticalScrollBar().setSingleStep(24)
        self._delegate = ChatDelegate(self)
        self.setItemDelegate(self._delegate)
        self._at_bottom = True
        # What to keep in place across a model change: the bottom, or a row's key and top.
        self._anchor: tuple[str, int] | None = None
        self._chat: ChatModel | None = None
        # Deferred to the next loop turn (and dropped with the view if it goes first).
        self._load_timer = QTimer(self, singleShot=True, interval=0)
        self._load_timer.timeout.connect(self._load_if_near_an_end)
        self._restore_timer = QTimer(self, singleShot=True, interval=0)
        self._restore_timer.timeout.connect(self._restore_position)
        bar = self.verticalScrollBar()
        bar.valueChanged.connect(self._on_scrolled)
        bar.rangeChanged.connect(self._on_range_changed)
        self._delegate.sizeHintChanged.connect(lambda _index: self._remember_position())

    @property
    def delegate(self) -> ChatDelegate:
        return self._delegate

    @property
    def at_bottom(self) -> bool:
        return self._at_bottom

    def setModel(self, model: QAbstractItemModel | None) -> None:
        old = self._chat
        if old is not None:
            old.rowsAboutToBeInserted.disconnect(self._before_change)
            old.rowsAboutToBeRemoved.disconnect(self._before_change)
            old.rowsInserted.disconnect(self._after_change)
            old.rowsRemoved.disconnect(self._after_change)
            old.dataChanged.disconnect(self._on_data_changed)
            old.modelReset.disconnect(self.scroll_to_bottom)
        self._chat = model if isinstance(model, ChatModel) else None
        # The place is noted before the view's own handlers see a change (they forget the
        # old positions), and restored after them (once they know the new rows).
        if self._chat is not None:
            self._chat.rowsAboutToBeInserted.connect(self._before_change)
            self._chat.rowsAboutToBeRemoved.connect(self._before_change)
        super().setModel(model)
        if self._chat is not None:
            self._chat.rowsInserted.connect(self._after_change)
            self._chat.rowsRemoved.connect(self._after_change)
            self._chat.dataChanged.connect(self._on_data_changed)
            self._chat.modelReset.connect(self.scroll_to_bottom)
        self._anchor = None
        self._set_at_bottom(True)
        self.scroll_to_bottom()

    # --- keeping the place ----------------------------------------------------------

    def scroll_to_bottom(self) -> None:
        """Show the newest message and follow new ones from now on."""
        self.executeDelayedItemsLayout()
        self.scrollToBottom()
        self._set_at_bottom(True)
        self._load_timer.start()

    def _remember_position(self) -> None:
        """Note what the user looks at, before rows above it come, go or change height."""
        if self._anchor is not None:
            return
        if self._at_bottom:
            self._anchor = _BOTTOM
        else:
            index = self.indexAt(QPoint(self.viewport().width() // 2, 1))
            if not index.isValid() or self._chat is None:
                return
            self._anchor = (self._chat.row_at(index.row()).key, self.visualRect(index).top())
        self._restore_timer.start()

    def _before_change(self, _parent: QModelIndex, _first: int, _last: int) -> None:
        self._remember_position()

    def _after_change(self, _parent: QModelIndex, _first: int, _last: int) -> None:
        # Restore before anything is painted, so the user never sees the list jump.
        self._restore_position()

    def _on_data_changed(self, *_args: object) -> None:
        # A row that changed may change height; the layout pass that follows must not move
        # what the user is looking at.
        self._remember_position()
        self.scheduleDelayedItemsLayout()

    def _restore_position(self) -> None:
        self._restore_timer.stop()
        anchor, self._anchor = self._anchor, None
        if anchor is None or self._chat is None:
            return
        self.executeDelayedItemsLayout()
        if anchor == _BOTTOM:
            self._chat.trim_to_window()
            self.executeDelayedItemsLayout()
            self.scrollToBottom()
            return
        key, top = anchor
        row = self._chat.row_of_key(key)
        if row is not None:
            moved = self.visualRect(self._chat.index(row)).top() - top
            bar = self.verticalScrollBar()
            bar.setValue(bar.value() + moved)
        # Still near an end after the change (a short page, a fast scroll): keep loading.
        self._load_timer.start()

    def _on_range_changed(self, _low: int, high: int) -> None:
        if self._at_bottom and self._anchor is None:
            self.verticalScrollBar().setValue(high)

    def _on_scrolled(self, value: int) -> None:
        bar = self.verticalScrollBar()
        if self._anchor is None:  # a jump while keeping the place is not the user scrolling
            self._set_at_bottom(value >= bar.maximum() - EDGE and self._model_at_newest())
        self._load_timer.start()

    def _model_at_newest(self) -> bool:
        return self._chat is None or self._chat.at_newest

    def _set_at_bottom(self, at_bottom: bool) -> None:
        if at_bottom != self._at_bottom:
            self._at_bottom = at_bottom
            self.at_bottom_changed.emit(at_bottom)

    def _load_if_near_an_end(self) -> None:
        if self._chat is None:
            return
        bar = self.verticalScrollBar()
        if bar.value() < PRELOAD:
            self._chat.load_older()
        elif bar.value() > bar.maximum() - PRELOAD and not self._chat.at_newest:
            self._chat.load_newer()

    # --- pointer and keyboard -------------------------------------------------------

    def hit_at(self, pos: QPoint) -> tuple[QModelIndex, Hit | None]:
        """The row at a viewport position and what of it lies there."""
        index = self.indexAt(pos)
        if not index.isValid():
            return index, None
        return index, self._delegate.hit(index, pos - self.visualRect(index).topLeft())

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        _, hit = self.hit_at(event.position().toPoint())
        clickable = hit is not None and hit.kind in (
            "link",
            "reaction",
            "retry",
            "discard",
            "quote",
            "call",
            "file",
        )
        self.viewport().setCursor(
            Qt.CursorShape.PointingHandCursor if clickable else Qt.CursorShape.ArrowCursor
        )
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            index, hit = self.hit_at(event.position().toPoint())
            if hit is not None and self.activate(index.row(), hit):
                return
        super().mouseReleaseEvent(event)

    def activate(self, row: int, hit: Hit) -> bool:
        """Do what clicking ``hit`` in ``row`` does; False if it does nothing."""
        match hit.kind:
            case "link":
                QDesktopServices.openUrl(QUrl(hit.value))
            case "reaction":
                self.reaction_clicked.emit(row, hit.value)
            case "retry" | "discard":
                self.action_clicked.emit(row, hit.kind)
            case "quote":
                self.quote_clicked.emit(int(hit.value))
            case "call":
                self.call_back_clicked.emit(hit.value == "video")
            case "file":
                self.file_action_clicked.emit(row, hit.value)
            case _:
                return False
        return True

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            index, hit = self.hit_at(event.pos())
            tip = self._tooltip(index, hit)
            if tip:
                QToolTip.showText(event.globalPos(), tip, self.viewport())
            else:
                QToolTip.hideText()
            return True
        return super().viewportEvent(event)

    def _tooltip(self, index: QModelIndex, hit: Hit | None) -> str:
        if hit is None or self._chat is None:
            return ""
        row = self._chat.row_at(index.row())
        match hit.kind:
            case "link":
                return hit.value
            case "reaction":
                names = self._delegate.chip_names(index, hit.value)
                return f"{names} — click to react with {hit.value} too, or to take yours back"
            case "call":
                return "Call again with video" if hit.value == "video" else "Call again"
            case "file" if hit.value == "view":
                return "View the image"
            case "time" if row.message is not None:
                when = full_text(row.message.ts)
                info = self._chat.info(index.row())
                if info is not None and info.notice:
                    return f"{info.text} · {when}"  # the sentence may be cut short in its pill
                if info is not None and info.seen_by:
                    return f"{when} · Seen by {', '.join(info.seen_by)}"
                state = self._chat.state_of(row)
                return f"{when} · {STATE_NAMES[state]}" if state else when
        return ""

    # --- dropping files ----------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if local_files(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if local_files(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = local_files(event.mimeData())
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        self.files_dropped.emit(paths)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        if event.reason() == QContextMenuEvent.Reason.Mouse:
            index = self.indexAt(event.pos())
            pos = event.globalPos()
        else:
            index = self.currentIndex()
            pos = self.viewport().mapToGlobal(self.visualRect(index).center())
        if index.isValid() and index.data(ChatModel.InfoRole) is not None:
            self.context_menu_requested.emit(index.row(), pos)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Copy):
            text = self.currentIndex().data(Qt.ItemDataRole.DisplayRole)
            if self.currentIndex().data(ChatModel.InfoRole) is not None and text:
                QGuiApplication.clipboard().setText(str(text))
            return
        super().keyPressEvent(event)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (
            QEvent.Type.PaletteChange,
            QEvent.Type.FontChange,
            QEvent.Type.StyleChange,
        ):
            self._delegate.clear_cache()
            self.scheduleDelayedItemsLayout()
        super().changeEvent(event)
