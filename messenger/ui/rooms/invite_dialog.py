"""Invite people to a room: pick contacts from the list or type a username (with
completion). Each invitation is sent at once and the dialog stays open for the next; the
server's refusal (not a contact, banned, already in) is shown in words.
"""

from __future__ import annotations

import asyncio

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from messenger.protocol.errors import ErrorCode, ProtocolError
from messenger.protocol.names import INVALID_USERNAME, normalize_username
from messenger.ui.avatar import avatar_pixmap
from messenger.ui.rooms.tasks import tied_task
from messenger.ui.rooms.words import room_error
from messenger.ui.session import AccountSession, describe_error
from messenger.ui.theme import InlineMessage

USERNAME = Qt.ItemDataRole.UserRole + 1


class InviteDialog(QDialog):
    def __init__(self, session: AccountSession, room: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.room = room
        self._task: asyncio.Task[None] | None = None
        settings = session.store.timeline.room(room)
        self._name = settings.name if settings is not None else room
        self.setWindowTitle(f"Invite to #{self._name}")
        self.setAccessibleName("Invite to room")
        self.resize(400, 440)

        intro = QLabel("Pick a contact, or type their username. Only contacts can be invited.")
        intro.setWordWrap(True)
        self.username = QLineEdit()
        self.username.setPlaceholderText("username")
        self.username.setAccessibleName("Username")
        self.username.setMaxLength(64)
        self.contacts = QListWidget()
        self.contacts.setAccessibleName("Contacts not in the room")
        self.contacts.setIconSize(QSize(28, 28))
        self.contacts.currentItemChanged.connect(self._picked)
        self.contacts.itemActivated.connect(lambda _item: self.submit())
        self.message = InlineMessage()

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.invite_button = QPushButton("Invite")
        self.buttons.addButton(self.invite_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.invite_button.clicked.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.username.returnPressed.connect(self.submit)
        self.username.textEdited.connect(lambda _text: self.message.clear_message())

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.username)
        layout.addWidget(self.contacts, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

    def open(self) -> None:
        self.username.clear()
        self.message.clear_message()
        self._fill()
        super().open()
        self.username.setFocus()

    def candidates(self) -> list[str]:
        """Accepted, unblocked contacts who are not in the room (as last heard here)."""
        members = self._session.client.room_roles(self.room)
        return sorted(
            (
                c.username
                for c in self._session.roster.contacts()
                if c.state == "accepted" and not c.blocked and c.username not in members
            ),
            key=lambda u: self._session.name_of(u).casefold(),
        )

    def _fill(self) -> None:
        self.contacts.clear()
        people = self.candidates()
        dpr = self.devicePixelRatioF()
        for username in people:
            name = self._session.name_of(username)
            label = name if name == username else f"{name} ({username})"
            item = QListWidgetItem(label)
            item.setIcon(QIcon(avatar_pixmap(self._session, username, 28, dpr)))
            item.setData(USERNAME, username)
            self.contacts.addItem(item)
        completer = QCompleter(people, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.username.setCompleter(completer)
        if not people:
            self.message.show_info("All your contacts are in this room already.")

    def _picked(self, item: QListWidgetItem | None) -> None:
        if item is not None:
            self.username.setText(str(item.data(USERNAME)))
            self.message.clear_message()

    def submit(self) -> None:
        if self._task is not None and not self._task.done():
            return
        raw = self.username.text()
        name = normalize_username(raw)
        problem = self._problem(raw, name)
        if problem is not None:
            self.message.show_error(problem)
            self.username.setFocus()
            return
        assert name is not None  # _problem has a sentence for every invalid name
        self.message.clear_message()
        self.invite_button.setEnabled(False)
        self._task = tied_task(self, self._invite(name))

    def _problem(self, raw: str, name: str | None) -> str | None:
        if not raw.strip():
            return "Pick a contact or enter a username."
        if name is None:
            return INVALID_USERNAME
        if name == self._session.username:
            return "You are in this room already."
        if name in self._session.client.room_roles(self.room):
            return f"{self._session.name_of(name)} is in this room already."
        contact = self._session.roster.get(name)
        if contact is None or contact.state != "accepted":
            return f"{name} is not one of your contacts: only contacts can be invited."
        return None

    async def _invite(self, name: str) -> None:
        try:
            result = await self._session.client.invite_to_room(self.room, name)
        except ProtocolError as exc:
            if exc.code == ErrorCode.NOT_FOUND:
                self.message.show_error(f"There is no user named {name}.")
            else:
                self.message.show_error(room_error(exc))
        except Exception as exc:
            self.message.show_error(f"The invitation was not sent: {describe_error(exc)}.")
        else:
            who = self._session.name_of(name)
            if result.seq:
                self.message.show_success(f"Invited {who}. They can accept or decline.")
            else:
                self.message.show_info(f"{who} has an invitation already.")
            self.username.clear()
        finally:
            self.invite_button.setEnabled(True)
