"""Ask someone to become a contact, by username.

The name is checked here first (the server's own rule, from messenger.protocol)
so a typo is pointed out at once; what only the server knows (no such user) comes
back as a sentence under the field. The dialog closes when the request is sent.
"""

from __future__ import annotations

import asyncio

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from messenger.protocol.errors import ErrorCode, ProtocolError
from messenger.protocol.names import INVALID_USERNAME, normalize_username
from messenger.ui.session import AccountSession, describe_error
from messenger.ui.theme import InlineMessage


class AddContactDialog(QDialog):
    def __init__(self, session: AccountSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._task: asyncio.Task[None] | None = None
        self.setWindowTitle("Add contact")
        self.setAccessibleName("Add contact")

        intro = QLabel(
            "Enter the username of the person you want to add. "
            "They will see your request and can accept it."
        )
        intro.setWordWrap(True)
        self.username = QLineEdit()
        self.username.setPlaceholderText("username")
        self.username.setAccessibleName("Username")
        self.username.setToolTip(
            "3 to 32 characters: letters, digits, dots, dashes and underscores"
        )
        self.username.setMaxLength(64)
        label = QLabel("&Username:")
        label.setBuddy(self.username)
        self.error = InlineMessage()

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.send_button = QPushButton("Send request")
        self.send_button.setAccessibleName("Send request")
        self.buttons.addButton(self.send_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.username.textEdited.connect(lambda _text: self.error.clear_message())

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(label)
        layout.addWidget(self.username)
        layout.addWidget(self.error)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        # Only now is the button inside the dialog, where being its default counts.
        self.send_button.setDefault(True)
        # The dialog follows its contents, so the error line grows it instead of
        # squeezing the field.
        layout.setSizeConstraint(QLayout.SizeConstraint.SetFixedSize)
        self.username.setMinimumWidth(340)

    def open(self) -> None:
        """Show the dialog fresh: an empty field with the cursor in it."""
        self.username.clear()
        self.error.clear_message()
        self._set_busy(False)
        super().open()
        self.username.setFocus()

    def submit(self) -> None:
        """Check the name, then send the request; the answer decides whether to close."""
        if self._task is not None and not self._task.done():
            return
        raw = self.username.text()
        name = normalize_username(raw)
        problem = self._problem(raw, name)
        if problem is not None:
            self.error.show_error(problem)
            self.username.setFocus()
            return
        assert name is not None  # _problem returns a sentence for every invalid name
        self._set_busy(True)
        self._task = asyncio.ensure_future(self._send(name))

    def _problem(self, raw: str, name: str | None) -> str | None:
        if not raw.strip():
            return "Enter a username."
        if name is None:
            return INVALID_USERNAME
        if name == self._session.username:
            return "That is your own username: enter someone else's."
        contact = self._session.roster.get(name)
        if contact is not None and not contact.blocked:
            if contact.state == "accepted":
                return f"{self._session.name_of(name)} is already in your contacts."
            if contact.state == "outgoing":
                return f"You have already asked {name}; they have not answered yet."
        return None

    async def _send(self, name: str) -> None:
        try:
            await self._session.contact_action("request", name)
        except ProtocolError as exc:
            self._fail(self._explain(exc, name))
        except Exception as exc:  # shown, never raised: the dialog stays usable
            self._fail(f"The request could not be sent: {describe_error(exc)}.")
        else:
            self._set_busy(False)
            self.accept()

    def _explain(self, exc: ProtocolError, name: str) -> str:
        if exc.code == ErrorCode.NOT_FOUND:
            return f"There is no user named {name}. Check the spelling."
        return f"The request could not be sent: {exc.message}."

    def _fail(self, sentence: str) -> None:
        self._set_busy(False)
        if self.isVisible():
            self.error.show_error(sentence)
            self.username.setFocus()
            self.username.selectAll()

    def _set_busy(self, busy: bool) -> None:
        self.send_button.setEnabled(not busy)
        self.username.setReadOnly(busy)
        self.send_button.setText("Sending…" if busy else "Send request")
