"""The rooms inviting me, kept current for the list: loaded at each sign-in, reloaded when an
invitation arrives, and dropped once I am in the room (accepted here or on another device).

Invitations are not part of any conversation's history (I am not a member yet), so they come
from ``room_invitations`` and the ``room_invited`` event rather than from the store.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from messenger.client import ConnectionState
from messenger.protocol.errors import ErrorCode, ProtocolError
from messenger.protocol.events import RoomInvitedEvent
from messenger.protocol.results import RoomInfo
from messenger.ui.session import AccountSession

# Refusals that mean the invitation is no use any more.
_VOID = (ErrorCode.NOT_FOUND, ErrorCode.FORBIDDEN, ErrorCode.INVALID_STATE)


class RoomInvitations(QObject):
    changed = Signal()

    def __init__(self, session: AccountSession, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._rooms: dict[str, RoomInfo] = {}
        session.connection_changed.connect(self._on_connection)
        session.room_invited.connect(self._on_invited)
        session.conversation_changed.connect(self._on_conversation)
        if session.state == ConnectionState.AUTHENTICATED:
            self.reload()

    def pending(self) -> list[RoomInfo]:
        """Oldest invitation first, as the server lists them."""
        return list(self._rooms.values())

    def get(self, room: str) -> RoomInfo | None:
        return self._rooms.get(room)

    def reload(self) -> None:
        self._session.run(self._load(), "load your room invitations")

    async def _load(self) -> None:
        rooms = await self._session.client.room_invitations()
        self._rooms = {r.id: r for r in rooms}
        self.changed.emit()

    async def accept(self, room: str) -> RoomInfo:
        """Join the room. The invitation goes once joined, or once the server says it is
        void (the room closed, I was banned, I am in already); a lost connection keeps it."""
        try:
            info = await self._session.client.join_room(room)
        except ProtocolError as exc:
            if exc.code in _VOID:
                self.forget(room)
            raise
        self.forget(room)
        return info

    async def decline(self, room: str) -> None:
        try:
            await self._session.client.decline_room(room)
        except ProtocolError as exc:
            if exc.code not in _VOID:
                raise
        self.forget(room)  # declined, or nothing left to decline

    def forget(self, room: str) -> None:
        if self._rooms.pop(room, None) is not None:
            self.changed.emit()

    def _on_connection(self, state: str, _error: str) -> None:
        if state == ConnectionState.AUTHENTICATED.value:
            self.reload()

    def _on_invited(self, _event: RoomInvitedEvent) -> None:
        # The event lacks the member count and visibility the list shows: ask for them all.
        self.reload()

    def _on_conversation(self, conversation: str) -> None:
        if conversation in self._rooms and self._session.username in (
            self._session.client.room_roles(conversation)
        ):
            self.forget(conversation)
