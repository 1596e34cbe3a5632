"""A popup of emoji by category, with a search field; usable from the keyboard alone
(type to search, Down into the grid, arrows to move, Enter to pick, Esc to close).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint, QSize, Qt, Signal
from PySide6.QtGui import QFont, QGuiApplication, QKeyEvent
from PySide6.QtWidgets import (
    QFrame,
    QLineEdit,
    QListView,
    QListWidget,
    QListWidgetItem,
    QTabBar,
    QVBoxLayout,
    QWidget,
)

from messenger.text.emoji_catalog import CATEGORIES, Emoji, search

CELL = 36  # pixels per emoji in the grid
COLUMNS = 9
VISIBLE_ROWS = 6


class EmojiPicker(QFrame):
    picked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName("Emoji")

        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search emoji")
        self.search.setAccessibleName("Search emoji")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._refill)
        self.search.returnPressed.connect(self._pick_current)
        self.search.installEventFilter(self)

        self.tabs = QTabBar(self)
        self.tabs.setAccessibleName("Emoji categories")
        self.tabs.setExpanding(False)
        self.tabs.setDrawBase(False)
        for index, category in enumerate(CATEGORIES):
            self.tabs.addTab(category.icon)
            self.tabs.setTabToolTip(index, category.name)
            self.tabs.setTabData(index, category.name)
        self.tabs.currentChanged.connect(lambda _index: self._refill())

        self.grid = QListWidget(self)
        self.grid.setAccessibleName("Emoji")
        self.grid.setViewMode(QListView.ViewMode.IconMode)
        self.grid.setMovement(QListView.Movement.Static)
        self.grid.setResizeMode(QListView.ResizeMode.Adjust)
        self.grid.setUniformItemSizes(True)
        self.grid.setGridSize(QSize(CELL, CELL))
        self.grid.setWrapping(True)
        self.grid.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        font = QFont(self.font())
        font.setPointSizeF(max(font.pointSizeF(), 9.0) * 1.6)
        self.grid.setFont(font)
        self.grid.itemClicked.connect(self._pick_item)
        self.grid.itemActivated.connect(self._pick_item)
        scrollbar = self.grid.verticalScrollBar().sizeHint().width()
        self.grid.setFixedSize(CELL * COLUMNS + scrollbar + 6, CELL * VISIBLE_ROWS + 4)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(4)
        layout.addWidget(self.search)
        layout.addWidget(self.tabs)
        layout.addWidget(self.grid)
        self._refill()

    def popup_above(self, anchor: QWidget) -> None:
        """Open just above ``anchor`` (the button that opened it), kept on the screen."""
        self.search.clear()
        self.adjustSize()
        top_left = anchor.mapToGlobal(QPoint(0, 0)) - QPoint(0, self.height() + 4)
        self.popup_at(top_left)

    def popup_at(self, top_left: QPoint) -> None:
        screen = QGuiApplication.screenAt(top_left) or QGuiApplication.primaryScreen()
        self.adjustSize()
        if screen is not None:
            area = screen.availableGeometry()
            x = min(max(top_left.x(), area.left()), area.right() - self.width())
            y = min(max(top_left.y(), area.top()), area.bottom() - self.height())
            top_left = QPoint(x, y)
        self.move(top_left)
        self.show()
        self.search.setFocus()

    def shown(self) -> list[str]:
        """The emoji the grid shows now, in order."""
        return [self.grid.item(i).text() for i in range(self.grid.count())]

    def _refill(self) -> None:
        query = self.search.text().strip()
        self.tabs.setEnabled(not query)
        emoji: list[Emoji] | tuple[Emoji, ...] = (
            search(query) if query else CATEGORIES[max(0, self.tabs.currentIndex())].emoji
        )
        self.grid.clear()
        for e in emoji:
            item = QListWidgetItem(e.char)
            item.setToolTip(e.name.capitalize())
            item.setData(Qt.ItemDataRole.AccessibleTextRole, e.name)
            item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            self.grid.addItem(item)
        if self.grid.count():
            self.grid.setCurrentRow(0)

    def _pick_item(self, item: QListWidgetItem) -> None:
        self.picked.emit(item.text())
        self.close()

    def _pick_current(self) -> None:
        item = self.grid.currentItem()
        if item is not None:
            self._pick_item(item)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Down from the search field goes into the grid, as in any search-and-pick popup.
        if (
            watched is self.search
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Down
        ):
            self.grid.setFocus()
            return True
        return super().eventFilter(watched, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.close()
            return
        super().keyPressEvent(event)
