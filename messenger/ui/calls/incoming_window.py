"""The window of a ringing call: who calls, voice or video, and three answers.

A top-level window of its own, kept above the others, so a call is seen whichever window
has the focus, or none. Closing it declines the call, as putting a ringing phone down would.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QCloseEvent, QColor, QPalette
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from messenger.ui.avatar import avatar_pixmap
from messenger.ui.calls import icons, words
from messenger.ui.session import AccountSession

AVATAR = 96
BUTTON = 56


def answer_button(text: str, glyph: icons.Glyph, fill: QColor, name: str) -> QToolButton:
    """A round coloured button with its label underneath."""
    button = QToolButton()
    button.setText(text)
    button.setAccessibleName(name)
    button.setToolTip(name)
    button.setIcon(icons.round_icon(glyph, fill, QColor("white"), BUTTON))
    button.setIconSize(QSize(BUTTON, BUTTON))
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
    button.setAutoRaise(True)
    button.setCursor(Qt.CursorShape.PointingHandCursor)
    return button


class IncomingCallWindow(QWidget):
    accepted = Signal(bool)  # with video
    declined = Signal()

    def __init__(self, session: AccountSession, caller: str, *, video: bool) -> None:
        super().__init__(None, Qt.WindowType.Window | Qt.WindowType.WindowStaysOnTopHint)
        self.caller = caller
        self._answered = False
        name = session.name_of(caller)
        self.setWindowTitle(f"{name} is calling — Messenger")
        self.setAccessibleName(f"Incoming call from {name}")

        picture = QLabel()
        picture.setPixmap(avatar_pixmap(session, caller, AVATAR, self.devicePixelRatio()))
        picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.name_label = QLabel(name)
        self.name_label.setTextFormat(Qt.TextFormat.PlainText)
        self.name_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        font = self.name_label.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.4)
        self.name_label.setFont(font)
        self.kind_label = QLabel(words.incoming(video))
        self.kind_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.kind_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)

        self.decline_button = answer_button(
            "Decline", icons.hang_up, icons.HANG_UP, f"Decline the call from {name}"
        )
        self.voice_button = answer_button(
            "Voice", icons.handset, icons.ACCEPT, "Answer with voice only"
        )
        self.video_button = answer_button("Video", icons.camera, icons.ACCEPT, "Answer with video")
        self.decline_button.clicked.connect(self._decline)
        self.voice_button.clicked.connect(lambda: self._accept(False))
        self.video_button.clicked.connect(lambda: self._accept(True))
        (self.video_button if video else self.voice_button).setFocus()

        buttons = QHBoxLayout()
        buttons.setSpacing(28)
        buttons.addStretch(1)
        buttons.addWidget(self.decline_button)
        buttons.addWidget(self.voice_button)
        buttons.addWidget(self.video_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 28, 32, 24)
        layout.setSpacing(6)
        layout.addWidget(picture)
        layout.addSpacing(8)
        layout.addWidget(self.name_label)
        layout.addWidget(self.kind_label)
        layout.addSpacing(20)
        layout.addLayout(buttons)
        self.setMinimumWidth(360)

    def finish(self) -> None:
        """The call stopped ringing here (answered elsewhere, cancelled): close, say nothing."""
        self._answered = True
        self.close()

    def _accept(self, video: bool) -> None:
        if not self._answered:
            self._answered = True
            self.accepted.emit(video)
            self.close()

    def _decline(self) -> None:
        if not self._answered:
            self._answered = True
            self.declined.emit()
            self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        self._decline()
        super().closeEvent(event)
