"""Who is in the open room, as its chat needs them: names for bubbles and typing notices,
candidates for @-completion, and the members whose read markers make "seen by".

Membership comes from the local store at once (the room's member events, kept by the
client), so a room opened offline still has it; but a member's history starts at its own
joining, so the store may not know who was there before. The server's ``room_members``
tells, with the display names of members who are not one's contacts; it is asked again
whenever the membership the store knows changes.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from messenger.client import ConnectionState
from messenger.protocol.results import RoomMember
from messenger.ui.session import AccountSession


class RoomPeople(QObject):
    changed = Signal()  # members, roles or names changed: rows and completions may differ

    def __init__(self, session: AccountSession, room: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.room = room
        self._roles = session.client.room_roles(room)
        self._members = set(self._roles)  # the store's view, then the server's
        self._listed: dict[str, RoomMember] = {}
        self._shown: dict[str, str] = {}  # the names last handed out, to notice renames
        self._asking = False
        self._ask_again = False  # the membership changed while the server was being asked
        self._closed = False
        session.conversation_changed.connect(self._on_conversation_changed)
        session.connection_changed.connect(self._on_connection_changed)
        self.fetch()

    def close(self) -> None:
        self._closed = True
        self._session.conversation_changed.disconnect(self._on_conversation_changed)
        self._session.connection_changed.disconnect(self._on_connection_changed)

    # --- reading ------------------------------------------------------------------------

    def members(self) -> list[str]:
        """Current members' usernames (me included), as last heard."""
        return sorted(self._members)

    def is_member(self, username: str) -> bool:
        return username in self._members

    @property
    def left(self) -> bool:
        """I am no longer in the room (left, removed or banned), as far as this device knows:
        my own joining is always in my history of a room, and my leaving takes me out."""
        return self._session.username not in self._roles

    def name_of(self, username: str) -> str:
        """A contact's name as the roster has it, else the name the room lists, else the
        username."""
        name = self._session.name_of(username)
        if name == username:
            listed = self._listed.get(username)
            name = (listed.display_name if listed is not None else "") or username
        self._shown[username] = name
        return name

    def name_changed(self, username: str) -> bool:
        """Whether a member's name differs from the one last shown."""
        shown = self._shown.get(username)
        return shown is not None and shown != self.name_of(username)

    def candidates(self, typed: str) -> list[tuple[str, str]]:
        """(username, name) of the other members whose username or a word of whose name
        starts with ``typed`` (any case), best first: usernames that match before names."""
        prefix = typed.lower()
        me = self._session.username
        by_username: list[tuple[str, str]] = []
        by_name: list[tuple[str, str]] = []
        for username in self.members():
            if username == me:
                continue
            name = self.name_of(username)
            if username.startswith(prefix):
                by_username.append((username, name))
            elif any(word.startswith(prefix) for word in name.lower().split()):
                by_name.append((username, name))
        return by_username + by_name

    # --- following changes --------------------------------------------------------------

    def fetch(self) -> None:
        """Ask the server for the member list (names of non-contacts), when connected."""
        if self._asking:
            self._ask_again = True
            return
        if self._closed or self._session.state != ConnectionState.AUTHENTICATED:
            return
        if self._session.username not in self._roles:
            return  # left or removed: the server answers forbidden, the history stays
        self._asking = True
        self._session.run(self._fetch(), "load the room's members")

    async def _fetch(self) -> None:
        try:
            members = await self._session.client.room_members(self.room)
        finally:
            self._asking = False
        if self._closed:
            return
        if self._ask_again:
            self._ask_again = False
            self.fetch()  # this answer may predate the change: the next one is used
            return
        # Merged, not replaced: a member who left is still named in the history.
        self._listed.update((m.username, m) for m in members)
        self._members = {m.username for m in members}
        self.changed.emit()

    def _on_conversation_changed(self, conversation: str) -> None:
        if conversation != self.room or self._closed:
            return
        roles = self._session.client.room_roles(self.room)
        if roles != self._roles:
            # Follow the store at once; the server's list comes after.
            self._members |= roles.keys() - self._roles.keys()
            self._members -= self._roles.keys() - roles.keys()
            self._roles = roles
            self.changed.emit()
            self.fetch()

    def _on_connection_changed(self, state: str, _error: str) -> None:
        if state == ConnectionState.AUTHENTICATED.value and not self._listed:
            self.fetch()
