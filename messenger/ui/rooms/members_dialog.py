"""Who is in a room, with their roles and presence, and what one's role lets one do to them.

The list is the server's snapshot (``room_members``), fetched on opening and again whenever
the room's membership changes; presence of members who are one's contacts follows the live
roster, the others' is as of the last fetch (the server sends live presence for contacts
only). Only the actions one's role allows are offered; a refusal is shown in words.
"""

from __future__ import annotations

import asyncio
import functools

from PySide6.QtCore import QPoint, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from messenger.protocol.errors import ErrorCode, ProtocolError
from messenger.protocol.results import RoomMember
from messenger.protocol.rooms import ROLE_RANK
from messenger.ui import presence_style
from messenger.ui.avatar import avatar_pixmap
from messenger.ui.confirm import confirm
from messenger.ui.rooms.rights import (
    ACTION_LABELS,
    ROLE_LABELS,
    MemberAction,
    can_manage,
    member_actions,
)
from messenger.ui.rooms.tasks import tied_task
from messenger.ui.rooms.words import room_error
from messenger.ui.session import AccountSession, describe_error
from messenger.ui.theme import InlineMessage

AVATAR = 32
USERNAME = Qt.ItemDataRole.UserRole + 1
ROLE = Qt.ItemDataRole.UserRole + 2
STATUS = Qt.ItemDataRole.UserRole + 3


class RoomMembersDialog(QDialog):
    invite_requested = Signal(str)  # room
    leave_requested = Signal(str)  # room

    def __init__(self, session: AccountSession, room: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.room = room
        self._members: list[RoomMember] = []
        self._load_task: asyncio.Task[None] | None = None
        self._action: asyncio.Task[None] | None = None
        self._gone = False  # I am no longer in the room: nothing to manage
        self.setAccessibleName("Room members")
        self.resize(420, 520)

        self.title = QLabel()
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.list = QListWidget()
        self.list.setAccessibleName("Members")
        self.list.setIconSize(QSize(AVATAR, AVATAR))
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._show_menu)
        self.list.currentItemChanged.connect(lambda *_: self._update_buttons())
        self.message = InlineMessage()

        self.invite_button = QPushButton("Invite…")
        self.invite_button.setToolTip("Invite one of your contacts to this room")
        self.invite_button.clicked.connect(lambda: self.invite_requested.emit(self.room))
        self.manage_button = QToolButton()
        self.manage_button.setText("Manage member")
        self.manage_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.manage_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self._manage_menu = QMenu(self)
        self.manage_button.setMenu(self._manage_menu)
        self.leave_button = QPushButton("Leave room…")
        self.leave_button.clicked.connect(lambda: self.leave_requested.emit(self.room))
        row = QHBoxLayout()
        row.addWidget(self.invite_button)
        row.addWidget(self.manage_button)
        row.addStretch(1)
        row.addWidget(self.leave_button)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.message)
        layout.addLayout(row)
        layout.addWidget(close)

        session.conversation_changed.connect(self._on_conversation_changed)
        session.roster_changed.connect(lambda _user: self._show())
        session.profile_changed.connect(lambda _user: self._show())
        self._show_title()
        self._update_buttons()

    # --- loading -----------------------------------------------------------------------

    def open(self) -> None:
        """Show the list beside the chat (not modal: one keeps reading and writing)."""
        self.message.clear_message()
        self.reload()
        self.show()
        self.raise_()
        self.activateWindow()

    def reload(self) -> None:
        """Fetch the members afresh (roles, presence), replacing an older fetch underway."""
        if self._load_task is not None and not self._load_task.done():
            self._load_task.cancel()
        self._load_task = tied_task(self, self._load())

    async def _load(self) -> None:
        try:
            self._members = await self._session.client.room_members(self.room)
        except ProtocolError as exc:
            if exc.code == ErrorCode.FORBIDDEN:
                self._gone = True
                self._members = []
                self.message.show_info("You are no longer in this room.")
            else:
                self.message.show_error(f"The members could not be listed: {exc.message}.")
        except Exception as exc:
            self.message.show_error(f"The members could not be listed: {describe_error(exc)}.")
        self._show()

    def _on_conversation_changed(self, conversation: str) -> None:
        if conversation != self.room:
            return
        self._show_title()
        listed = {m.username: m.role for m in self._members}
        if listed and listed != self._session.client.room_roles(self.room):
            self.reload()  # someone joined, left, was removed or changed role

    # --- showing -----------------------------------------------------------------------

    def my_role(self) -> str | None:
        me = self._session.username
        return next((m.role for m in self._members if m.username == me), None)

    def _show_title(self) -> None:
        settings = self._session.store.timeline.room(self.room)
        name = settings.name if settings is not None else self.room
        self.setWindowTitle(f"Members of #{name}")
        count = len(self._members) or len(self._session.client.room_roles(self.room))
        self.title.setText(f"#{name} — {count} member{'s' if count != 1 else ''}")

    def _status(self, member: RoomMember) -> tuple[str, str]:
        """Presence and status text: live for me and my contacts, else the snapshot."""
        if member.username == self._session.username:
            return self._session.status, self._session.status_text
        contact = self._session.roster.get(member.username)
        if contact is not None and contact.state == "accepted" and not contact.blocked:
            return contact.status, contact.text
        return member.status, member.text

    def _show(self) -> None:
        current = self.selected()
        self.list.clear()
        me = self._session.username
        ordered = sorted(
            self._members,
            key=lambda m: (-ROLE_RANK.get(m.role, 0), self._session.name_of(m.username).casefold()),
        )
        for member in ordered:
            status, text = self._status(member)
            name = member.display_name or self._session.name_of(member.username)
            you = " (you)" if member.username == me else ""
            presence = presence_style.LABELS.get(status, status).split(" —")[0]
            detail = f"{presence} — {text}" if text and status != "offline" else presence
            item = QListWidgetItem(
                f"{name}{you} · {ROLE_LABELS.get(member.role, member.role)}\n{detail}"
            )
            item.setIcon(QIcon(self._picture(member.username, status)))
            item.setData(USERNAME, member.username)
            item.setData(ROLE, member.role)
            item.setData(STATUS, status)
            item.setToolTip(f"{name} ({member.username})")
            self.list.addItem(item)
            if member.username == current:
                self.list.setCurrentItem(item)
        self._show_title()
        self._update_buttons()

    def _picture(self, username: str, status: str) -> QPixmap:
        dpr = self.devicePixelRatioF()
        pixmap = QPixmap(avatar_pixmap(self._session, username, AVATAR, dpr))
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        dot = QRectF(AVATAR - 12, AVATAR - 12, 12, 12)
        ring = self.palette().color(QPalette.ColorRole.Base)
        presence_style.paint_dot(painter, dot, status, ring)
        painter.end()
        return pixmap

    def selected(self) -> str | None:
        item = self.list.currentItem()
        return None if item is None else str(item.data(USERNAME))

    def actions_for(self, username: str) -> list[MemberAction]:
        """What I may do to ``username``, as the room's rules allow my role."""
        theirs = next((m.role for m in self._members if m.username == username), None)
        if theirs is None or self._gone:
            return []
        me = self._session.username
        return member_actions(self.my_role(), theirs, is_self=username == me)

    def _update_buttons(self) -> None:
        mine = self.my_role()
        self.invite_button.setVisible(can_manage(mine))
        self.leave_button.setEnabled(mine is not None and not self._gone)
        username = self.selected()
        actions = self.actions_for(username) if username else []
        self.manage_button.setEnabled(bool(actions))
        self._fill(self._manage_menu, username or "")
        self.manage_button.setVisible(can_manage(mine))

    def menu_for(self, username: str) -> QMenu:
        """The actions on one member, as their context menu and the Manage button offer."""
        menu = QMenu(self)
        self._fill(menu, username)
        return menu

    def _fill(self, menu: QMenu, username: str) -> None:
        menu.clear()
        menu.setAccessibleName("Member actions")
        for action in self.actions_for(username) if username else []:
            if action == "remove":
                menu.addSeparator()
            entry = menu.addAction(ACTION_LABELS[action])
            entry.setObjectName(action)
            entry.triggered.connect(functools.partial(self.request, action, username))

    def _show_menu(self, pos: QPoint) -> None:
        item = self.list.itemAt(pos)
        if item is None:
            return
        username = str(item.data(USERNAME))
        if not self.actions_for(username):
            return
        menu = self.menu_for(username)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(self.list.viewport().mapToGlobal(pos))

    # --- acting ------------------------------------------------------------------------

    def request(self, action: MemberAction, username: str) -> None:
        """Do ``action`` to ``username``, asking first for what cannot be undone."""
        name = self._session.name_of(username)
        settings = self._session.store.timeline.room(self.room)
        room = f"#{settings.name}" if settings is not None else "the room"
        public = settings is not None and settings.public
        come_back = "by joining again or " if public else ""
        questions: dict[MemberAction, tuple[str, str]] = {
            "hand_over": (
                f"Make {name} the owner of {room}? You will become an admin.",
                "Make owner",
            ),
            "remove": (
                f"Remove {name} from {room}? They can come back only {come_back}"
                "by a new invitation.",
                "Remove",
            ),
            "ban": (
                f"Ban {name} from {room}? They are removed and cannot come back "
                "until an admin lifts the ban.",
                "Ban",
            ),
        }
        go = functools.partial(self._start, action, username)
        if action in questions:
            question, button = questions[action]
            confirm(self, "Room members", question, button, go)
        else:
            go()

    def _start(self, action: MemberAction, username: str) -> None:
        if self._action is not None and not self._action.done():
            return
        self.message.clear_message()
        self._action = tied_task(self, self._act(action, username))

    async def _act(self, action: MemberAction, username: str) -> None:
        client = self._session.client
        try:
            match action:
                case "promote":
                    await client.set_room_role(self.room, username, "admin")
                case "demote":
                    await client.set_room_role(self.room, username, "member")
                case "hand_over":
                    await client.set_room_role(self.room, username, "owner")
                case "remove":
                    await client.remove_from_room(self.room, username)
                case "ban":
                    await client.remove_from_room(self.room, username, ban=True)
        except ProtocolError as exc:
            self.message.show_error(room_error(exc))
        except Exception as exc:
            self.message.show_error(f"That did not work: {describe_error(exc)}.")
        self.reload()  # what stands now, whether it worked or a role changed meanwhile
