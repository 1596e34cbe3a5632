"""The top of a chat: who it is with, their presence, and the buttons that call them; for a
room, its name, topic and member count, a members button and the room's menu."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from messenger.client import ConnectionState
from messenger.protocol.rooms import is_room_id
from messenger.ui import presence_style
from messenger.ui.calls import icons
from messenger.ui.chat.dates import last_seen_text
from messenger.ui.rooms.avatar import room_pixmap
from messenger.ui.rooms.rights import can_manage
from messenger.ui.session import AccountSession

ROOM_PICTURE = 28


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
    # The room menu and the members button; each carries the room's id.
    members_requested = Signal(str)
    invite_requested = Signal(str)
    settings_requested = Signal(str)
    mute_requested = Signal(str, bool)
    leave_requested = Signal(str)

    def __init__(self, session: AccountSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.peer = ""
        self.room = ""  # the room shown, "" in a 1:1 chat
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.dot = PresenceDot(self)
        self.picture = QLabel(self)
        self.picture.setFixedSize(ROOM_PICTURE, ROOM_PICTURE)
        self.picture.hide()
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
        self.members_button = QToolButton(self)
        self.members_button.setAccessibleName("Members")
        self.members_button.setToolTip("Who is in this room")
        self.members_button.setAutoRaise(True)
        self.members_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.members_button.clicked.connect(lambda: self.members_requested.emit(self.room))
        self.room_menu = QMenu(self)
        self.room_menu.setAccessibleName("Room actions")
        self.room_menu.aboutToShow.connect(self._fill_room_menu)
        self.menu_button = QToolButton(self)
        self.menu_button.setText("⋮")
        self.menu_button.setAccessibleName("Room menu")
        self.menu_button.setToolTip("Room menu")
        self.menu_button.setAutoRaise(True)
        self.menu_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.menu_button.setMenu(self.room_menu)
        self.muted_mark = QLabel(self)
        self.muted_mark.setToolTip("Muted: no notifications but mentions of you")
        self.muted_mark.setAccessibleName("Muted")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.addWidget(self.dot, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(self.picture, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addLayout(names, 1)
        layout.addWidget(self.muted_mark, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(self.voice_call, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(self.video_call, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(self.members_button, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(self.menu_button, 0, Qt.AlignmentFlag.AlignVCenter)
        self._paint_icons()
        self._set_room_mode(False)
        session.connection_changed.connect(self._on_connection_changed)
        session.conversation_changed.connect(self._on_conversation_changed)

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
        muted = self.style().standardIcon(QStyle.StandardPixmap.SP_MediaVolumeMuted)
        self.muted_mark.setPixmap(muted.pixmap(16, 16))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self._paint_icons()  # the theme changed: glyphs in the new text colour
        super().changeEvent(event)

    def _on_connection_changed(self, _state: str, _error: str) -> None:
        self._update_call_buttons()

    def call_blocker(self) -> str:
        """Why the peer cannot be called now, in a sentence; "" when they can."""
        if self.room:
            return "Calls are for one-to-one chats."
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
        """Show a 1:1 chat with ``peer`` (or a room, when given a room's id)."""
        if is_room_id(peer):
            self.show_room(peer)
            return
        self.peer, self.room = peer, ""
        self._set_room_mode(False)
        self.refresh()

    def show_room(self, room: str) -> None:
        self.peer, self.room = "", room
        self._set_room_mode(True)
        self.refresh()
        # The store knows only the members who joined after me: ask who else is there.
        client = self._session.client
        if client.state == ConnectionState.AUTHENTICATED and self._session.username in (
            client.room_roles(room)
        ):
            self._session.run(self._fetch_members(room), "list the room's members")

    async def _fetch_members(self, room: str) -> None:
        await self._session.client.room_members(room)
        if self.room == room:
            self.refresh()

    def _set_room_mode(self, on: bool) -> None:
        self.dot.setVisible(not on)
        self.picture.setVisible(on)
        self.voice_call.setVisible(not on)
        self.video_call.setVisible(not on)
        self.members_button.setVisible(on)
        self.menu_button.setVisible(on)
        if not on:
            self.muted_mark.hide()

    def _on_conversation_changed(self, conversation: str) -> None:
        if self.room and conversation == self.room:
            self.refresh()  # renamed, a new topic, someone joined or left

    def refresh(self) -> None:
        """Show the peer's current name and presence, as the roster has them (a room's
        name, topic and members, as the store has them)."""
        if self.room:
            self._refresh_room()
            return
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

    # --- a room --------------------------------------------------------------------------

    def _refresh_room(self) -> None:
        client = self._session.client
        settings = self._session.store.timeline.room(self.room)
        name = settings.name if settings is not None and settings.name else "Room"
        roles = client.room_roles(self.room)
        in_room = self._session.username in roles
        count = len(roles)
        self.title.setText(f"#{name}")
        self.title.setToolTip(f"{'Public' if settings and settings.public else 'Private'} room")
        self.picture.setPixmap(room_pixmap(self.room, name, ROOM_PICTURE, self.devicePixelRatioF()))
        members = f"{count} member{'s' if count != 1 else ''}"
        topic = settings.topic if settings is not None else ""
        if not in_room:
            self.status.setText("You are no longer in this room: its history is read-only")
        else:
            self.status.setText(f"{topic} · {members}" if topic else members)
        self.status.setToolTip(topic)
        self.members_button.setText(str(count))
        self.members_button.setIcon(
            self.style().standardIcon(QStyle.StandardPixmap.SP_FileDialogDetailedView)
        )
        self.members_button.setToolTip(f"{members}: who is in this room")
        self.members_button.setEnabled(in_room)
        self.menu_button.setEnabled(in_room)
        self.muted_mark.setVisible(in_room and client.room_muted(self.room))

    def _fill_room_menu(self) -> None:
        """The room's actions as my role allows them now (roles change while a room is open)."""
        menu, room = self.room_menu, self.room
        menu.clear()
        role = self._session.client.room_roles(room).get(self._session.username)
        menu.addAction("Members…", lambda: self.members_requested.emit(room))
        if can_manage(role):
            menu.addAction("Invite…", lambda: self.invite_requested.emit(room))
            menu.addAction("Room settings…", lambda: self.settings_requested.emit(room))
        menu.addSeparator()
        mute = menu.addAction("Mute notifications")
        mute.setCheckable(True)
        mute.setChecked(self._session.client.room_muted(room))
        mute.toggled.connect(lambda on: self.mute_requested.emit(room, on))
        menu.addSeparator()
        menu.addAction("Leave room…", lambda: self.leave_requested.emit(room))
