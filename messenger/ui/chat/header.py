"""The top of a chat: who it is with, and their presence."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from messenger.ui import presence_style
from messenger.ui.chat.dates import last_seen_text
from messenger.ui.session import AccountSession


class PresenceDot(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.status = "offline"
        self.setFixedSize(QSize(12, 12))

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        ring = self.palette().color(self.backgroundRole())
        presence_style.paint_dot(painter, QRectF(1, 1, 10, 10), self.status, ring)


class ChatHeader(QFrame):
    def __init__(self, session: AccountSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.peer = ""
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.dot = PresenceDot(self)
        self.title = QLabel(self)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        font = self.title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.title.setFont(font)
        self.status = QLabel(self)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        names = QVBoxLayout()
        names.setSpacing(0)
        names.addWidget(self.title)
        names.addWidget(self.status)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.addWidget(self.dot, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addLayout(names, 1)

    def show_peer(self, peer: str) -> None:
        self.peer = peer
        self.refresh()

    def refresh(self) -> None:
        """Show the peer's current name and presence, as the roster has them."""
        contact = self._session.roster.get(self.peer)
        status = contact.status if contact is not None else "offline"
        self.title.setText(self._session.name_of(self.peer))
        self.title.setToolTip(self.peer)
        self.dot.status = status
        self.dot.setAccessibleName(presence_style.LABELS.get(status, status))
        self.dot.update()
        text = presence_style.LABELS.get(status, status)
        if contact is not None and contact.text and status != "offline":
            text = f"{text} — {contact.text}"
        elif contact is not None and status == "offline" and contact.last_seen:
            text = last_seen_text(contact.last_seen)
        self.status.setText(text)
