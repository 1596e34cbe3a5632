"""Helpers for the file tests: drops as a file manager makes them, and clicks on a card."""

from __future__ import annotations

import hashlib
from pathlib import Path

from PySide6.QtCore import QMimeData, QObject, QPoint, QPointF, Qt, QUrl, Slot
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QWidget

from messenger.ui.chat.model import ChatModel
from messenger.ui.chat.panel import ChatPanel
from messenger.ui.files.card import FileCard


def file_urls(*paths: Path) -> QMimeData:
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    return data


def drop(target: QWidget, data: QMimeData, at: QPoint | None = None) -> bool:
    """Drag ``data`` over ``target`` and drop it there; whether the drop was taken."""
    pos = at if at is not None else target.rect().center()
    action = Qt.DropAction.CopyAction
    button, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(pos, action, data, button, mods)
    QApplication.sendEvent(target, enter)
    if not enter.isAccepted():
        return False
    dropped = QDropEvent(QPointF(pos), action, data, button, mods)
    QApplication.sendEvent(target, dropped)
    return dropped.isAccepted()


def cards(panel: ChatPanel) -> list[FileCard]:
    model = panel.model
    if model is None:
        return []
    infos = (model.info(i) for i in range(model.rowCount()))
    return [info.file for info in infos if info is not None and info.file is not None]


def card_row(panel: ChatPanel, name: str) -> int:
    model = panel.model
    assert model is not None
    for row in range(model.rowCount()):
        info = model.info(row)
        if info is not None and info.file is not None and info.file.name == name:
            return row
    raise LookupError(name)


def action_point(panel: ChatPanel, row: int, action: str) -> QPoint:
    """Where a card's action (or ``view``: its thumbnail) is, in the view's viewport."""
    model = panel.model
    assert isinstance(model, ChatModel)
    info = model.info(row)
    assert info is not None
    layout = panel.view.delegate.layout_for(info)
    assert layout.file is not None
    if action == "view":
        assert layout.file.thumb is not None
        spot = layout.file.thumb.center()
    else:
        spot = next(r for r, a in layout.file.actions if a == action).center()
    panel.view.scrollTo(model.index(row))
    rect = panel.view.visualRect(model.index(row))
    return rect.topLeft() + QPoint(layout.left(rect.width()), 0) + spot


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class Opened(QObject):
    """Stands in for the desktop: records the URLs the app asks it to open."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url.toLocalFile())
