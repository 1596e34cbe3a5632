"""The room operations a window offers, in one place for the list, the header and the menus:
the dialogs (new room, join, members, invite, settings), leaving with a confirmation,
accepting or declining an invitation, and muting on this device.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from messenger.protocol.errors import ProtocolError
from messenger.ui.confirm import confirm
from messenger.ui.rooms.create_dialog import CreateRoomDialog
from messenger.ui.rooms.directory_dialog import BrowseRoomsDialog
from messenger.ui.rooms.invitations import RoomInvitations
from messenger.ui.rooms.invite_dialog import InviteDialog
from messenger.ui.rooms.members_dialog import RoomMembersDialog
from messenger.ui.rooms.settings_dialog import RoomSettingsDialog
from messenger.ui.rooms.words import room_error
from messenger.ui.session import AccountSession, describe_error


class RoomController(QObject):
    room_opened = Signal(str)  # a room to show: just created, joined or accepted
    muted_changed = Signal(str, bool)  # room, muted

    def __init__(
        self, session: AccountSession, invitations: RoomInvitations, window: QWidget
    ) -> None:
        super().__init__(window)
        self._session = session
        self.invitations = invitations
        self._window = window
        self._create: CreateRoomDialog | None = None
        self._browse: BrowseRoomsDialog | None = None
        self._members: dict[str, RoomMembersDialog] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def name(self, room: str) -> str:
        settings = self._session.store.timeline.room(room)
        if settings is not None and settings.name:
            return f"#{settings.name}"
        invitation = self.invitations.get(room)
        return f"#{invitation.name}" if invitation is not None else "the room"

    # --- dialogs -----------------------------------------------------------------------

    def new_room(self) -> CreateRoomDialog:
        if self._create is None:
            self._create = CreateRoomDialog(self._session, self._window)
            self._create.created.connect(self.room_opened)
        self._create.open()
        return self._create

    def browse(self) -> BrowseRoomsDialog:
        if self._browse is None:
            self._browse = BrowseRoomsDialog(self._session, self.invitations, self._window)
            self._browse.joined.connect(self.room_opened)
        self._browse.open()
        return self._browse

    def members(self, room: str) -> RoomMembersDialog:
        """The member list of ``room``; one dialog per room, raised if already open."""
        dialog = self._members.get(room)
        if dialog is None:
            dialog = RoomMembersDialog(self._session, room, self._window)
            dialog.invite_requested.connect(self.invite)
            dialog.leave_requested.connect(self.leave)
            self._members[room] = dialog
        dialog.open()
        return dialog

    def invite(self, room: str) -> InviteDialog:
        parent = self._members.get(room)
        dialog = InviteDialog(self._session, room, parent if parent is not None else self._window)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def settings(self, room: str) -> RoomSettingsDialog:
        dialog = RoomSettingsDialog(self._session, room, self._window)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    # --- actions -----------------------------------------------------------------------

    def leave(self, room: str) -> None:
        """Leave ``room`` after asking; the history stays here, read-only."""
        name = self.name(room)
        roles = self._session.client.room_roles(room)
        mine = roles.get(self._session.username)
        question = f"Leave {name}? You keep the messages you have, but get no new ones."
        if mine == "owner" and len(roles) > 1:
            question += " The room passes to its longest-standing admin (or member)."
        elif len(roles) <= 1:
            question += " You are its last member: the room closes."
        parent = self._members.get(room)
        confirm(
            parent if parent is not None and parent.isVisible() else self._window,
            "Leave room",
            question,
            "Leave",
            lambda: self._run(self._leave(room), f"leave {name}"),
        )

    async def _leave(self, room: str) -> None:
        await self._session.client.leave_room(room)
        dialog = self._members.pop(room, None)
        if dialog is not None:
            dialog.close()
            dialog.deleteLater()
        # The list moves the room to "Rooms you left" now, not when the event comes in.
        self._session.conversation_changed.emit(room)

    def set_muted(self, room: str, muted: bool) -> None:
        """Mute or unmute ``room`` on this device (mentions of me still notify)."""
        self._session.client.set_room_muted(room, muted)
        self.muted_changed.emit(room, muted)

    def accept_invitation(self, room: str) -> None:
        name = self.name(room)

        async def accept() -> None:
            info = await self.invitations.accept(room)
            self.room_opened.emit(info.id)

        self._run(accept(), f"join {name}")

    def decline_invitation(self, room: str) -> None:
        name = self.name(room)
        confirm(
            self._window,
            "Room invitation",
            f"Decline the invitation to {name}? The members are not told.",
            "Decline",
            lambda: self._run(self.invitations.decline(room), f"decline the invitation to {name}"),
        )

    def _run(self, coro: Coroutine[Any, Any, None], what: str) -> None:
        """Run an action; a refusal is one sentence in the window's status line."""
        task: asyncio.Task[None] = asyncio.ensure_future(coro)
        self._tasks.add(task)

        def done(t: asyncio.Task[None]) -> None:
            self._tasks.discard(t)
            if t.cancelled():
                return
            exc = t.exception()
            if isinstance(exc, ProtocolError):
                self._session.failed.emit(f"Could not {what}. {room_error(exc)}")
            elif exc is not None:
                self._session.failed.emit(f"Could not {what}: {describe_error(exc)}")

        task.add_done_callback(done)
