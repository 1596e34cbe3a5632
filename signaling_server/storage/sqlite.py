"""SQLite implementation of ``Storage``: SQL functions run on the runner's threads."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from messenger.protocol.files import FileRef
from messenger.protocol.rooms import Role
from signaling_server.storage import sqlite_accounts as acc
from signaling_server.storage import sqlite_calls as calls
from signaling_server.storage import sqlite_conversations as conv
from signaling_server.storage import sqlite_files as files
from signaling_server.storage import sqlite_profiles as prof
from signaling_server.storage import sqlite_reads as reads
from signaling_server.storage import sqlite_room_reads as room_reads
from signaling_server.storage import sqlite_rooms as rooms
from signaling_server.storage.migrate import upgrade_to_head
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
from signaling_server.storage.sqlite_cache import WriterCache
from signaling_server.storage.sqlite_runner import SqliteRunner

T = TypeVar("T")


class SqliteStorage:
    def __init__(self, path: Path, synchronous: str = "full", max_batch: int = 512) -> None:
        self.path = path
        self._cache = WriterCache()
        self._runner = SqliteRunner(str(path), synchronous, max_batch, self._cache.clear)

    async def start(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Migrations run before any connection of ours is open, off the event loop.
        await asyncio.to_thread(upgrade_to_head, f"sqlite:///{self.path}")
        self._runner.start()

    async def close(self) -> None:
        await asyncio.to_thread(self._runner.stop)

    def _write_cached(self, op: Callable[..., T], /, **kwargs: Any) -> asyncio.Future[T]:
        """Queue a write that reads and keeps the writer thread's cache of memberships,
        blocks and privacy (only writes may touch it: they all run on that thread)."""
        return self._runner.write(partial(op, cache=self._cache, **kwargs))

    # accounts and sessions -------------------------------------------------------------

    async def create_user(self, username: str, password_hash: str, now: float) -> User:
        return await self._runner.write(
            partial(acc.create_user, username=username, password_hash=password_hash, now=now)
        )

    async def user_by_name(self, username: str) -> User | None:
        return await self._runner.read(partial(acc.user_by_name, username=username))

    async def user_by_id(self, user_id: int) -> User | None:
        return await self._runner.read(partial(acc.user_by_id, user_id=user_id))

    async def set_password_hash(self, user_id: int, password_hash: str) -> None:
        await self._runner.write(
            partial(acc.set_password_hash, user_id=user_id, password_hash=password_hash)
        )

    async def set_privacy(self, user_id: int, who: str) -> None:
        def op(c: sqlite3.Connection) -> None:
            acc.set_privacy(c, user_id, who)
            self._cache.forget_privacy(user_id)

        await self._runner.write(op)

    async def set_last_seen(self, user_id: int, ts: float) -> None:
        await self._runner.write(partial(acc.set_last_seen, user_id=user_id, ts=ts))

    async def create_session(
        self, user_id: int, token_hash: str, device: str, now: float, expires_at: float
    ) -> Session:
        return await self._runner.write(
            partial(
                acc.create_session,
                user_id=user_id,
                token_hash=token_hash,
                device=device,
                now=now,
                expires_at=expires_at,
            )
        )

    async def session_by_token(self, token_hash: str) -> Session | None:
        return await self._runner.read(partial(acc.session_by_token, token_hash=token_hash))

    async def touch_session(self, session_id: int, now: float) -> None:
        await self._runner.write(partial(acc.touch_session, session_id=session_id, now=now))

    async def list_sessions(self, user_id: int) -> list[Session]:
        return await self._runner.read(partial(acc.list_sessions, user_id=user_id))

    async def delete_sessions(
        self, user_id: int, session_ids: list[int] | None, keep: int | None
    ) -> list[int]:
        return await self._runner.write(
            partial(acc.delete_sessions, user_id=user_id, session_ids=session_ids, keep=keep)
        )

    async def expired_sessions(self, session_ids: list[int], now: float) -> list[int]:
        return await self._runner.read(
            partial(acc.expired_sessions, session_ids=session_ids, now=now)
        )

    # contacts ----------------------------------------------------------------------------

    async def relation(self, user_id: int, peer_id: int) -> ContactRow:
        return await self._runner.read(partial(acc.relation, user_id=user_id, peer_id=peer_id))

    async def set_relation(
        self,
        changes: list[tuple[int, int, str]],
        block: tuple[int, int, bool] | None,
        now: float,
    ) -> None:
        def op(c: sqlite3.Connection) -> None:
            for user_id, peer_id, state in changes:
                acc.set_contact_state(c, user_id, peer_id, state, now)
            if block is not None:
                acc.set_blocked(c, block[0], block[1], block[2], now)
                self._cache.forget_blocks(block[1])

        await self._runner.write(op)

    async def list_contacts(self, user_id: int) -> list[ContactRow]:
        return await self._runner.read(partial(acc.list_contacts, user_id=user_id))

    async def presence_audience(self, user_id: int) -> list[int]:
        return await self._runner.read(partial(acc.presence_audience, user_id=user_id))

    # profiles ----------------------------------------------------------------------------

    async def profile(self, user_id: int) -> ProfileRow:
        return await self._runner.read(partial(prof.profile, user_id=user_id))

    async def set_profile(
        self, user_id: int, display_name: str | None, avatar: bytes | None, now: float
    ) -> tuple[ProfileRow, bool]:
        return await self._runner.write(
            partial(
                prof.set_profile,
                user_id=user_id,
                display_name=display_name,
                avatar=avatar,
                now=now,
            )
        )

    # conversations ---------------------------------------------------------------------

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
    ) -> asyncio.Future[Appended]:
        return self._write_cached(
            conv.append_message,
            sender_id=sender_id,
            sender=sender,
            key=key,
            client_id=client_id,
            text=text,
            reply_to=reply_to,
            now=now,
            file=file,
        )

    def append_edit(
        self, user_id: int, user: str, key: str, target: int, text: str, now: float
    ) -> asyncio.Future[Appended]:
        return self._write_cached(
            conv.append_edit, user_id=user_id, user=user, key=key, target=target, text=text, now=now
        )

    def append_delete(
        self, user_id: int, user: str, key: str, target: int, now: float
    ) -> asyncio.Future[Appended]:
        return self._write_cached(
            conv.append_delete, user_id=user_id, user=user, key=key, target=target, now=now
        )

    def append_reaction(
        self, user_id: int, user: str, key: str, target: int, emoji: str, add: bool, now: float
    ) -> asyncio.Future[Appended]:
        return self._write_cached(
            conv.append_reaction,
            user_id=user_id,
            user=user,
            key=key,
            target=target,
            emoji=emoji,
            add=add,
            now=now,
        )

    def append_read(
        self, user_id: int, user: str, key: str, up_to: int, now: float
    ) -> asyncio.Future[Appended]:
        return self._write_cached(
            conv.append_read, user_id=user_id, user=user, key=key, up_to=up_to, now=now
        )

    def set_delivered(
        self, user_id: int, key: str, up_to: int
    ) -> asyncio.Future[tuple[list[int], int]]:
        return self._write_cached(conv.set_delivered, user_id=user_id, key=key, up_to=up_to)

    async def history(
        self, viewer_id: int, viewer: str, key: str, before: int | None, limit: int
    ) -> tuple[list[MessageRow], bool]:
        return await self._runner.read(
            partial(
                reads.history,
                viewer_id=viewer_id,
                viewer=viewer,
                key=key,
                before=before,
                limit=limit,
            )
        )

    async def events_after(
        self, viewer_id: int, viewer: str, key: str, after: int, limit: int
    ) -> tuple[list[StoredEvent], int, bool]:
        return await self._runner.read(
            partial(
                reads.events_after,
                viewer_id=viewer_id,
                viewer=viewer,
                key=key,
                after=after,
                limit=limit,
            )
        )

    async def list_conversations(self, user_id: int) -> list[ConversationRow]:
        return await self._runner.read(partial(reads.list_conversations, user_id=user_id))

    async def other_members(self, user_id: int, user: str, key: str) -> list[int]:
        return await self._runner.read(
            partial(reads.other_members, user_id=user_id, user=user, key=key)
        )

    # rooms -------------------------------------------------------------------------------

    def create_room(
        self, user_id: int, user: str, name: str, topic: str, public: bool, now: float
    ) -> asyncio.Future[RoomChange]:
        return self._write_cached(
            rooms.create_room,
            user_id=user_id,
            user=user,
            name=name,
            topic=topic,
            public=public,
            now=now,
        )

    def room_invite(
        self, user_id: int, user: str, key: str, username: str, now: float
    ) -> asyncio.Future[RoomChange]:
        return self._write_cached(
            rooms.invite, user_id=user_id, user=user, key=key, username=username, now=now
        )

    def room_join(
        self, user_id: int, user: str, key: str, now: float
    ) -> asyncio.Future[RoomChange]:
        return self._write_cached(rooms.join, user_id=user_id, user=user, key=key, now=now)

    def room_decline(self, user_id: int, key: str) -> asyncio.Future[None]:
        return self._write_cached(rooms.decline, user_id=user_id, key=key)

    def room_leave(
        self, user_id: int, user: str, key: str, now: float
    ) -> asyncio.Future[RoomChange]:
        return self._write_cached(rooms.leave, user_id=user_id, user=user, key=key, now=now)

    def room_remove(
        self, user_id: int, user: str, key: str, username: str, ban: bool, now: float
    ) -> asyncio.Future[RoomChange]:
        return self._write_cached(
            rooms.remove, user_id=user_id, user=user, key=key, username=username, ban=ban, now=now
        )

    def room_unban(
        self, user_id: int, user: str, key: str, username: str, now: float
    ) -> asyncio.Future[RoomChange]:
        return self._write_cached(
            rooms.unban, user_id=user_id, user=user, key=key, username=username, now=now
        )

    def room_set_role(
        self, user_id: int, user: str, key: str, username: str, role: Role, now: float
    ) -> asyncio.Future[RoomChange]:
        return self._write_cached(
            rooms.set_role,
            user_id=user_id,
            user=user,
            key=key,
            username=username,
            role=role,
            now=now,
        )

    def room_update(
        self,
        user_id: int,
        user: str,
        key: str,
        name: str | None,
        topic: str | None,
        public: bool | None,
        now: float,
    ) -> asyncio.Future[RoomChange]:
        return self._write_cached(
            rooms.update,
            user_id=user_id,
            user=user,
            key=key,
            name=name,
            topic=topic,
            public=public,
            now=now,
        )

    async def room_lookup(self, viewer_id: int, room: str) -> RoomRow:
        return await self._runner.read(partial(room_reads.lookup, viewer_id=viewer_id, room=room))

    async def room_directory(self, viewer_id: int, prefix: str, limit: int) -> list[RoomRow]:
        return await self._runner.read(
            partial(room_reads.directory, viewer_id=viewer_id, prefix=prefix, limit=limit)
        )

    async def room_invitations(self, user_id: int) -> list[RoomRow]:
        return await self._runner.read(partial(room_reads.invitations, user_id=user_id))

    async def room_members(self, viewer_id: int, key: str) -> list[RoomMemberRow]:
        return await self._runner.read(partial(room_reads.members, viewer_id=viewer_id, key=key))

    # call history ----------------------------------------------------------------------

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
    ) -> asyncio.Future[Appended]:
        return self._write_cached(
            calls.append_call,
            caller_id=caller_id,
            caller=caller,
            callee_id=callee_id,
            callee=callee,
            call_id=call_id,
            video=video,
            outcome=outcome,
            duration=duration,
            now=now,
        )

    async def call_id_used(self, caller_id: int, call_id: str) -> bool:
        return await self._runner.read(
            partial(calls.call_id_used, caller_id=caller_id, call_id=call_id)
        )

    # files -------------------------------------------------------------------------------

    async def create_upload(self, row: FileRow, quota_bytes: int, max_pending: int) -> FileRow:
        return await self._runner.write(
            partial(files.create_upload, row=row, quota_bytes=quota_bytes, max_pending=max_pending)
        )

    async def file(self, file_id: str) -> FileRow | None:
        return await self._runner.read(partial(files.file_row, file_id=file_id))

    async def touch_upload(self, file_id: str, expires_at: float) -> None:
        await self._runner.write(
            partial(files.touch_upload, file_id=file_id, expires_at=expires_at)
        )

    async def complete_upload(self, file_id: str, now: float) -> None:
        await self._runner.write(partial(files.complete_upload, file_id=file_id, now=now))

    async def delete_unsent_file(self, file_id: str) -> bool:
        def op(c: sqlite3.Connection) -> bool:
            return not files.is_referenced(c, file_id) and files.delete_file(c, file_id)

        return await self._runner.write(op)

    async def blob_needed(self, sha256: str) -> bool:
        return await self._runner.read(partial(files.blob_needed, sha256=sha256))

    async def may_download(self, file_id: str, user_id: int) -> bool:
        return await self._runner.read(
            partial(files.may_download, file_id=file_id, user_id=user_id)
        )

    async def sweep_files(
        self, now: float, unsent_before: float, keep: frozenset[str]
    ) -> list[FileRow]:
        def op(c: sqlite3.Connection) -> list[FileRow]:
            # Chosen and removed in one transaction on the writer thread, where messages
            # attach files too: a file cannot be attached between the two.
            gone = [row for row in files.abandoned(c, now, unsent_before) if row.id not in keep]
            for row in gone:
                files.delete_file(c, row.id)
            return gone

        return await self._runner.write(op)
