"""Find a room to join: one's pending invitations, then the server's public rooms, searched
by the start of their name as one types. Joining opens the room; an invitation can also be
declined here. Refusals (banned, the room closed meanwhile) are shown in words.
"""

from __future__ import annotations

import asyncio

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
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

from messenger.protocol.errors import ProtocolError
from messenger.protocol.results import RoomInfo
from messenger.ui.rooms.avatar import room_pixmap
from messenger.ui.rooms.invitations import RoomInvitations
from messenger.ui.rooms.tasks import tied_task
from messenger.ui.rooms.words import room_error
from messenger.ui.session import AccountSession, describe_error
from messenger.ui.theme import InlineMessage

SEARCH_DELAY_MS = 250  # one request per pause in typing, not one per key
ROOM_ID = Qt.ItemDataRole.UserRole + 1
INVITED = Qt.ItemDataRole.UserRole + 2  # bool: the row is an invitation


def _members(count: int) -> str:
    return "1 member" if count == 1 else f"{count} members"


class BrowseRoomsDialog(QDialog):
    joined = Signal(str)  # the room id joined (or whose invitation was accepted)

    def __init__(
        self,
        session: AccountSession,
        invitations: RoomInvitations,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._session = session
        self._invitations = invitations
        self._public: list[RoomInfo] = []
        self._task: asyncio.Task[None] | None = None
        self._search: asyncio.Task[None] | None = None
        self.setWindowTitle("Join a room")
        self.setAccessibleName("Join a room")
        self.resize(460, 480)

        intro = QLabel("Rooms you are invited to, and the public rooms on this server.")
        intro.setWordWrap(True)
        self.query = QLineEdit()
        self.query.setPlaceholderText("Search public rooms by name")
        self.query.setAccessibleName("Search public rooms")
        self.query.setClearButtonEnabled(True)
        self.rooms = QListWidget()
        self.rooms.setAccessibleName("Rooms")
        self.rooms.setIconSize(QSize(32, 32))
        self.rooms.setWordWrap(True)
        self.status = InlineMessage()

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.join_button = QPushButton("Join")
        self.decline_button = QPushButton("Decline")
        self.buttons.addButton(self.decline_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.join_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.join_selected)
        self.buttons.rejected.connect(self.reject)
        self.decline_button.clicked.connect(self.decline_selected)
        self.rooms.currentItemChanged.connect(lambda *_: self._update_buttons())
        self.rooms.itemActivated.connect(lambda _item: self.join_selected())

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.search)
        self.query.textEdited.connect(self._on_query_edited)
        invitations.changed.connect(self._show)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.query)
        layout.addWidget(self.rooms, 1)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self._update_buttons()

    def open(self) -> None:
        self.query.clear()
        self.status.clear_message()
        self._show()
        super().open()
        self.query.setFocus()
        self.search()

    # --- listing -------------------------------------------------------------------------

    def _on_query_edited(self, _text: str) -> None:
        self.status.clear_message()
        self._timer.start()

    def search(self) -> None:
        """Ask the server for the public rooms whose names start with the typed text."""
        if self._search is not None and not self._search.done():
            self._search.cancel()  # an older query's answer would show the wrong rooms
        self._search = tied_task(self, self._load(self.query.text().strip().lstrip("#")))

    async def _load(self, prefix: str) -> None:
        try:
            self._public = await self._session.client.room_directory(prefix)
        except Exception as exc:
            self.status.show_error(f"The public rooms could not be listed: {describe_error(exc)}.")
            return
        if self.status.kind != "error":  # a refusal stays until the next thing typed
            self.status.clear_message()
        self._show()
        if not self._public and self.rooms.count() == 0:
            words = f"No public rooms start with “{prefix}”." if prefix else "No public rooms yet."
            self.status.show_info(words + " Create one with Rooms → New room.")

    def _show(self) -> None:
        current = self.selected()
        self.rooms.clear()
        mine = {r.id for r in self._session.client.rooms() if r.role is not None}
        invited = [i for i in self._invitations.pending() if i.id not in mine]
        for info in invited:
            inviter = self._session.name_of(info.invited_by) if info.invited_by else "Someone"
            self._add(info, f"Invited by {inviter} · {_members(info.members)}", invited=True)
        listed = {i.id for i in invited}
        for info in self._public:
            if info.id in listed:
                continue
            where = "You are in this room" if info.id in mine else _members(info.members)
            item = self._add(info, where, invited=False)
            if info.id in mine:
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
        for row in range(self.rooms.count()):
            if self.rooms.item(row).data(ROOM_ID) == current:
                self.rooms.setCurrentRow(row)
        self._update_buttons()

    def _add(self, info: RoomInfo, where: str, *, invited: bool) -> QListWidgetItem:
        topic = f"\n{info.topic}" if info.topic else ""
        item = QListWidgetItem(f"{info.name} — {where}{topic}")
        item.setIcon(QIcon(room_pixmap(info.id, info.name, 32, self.devicePixelRatioF())))
        item.setData(ROOM_ID, info.id)
        item.setData(INVITED, invited)
        item.setToolTip(f"#{info.name}{topic}")
        self.rooms.addItem(item)
        return item

    def selected(self) -> str | None:
        item = self.rooms.currentItem()
        if item is None or not item.flags() & Qt.ItemFlag.ItemIsEnabled:
            return None
        return str(item.data(ROOM_ID))

    def _update_buttons(self) -> None:
        item = self.rooms.currentItem()
        usable = self.selected() is not None and not self._busy()
        invited = usable and item is not None and bool(item.data(INVITED))
        self.join_button.setEnabled(usable)
        self.join_button.setText("Accept" if invited else "Join")
        self.decline_button.setVisible(invited)

    # --- joining -------------------------------------------------------------------------

    def _busy(self) -> bool:
        return self._task is not None and not self._task.done()

    def join_selected(self) -> None:
        room = self.selected()
        if room is None or self._busy():
            return
        item = self.rooms.currentItem()
        invited = item is not None and bool(item.data(INVITED))
        self._task = tied_task(self, self._join(room, invited))
        self._update_buttons()

    async def _join(self, room: str, invited: bool) -> None:
        try:
            if invited:
                info = await self._invitations.accept(room)
            else:
                info = await self._session.client.join_room(room)
        except ProtocolError as exc:
            self._fail(room_error(exc))
        except Exception as exc:
            self._fail(f"Could not join the room: {describe_error(exc)}.")
        else:
            self.accept()
            self.joined.emit(info.id)

    def decline_selected(self) -> None:
        room = self.selected()
        if room is None or self._busy():
            return
        self._task = tied_task(self, self._decline(room))
        self._update_buttons()

    async def _decline(self, room: str) -> None:
        try:
            await self._invitations.decline(room)
        except Exception as exc:
            self._fail(f"Could not decline the invitation: {describe_error(exc)}.")
        else:
            self._task = None
            self._show()

    def _fail(self, sentence: str) -> None:
        self._task = None
        self.status.show_error(sentence)
        self._show()
        self.search()  # what stands now (a room that closed is gone from the directory)
