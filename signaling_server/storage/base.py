"""The one storage interface the handlers use; SQLite implements it, PostgreSQL will.

Writes to a conversation return awaitables that commit in the order they were
*called* (not awaited): a connection may pipeline sends and still see them
stored in the order it sent them. Every returned value is committed durably
before the awaitable resolves.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Protocol

from messenger.protocol.files import FileRef
from messenger.protocol.rooms import Role
from signaling_server.storage.records import (
    Appended,
    ContactRow,
    ConversationRow,
    FileRow,
    MessageRow,
    ProfileRow,
    RoomChange,
    RoomMemberRow,
    RoomRow,
    Session,
    StoredEvent,
    User,
)


class Storage(Protocol):
    async def start(self) -> None: ...
    async def close(self) -> None:
        """Commit everything queued, then release the database."""

    # accounts and sessions
    async def create_user(self, username: str, password_hash: str, now: float) -> User: ...
    async def user_by_name(self, username: str) -> User | None: ...
    async def user_by_id(self, user_id: int) -> User | None: ...
    async def set_password_hash(self, user_id: int, password_hash: str) -> None: ...
    async def set_privacy(self, user_id: int, who: str) -> None: ...
    async def set_last_seen(self, user_id: int, ts: float) -> None: ...
    async def create_session(
        self, user_id: int, token_hash: str, device: str, now: float, expires_at: float
    ) -> Session: ...
    async def session_by_token(self, token_hash: str) -> Session | None: ...
    async def touch_session(self, session_id: int, now: float) -> None: ...
    async def list_sessions(self, user_id: int) -> list[Session]: ...
    async def delete_sessions(
        self, user_id: int, session_ids: list[int] | None, keep: int | None
    ) -> list[int]: ...
    async def expired_sessions(self, session_ids: list[int], now: float) -> list[int]: ...

    # contacts
    async def relation(self, user_id: int, peer_id: int) -> ContactRow: ...
    async def set_relation(
        self,
        changes: list[tuple[int, int, str]],
        block: tuple[int, int, bool] | None,
        now: float,
    ) -> None:
        """Apply contact-state changes ``(user, peer, state)`` and a block flag atomically."""

    async def list_contacts(self, user_id: int) -> list[ContactRow]: ...
    async def presence_audience(self, user_id: int) -> list[int]:
        """Accepted contacts with no block either way: who sees the user's presence and
        hears of their profile changes."""

    # profiles
    async def profile(self, user_id: int) -> ProfileRow:
        """The user's profile; the empty one if they never set it."""

    async def set_profile(
        self, user_id: int, display_name: str | None, avatar: bytes | None, now: float
    ) -> tuple[ProfileRow, bool]:
        """Store the given fields (None keeps a field, ``b""`` removes the avatar) and the
        avatar's hash; return the profile now stored and whether anything changed."""

    # conversations
    def append_message(
        self,
        sender_id: int,
        sender: str,
        key: str,
        client_id: str,
        text: str,
        reply_to: int | None,
        now: float,
        file: FileRef | None = None,
    ) -> Awaitable[Appended]:
        """Store a message; with ``file`` only if it is a complete upload of the sender's
        with that size and hash (``NotFound``, ``Forbidden``, ``Invalid`` otherwise)."""

    def append_edit(
        self, user_id: int, user: str, key: str, target: int, text: str, now: float
    ) -> Awaitable[Appended]: ...
    def append_delete(
        self, user_id: int, user: str, key: str, target: int, now: float
    ) -> Awaitable[Appended]: ...
    def append_reaction(
        self, user_id: int, user: str, key: str, target: int, emoji: str, add: bool, now: float
    ) -> Awaitable[Appended]: ...
    def append_read(
        self, user_id: int, user: str, key: str, up_to: int, now: float
    ) -> Awaitable[Appended]: ...
    def set_delivered(
        self, user_id: int, key: str, up_to: int
    ) -> Awaitable[tuple[list[int], int]]: ...
    async def history(
        self, viewer_id: int, viewer: str, key: str, before: int | None, limit: int
    ) -> tuple[list[MessageRow], bool]: ...
    async def events_after(
        self, viewer_id: int, viewer: str, key: str, after: int, limit: int
    ) -> tuple[list[StoredEvent], int, bool]: ...
    async def list_conversations(self, user_id: int) -> list[ConversationRow]: ...
    async def other_members(self, user_id: int, user: str, key: str) -> list[int]: ...

    # rooms (the rights table is in docs/protocol.md; these enforce it)
    def create_room(
        self, user_id: int, user: str, name: str, topic: str, public: bool, now: float
    ) -> Awaitable[RoomChange]:
        """Create a room owned by ``user`` (``NameTaken`` when the name is in use)."""

    def room_invite(
        self, user_id: int, user: str, key: str, username: str, now: float
    ) -> Awaitable[RoomChange]: ...
    def room_join(self, user_id: int, user: str, key: str, now: float) -> Awaitable[RoomChange]:
        """Accept an invitation or join a public room; ``NotFound`` for a private room
        without one, exactly as for no room at all."""

    def room_decline(self, user_id: int, key: str) -> Awaitable[None]: ...
    def room_leave(
        self, user_id: int, user: str, key: str, now: float
    ) -> Awaitable[RoomChange]: ...
    def room_remove(
        self, user_id: int, user: str, key: str, username: str, ban: bool, now: float
    ) -> Awaitable[RoomChange]: ...
    def room_unban(
        self, user_id: int, user: str, key: str, username: str, now: float
    ) -> Awaitable[RoomChange]: ...
    def room_set_role(
        self, user_id: int, user: str, key: str, username: str, role: Role, now: float
    ) -> Awaitable[RoomChange]: ...
    def room_update(
        self,
        user_id: int,
        user: str,
        key: str,
        name: str | None,
        topic: str | None,
        public: bool | None,
        now: float,
    ) -> Awaitable[RoomChange]: ...
    async def room_lookup(self, viewer_id: int, room: str) -> RoomRow:
        """A room by id or name that the viewer may know of (``NotFound`` otherwise)."""

    async def room_directory(self, viewer_id: int, prefix: str, limit: int) -> list[RoomRow]: ...
    async def room_invitations(self, user_id: int) -> list[RoomRow]: ...
    async def room_members(self, viewer_id: int, key: str) -> list[RoomMemberRow]: ...

    # call history
    def append_call(
        self,
        caller_id: int,
        caller: str,
        callee_id: int,
        callee: str,
        call_id: str,
        video: bool,
        outcome: str,
        duration: float,
        now: float,
    ) -> Awaitable[Appended]:
        """Add a finished call to the pair's direct conversation (sender = caller); no event
        while either blocks the other. Recipients are both users, every session."""

    async def call_id_used(self, caller_id: int, call_id: str) -> bool:
        """Whether the caller already used ``call_id`` (for a call or as a message id)."""

    # files (the bytes are the file service's; these are the rows)
    async def create_upload(self, row: FileRow, quota_bytes: int, max_pending: int) -> FileRow:
        """Record an upload, or raise ``QuotaExceeded`` if the uploader has no room for it."""

    async def file(self, file_id: str) -> FileRow | None: ...
    async def touch_upload(self, file_id: str, expires_at: float) -> None: ...
    async def complete_upload(self, file_id: str, now: float) -> None: ...
    async def delete_unsent_file(self, file_id: str) -> bool:
        """Remove an upload no message carries; False (and nothing removed) if one does."""

    async def blob_needed(self, sha256: str) -> bool:
        """Whether a complete file still has this content."""

    async def may_download(self, file_id: str, user_id: int) -> bool: ...
    async def sweep_files(
        self, now: float, unsent_before: float, keep: frozenset[str]
    ) -> list[FileRow]:
        """Remove and return abandoned uploads but those in ``keep``: incomplete ones past
        their expiry, and complete ones no message carries finished before ``unsent_before``."""
