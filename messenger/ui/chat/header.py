"""The top of a chat: who it is with, their presence, and the buttons that call them."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from messenger.client import ConnectionState
from messenger.ui import presence_style
from messenger.ui.calls import icons
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
    call_requested = Signal(str, bool)  # peer, with video

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
        self.voice_call = self._call_button("Voice call", video=False)
        self.video_call = self._call_button("Video call", video=True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.addWidget(self.dot, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addLayout(names, 1)
        layout.addWidget(self.voice_call, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(self.video_call, 0, Qt.AlignmentFlag.AlignVCenter)
        self._paint_icons()
        session.connection_changed.connect(self._on_connection_changed)

    def _call_button(self, name: str, *, video: bool) -> QToolButton:
        button = QToolButton(self)
        button.setAccessibleName(name)
        button.setAutoRaise(True)
        button.setIconSize(QSize(22, 22))
        button.clicked.connect(lambda: self.call_requested.emit(self.peer, video))
        return button

    def _paint_icons(self) -> None:
        palette = self.palette()
        color = palette.color(QPalette.ColorRole.ButtonText)
        disabled = palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText)
        self.voice_call.setIcon(icons.icon(icons.handset, color, disabled))
        self.video_call.setIcon(icons.icon(icons.camera, color, disabled))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self._paint_icons()  # the theme changed: glyphs in the new text colour
        super().changeEvent(event)

    def _on_connection_changed(self, _state: str, _error: str) -> None:
        self._update_call_buttons()

    def call_blocker(self) -> str:
        """Why the peer cannot be called now, in a sentence; "" when they can."""
        name = self._session.name_of(self.peer)
        contact = self._session.roster.get(self.peer)
        if contact is None or contact.state != "accepted":
            return f"You can call {name} once you are each other's contacts."
        if contact.blocked:
            return f"You blocked {name}: unblock them to call."
        if self._session.state != ConnectionState.AUTHENTICATED:
            return "Calls need a connection to the server: you are offline."
        return ""

    def _update_call_buttons(self) -> None:
        blocker = self.call_blocker() if self.peer else "No chat open."
        name = self._session.name_of(self.peer)
        for button, what in ((self.voice_call, "Voice call"), (self.video_call, "Video call")):
            button.setEnabled(not blocker)
            button.setToolTip(blocker or f"{what} with {name}")

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
        self._update_call_buttons()
