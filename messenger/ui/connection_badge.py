"""The always-visible connection state: a coloured dot and a sentence in the status bar."""

from __future__ import annotations

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from messenger.client import ConnectionState

# What each state means to a person, and whether their messages still go out.
_TEXT = {
    ConnectionState.AUTHENTICATED: "Online",
    ConnectionState.CONNECTED: "Signing in…",
    ConnectionState.CONNECTING: "Connecting…",
    ConnectionState.DISCONNECTED: "Offline — messages will be sent when the connection is back",
    ConnectionState.FAILED: "Signed out",
    ConnectionState.CLOSED: "Closed",
}
_COLOR = {
    ConnectionState.AUTHENTICATED: QColor("#2fb344"),
    ConnectionState.CONNECTED: QColor("#f59f00"),
    ConnectionState.CONNECTING: QColor("#f59f00"),
    ConnectionState.DISCONNECTED: QColor("#d63939"),
    ConnectionState.FAILED: QColor("#d63939"),
    ConnectionState.CLOSED: QColor("#868e96"),
}


class ConnectionBadge(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.dot = QLabel("●")
        self.label = QLabel()
        self.setAccessibleName("Connection state")
        row = QHBoxLayout(self)
        row.setContentsMargins(4, 0, 8, 0)
        row.setSpacing(6)
        row.addWidget(self.dot)
        row.addWidget(self.label)
        self.state = ConnectionState.DISCONNECTED

    @property
    def text(self) -> str:
        return self.label.text()

    def set_state(self, state: str, error: str = "") -> None:
        self.state = ConnectionState(state)
        text = _TEXT[self.state]
        self.label.setText(text)
        self.dot.setStyleSheet(f"color: {_COLOR[self.state].name()};")
        detail = f"{text}\n{error}" if error else text
        self.setToolTip(detail)
        self.setAccessibleDescription(detail)
