"""Trust on first use: ask whether a server's self-signed certificate is the right one.

The fingerprint is shown in short groups so two people can compare it by reading
it aloud (over the phone, or across the room from the computer running the server).
"""

from __future__ import annotations

import asyncio

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontDatabase, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from messenger.client.known_servers import normalize_fingerprint
from messenger.ui.theme import error_color


def grouped_fingerprint(fingerprint: str) -> str:
    """The SHA-256 as 4 lines of 4 groups of 4 hex digits, e.g. ``AB12 CD34 ...``."""
    digits = normalize_fingerprint(fingerprint).replace(":", "")
    groups = [digits[i : i + 4] for i in range(0, len(digits), 4)]
    return "\n".join(" ".join(groups[i : i + 4]) for i in range(0, len(groups), 4))


class FingerprintDialog(QDialog):
    """Accept to trust (and pin) the certificate; Cancel (or Escape) to not connect."""

    def __init__(
        self, server: str, fingerprint: str, changed: bool, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Certificate changed" if changed else "New server certificate")
        icon_kind = (
            QStyle.StandardPixmap.SP_MessageBoxCritical
            if changed
            else QStyle.StandardPixmap.SP_MessageBoxQuestion
        )
        icon = QLabel()
        icon.setPixmap(self.style().standardIcon(icon_kind).pixmap(48, 48))
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)

        self.heading = QLabel()
        font = QFont(self.heading.font())
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.heading.setFont(font)
        self.heading.setWordWrap(True)
        self.explanation = QLabel()
        self.explanation.setWordWrap(True)
        self.explanation.setTextFormat(Qt.TextFormat.PlainText)
        if changed:
            self.heading.setText(f"{server} is showing a different certificate than before")
            palette = self.heading.palette()
            palette.setColor(self.heading.foregroundRole(), error_color(palette))
            self.heading.setPalette(palette)
            self.explanation.setText(
                "This can mean someone is intercepting your connection to read your messages."
                " It can also happen if the server was reinstalled.\n\n"
                "Do not continue unless the server's owner confirms that this fingerprint"
                " is the one their server shows now:"
            )
        else:
            self.heading.setText(f"Do you trust {server}?")
            self.explanation.setText(
                "This server uses its own certificate instead of one from a public authority,"
                " which is normal for a server on a home or office network.\n\n"
                "To be sure you reach the right computer, ask its owner to read out the"
                " fingerprint their server shows, and compare it with this one:"
            )
        grouped = grouped_fingerprint(fingerprint)
        self.fingerprint = QLabel(grouped)
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setPointSizeF(mono.pointSizeF() * 1.25)
        self.fingerprint.setFont(mono)
        self.fingerprint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.fingerprint.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.fingerprint.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.fingerprint.setAccessibleName("Certificate fingerprint (SHA-256)")
        self.fingerprint.setAccessibleDescription(grouped.replace("\n", ", "))
        self.fingerprint.setMargin(8)
        self.fingerprint.setAutoFillBackground(True)
        self.fingerprint.setBackgroundRole(self.fingerprint.palette().ColorRole.Base)
        remember = QLabel("If you trust it, this computer remembers it for this server.")
        remember.setWordWrap(True)

        buttons = QDialogButtonBox()
        self.trust = QPushButton("Trust anyway and connect" if changed else "Trust and connect")
        self.cancel = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.cancel.setText("Don't connect")
        buttons.addButton(self.trust, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        # A changed certificate may be an attack: Enter must not be the way through it.
        self._default = self.cancel if changed else self.trust
        self._default.setDefault(True)

        text = QVBoxLayout()
        text.addWidget(self.heading)
        text.addWidget(self.explanation)
        text.addWidget(self.fingerprint)
        text.addWidget(remember)
        top = QHBoxLayout()
        top.addWidget(icon)
        top.addLayout(text, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(buttons)
        self.setMinimumWidth(480)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._default.setFocus()

    @classmethod
    async def ask(
        cls, server: str, fingerprint: str, changed: bool, parent: QWidget | None = None
    ) -> bool:
        """Show the dialog window-modally and wait, on the running loop, for the answer."""
        dialog = cls(server, fingerprint, changed, parent)
        answered: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

        def finished(result: int) -> None:
            if not answered.done():
                answered.set_result(result == QDialog.DialogCode.Accepted.value)

        dialog.finished.connect(finished)
        dialog.open()
        try:
            return await answered
        finally:
            dialog.deleteLater()
