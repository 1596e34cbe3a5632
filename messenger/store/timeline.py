"""Conversation events folded into messages: the local, materialised history.

Applying an event is idempotent: each (conversation, seq) is recorded in
``applied_events`` and a second application changes nothing. Edits and
reactions are ordered by seq, so even events applied out of order settle on the
state the server holds; a delete is final.

``synced_seq`` is the client's resume point: every event up to it has been
applied (or is invisible to this account), so a reconnect syncs from there.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

import msgspec

from messenger.protocol.events import (
    AnyConversationEvent,
    CallEvent,
    DeleteEvent,
    EditEvent,
    MemberEvent,
    MessageEvent,
    ReactionEvent,
    ReadEvent,
    RoomEvent,
)
from messenger.protocol.files import FileRef
from messenger.protocol.results import CallSummary, Member, MessageView
from messenger.protocol.rooms import ROOM_PREFIX, MemberChange, RoomSettings
from messenger.store.database import Database

_MESSAGE_COLUMNS = (
    "conversation, seq, ts, sender, client_id, text, reply_to, edited, deleted, reactions, call,"
    " file"
)
# What a view is read from: the inserted columns and the room-only ones.
VIEW_COLUMNS = _MESSAGE_COLUMNS + ", mentions, notice"


class _Notice(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """``messages.notice``: a room's membership or settings entry, listed among messages."""

    member: MemberChange | None = None
    room: RoomSettings | None = None


def kind_of(conversation: str) -> str:
    return "room" if conversation.startswith(ROOM_PREFIX) else "direct"


def row_to_view(row: sqlite3.Row) -> MessageView:
    notice = None if row["notice"] is None else msgspec.json.decode(row["notice"], type=_Notice)
    return MessageView(
        conversation=row["conversation"],
        seq=row["seq"],
        ts=row["ts"],
        sender=row["sender"],
        client_id=row["client_id"],
        text=row["text"],
        reply_to=row["reply_to"],
        edited=bool(row["edited"]),
        deleted=bool(row["deleted"]),
        reactions=msgspec.json.decode(row["reactions"], type=dict[str, list[str]]),
        call=None if row["call"] is None else msgspec.json.decode(row["call"], type=CallSummary),
        file=None if row["file"] is None else msgspec.json.decode(row["file"], type=FileRef),
        mentions=msgspec.json.decode(row["mentions"], type=list[str]),
        member=None if notice is None else notice.member,
        room=None if notice is None else notice.room,
    )


class Timeline:
    def __init__(self, db: Database) -> None:
        self._db = db

    # --- conversations -----------------------------------------------------------

    def conversations(self) -> dict[str, int]:
        """Every known conversation and its synced seq."""
        rows = self._db.conn.execute("SELECT id, synced_seq FROM conversations ORDER BY id")
        return {row["id"]: row["synced_seq"] for row in rows}

    def ensure_conversation(self, conversation: str, kind: str = "direct") -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO conversations(id, kind) VALUES (?, ?)", (conversation, kind)
            )

    def synced_seq(self, conversation: str) -> int:
        row = self._db.conn.execute(
            "SELECT synced_seq FROM conversations WHERE id = ?", (conversation,)
        ).fetchone()
        return 0 if row is None else int(row[0])

    def mark_synced(self, conversation: str, seq: int) -> None:
        """Everything up to ``seq`` is applied or invisible to us (the server said so)."""
        with self._db.transaction() as conn:
            self._ensure(conn, conversation)
            conn.execute(
                "UPDATE conversations SET synced_seq = MAX(synced_seq, ?) WHERE id = ?",
                (seq, conversation),
            )
            self._advance(conn, conversation)

    # --- applying events -----------------------------------------------------------

    def apply(self, event: AnyConversationEvent) -> bool:
        """Apply one event; False when it had been applied before (nothing changed)."""
        with self._db.transaction() as conn:
            applied = self._apply(conn, event)
            if applied:
                self._advance(conn, event.conversation)
            return applied

    def apply_sync_page(
        self,
        conversation: str,
        events: Iterable[AnyConversationEvent],
        *,
        last_seq: int,
        has_more: bool,
    ) -> list[AnyConversationEvent]:
        """Apply one page of a sync reply in one transaction; return the events that were new.

        A sync page holds every event this account may see after the requested
        seq, so once it is applied the resume point moves to its last event, or
        to the head (``last_seq``) when it was the final page.
        """
        new: list[AnyConversationEvent] = []
        top = 0
        with self._db.transaction() as conn:
            self._ensure(conn, conversation)
            for event in events:
                if event.conversation != conversation:
                    continue  # a confused server must not write into another conversation
                top = max(top, event.seq)
                if self._apply(conn, event):
                    new.append(event)
            done_to = top if has_more else max(top, last_seq)
            conn.execute(
                "UPDATE conversations SET synced_seq = MAX(synced_seq, ?) WHERE id = ?",
                (done_to, conversation),
            )
            self._advance(conn, conversation)
        return new

    def _ensure(self, conn: sqlite3.Connection, conversation: str) -> None:
        conn.execute(
            "INSERT OR IGNORE INTO conversations(id, kind) VALUES (?, ?)",
            (conversation, kind_of(conversation)),
        )

    def _advance(self, conn: sqlite3.Connection, conversation: str) -> None:
        # Move the resume point over events that arrived ahead of it and now
        # join up (an ack of our own message, a page that filled a gap).
        synced = conn.execute(
            "SELECT synced_seq FROM conversations WHERE id = ?", (conversation,)
        ).fetchone()[0]
        start = synced
        for (seq,) in conn.execute(
            "SELECT seq FROM applied_events WHERE conversation = ? AND seq > ? ORDER BY seq",
            (conversation, synced),
        ).fetchall():
            if seq != synced + 1:
                break
            synced = seq
        if synced != start:
            conn.execute(
                "UPDATE conversations SET synced_seq = ? WHERE id = ?", (synced, conversation)
            )

    def _apply(self, conn: sqlite3.Connection, event: AnyConversationEvent) -> bool:
        first_time = conn.execute(
            "INSERT OR IGNORE INTO applied_events(conversation, seq) VALUES (?, ?)",
            (event.conversation, event.seq),
        ).rowcount
        if not first_time:
            return False
        self._ensure(conn, event.conversation)
        match event:
            case MessageEvent():
                file = event.file
                conn.execute(
                    f"INSERT OR IGNORE INTO messages({_MESSAGE_COLUMNS}, file_name, mentions) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0, '{}', NULL, ?, ?, ?)",
                    (
                        event.conversation,
                        event.seq,
                        event.ts,
                        event.sender,
                        event.client_id,
                        event.text,
                        event.reply_to,
                        None if file is None else msgspec.json.encode(file).decode(),
                        "" if file is None else file.name,
                        msgspec.json.encode(event.mentions).decode(),
                    ),
                )
                # Reactions that arrived before their message (out-of-order apply).
                self._refresh_reactions(conn, event.conversation, event.seq)
            case EditEvent():
                conn.execute(
                    "UPDATE messages SET text = ?, edited = 1, edit_seq = ? "
                    "WHERE conversation = ? AND seq = ? AND deleted = 0 AND edit_seq < ?",
                    (event.text, event.seq, event.conversation, event.target, event.seq),
                )
            case DeleteEvent():
                # Blanking the text and file also takes them out of the full-text index
                # (trigger); a deleted file message no longer offers its file.
                conn.execute(
                    "UPDATE messages SET text = '', file = NULL, file_name = '', deleted = 1"
                    " WHERE conversation = ? AND seq = ?",
                    (event.conversation, event.target),
                )
            case ReactionEvent():
                conn.execute(
                    "INSERT INTO reactions(conversation, target, emoji, username, present, seq) "
                    "VALUES (?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT(conversation, target, emoji, username) DO UPDATE SET "
                    "present = excluded.present, seq = excluded.seq "
                    "WHERE excluded.seq > reactions.seq",
                    (
                        event.conversation,
                        event.target,
                        event.emoji,
                        event.sender,
                        int(event.add),
                        event.seq,
                    ),
                )
                self._refresh_reactions(conn, event.conversation, event.target)
            case ReadEvent():
                self._raise_marker(conn, event.conversation, event.sender, read=event.up_to)
            case CallEvent():
                # Listed like a message (so it sorts, pages and counts as the latest), with
                # the call id as its client id and its summary in ``call``.
                summary = CallSummary(
                    video=event.video, outcome=event.outcome, duration=event.duration
                )
                conn.execute(
                    f"INSERT OR IGNORE INTO messages({_MESSAGE_COLUMNS}) "
                    "VALUES (?, ?, ?, ?, ?, '', NULL, 0, 0, '{}', ?, NULL)",
                    (
                        event.conversation,
                        event.seq,
                        event.ts,
                        event.sender,
                        event.call_id,
                        msgspec.json.encode(summary).decode(),
                    ),
                )
            case MemberEvent():
                change = MemberChange(user=event.user, action=event.action, role=event.role)
                self._notice(conn, event, _Notice(member=change))
                if event.action in ("joined", "role") and event.role is not None:
                    conn.execute(
                        "INSERT INTO room_members(conversation, username, role) VALUES (?, ?, ?)"
                        " ON CONFLICT(conversation, username) DO UPDATE SET role = excluded.role",
                        (event.conversation, event.user, event.role),
                    )
                elif event.action in ("left", "removed", "banned"):
                    conn.execute(
                        "DELETE FROM room_members WHERE conversation = ? AND username = ?",
                        (event.conversation, event.user),
                    )
            case RoomEvent():
                settings = RoomSettings(name=event.name, topic=event.topic, public=event.public)
                self._notice(conn, event, _Notice(room=settings))
                self._set_room(conn, event.conversation, settings)
        return True

    def _notice(
        self, conn: sqlite3.Connection, event: MemberEvent | RoomEvent, notice: _Notice
    ) -> None:
        conn.execute(
            f"INSERT OR IGNORE INTO messages({_MESSAGE_COLUMNS}, notice) "
            "VALUES (?, ?, ?, ?, '', '', NULL, 0, 0, '{}', NULL, NULL, ?)",
            (
                event.conversation,
                event.seq,
                event.ts,
                event.sender,
                msgspec.json.encode(notice).decode(),
            ),
        )

    def _set_room(self, conn: sqlite3.Connection, conversation: str, room: RoomSettings) -> None:
        conn.execute(
            "INSERT INTO rooms(conversation, name, topic, public) VALUES (?, ?, ?, ?)"
            " ON CONFLICT(conversation) DO UPDATE SET name = excluded.name,"
            " topic = excluded.topic, public = excluded.public",
            (conversation, room.name, room.topic, int(room.public)),
        )

    def _refresh_reactions(self, conn: sqlite3.Connection, conversation: str, target: int) -> None:
        summary: dict[str, list[str]] = {}
        for row in conn.execute(
            "SELECT emoji, username FROM reactions "
            "WHERE conversation = ? AND target = ? AND present = 1 ORDER BY seq",
            (conversation, target),
        ):
            summary.setdefault(row["emoji"], []).append(row["username"])
        conn.execute(
            "UPDATE messages SET reactions = ? WHERE conversation = ? AND seq = ?",
            (msgspec.json.encode(summary).decode(), conversation, target),
        )

    # --- read and delivery markers -------------------------------------------------

    def _raise_marker(
        self,
        conn: sqlite3.Connection,
        conversation: str,
        username: str,
        *,
        read: int = 0,
        delivered: int = 0,
    ) -> None:
        # Markers only move forward, whatever order the news arrives in.
        conn.execute(
            "INSERT INTO markers(conversation, username, read_seq, delivered_seq) "
            "VALUES (?, ?, ?, ?) ON CONFLICT(conversation, username) DO UPDATE SET "
            "read_seq = MAX(read_seq, excluded.read_seq), "
            "delivered_seq = MAX(delivered_seq, excluded.delivered_seq)",
            (conversation, username, read, delivered),
        )

    def mark_delivered(self, conversation: str, username: str, up_to: int) -> None:
        with self._db.transaction() as conn:
            self._ensure(conn, conversation)
            self._raise_marker(conn, conversation, username, delivered=up_to)

    def update_members(self, conversation: str, members: Iterable[Member]) -> None:
        """Markers from the server's list; for a room also who is in it, with what role."""
        with self._db.transaction() as conn:
            self._ensure(conn, conversation)
            listed = list(members)
            for m in listed:
                self._raise_marker(
                    conn, conversation, m.username, read=m.read_seq, delivered=m.delivered_seq
                )
            if kind_of(conversation) == "room":
                conn.execute("DELETE FROM room_members WHERE conversation = ?", (conversation,))
                conn.executemany(
                    "INSERT INTO room_members(conversation, username, role) VALUES (?, ?, ?)",
                    [(conversation, m.username, m.role or "member") for m in listed],
                )

    # --- rooms ---------------------------------------------------------------------

    def update_room(self, conversation: str, room: RoomSettings) -> None:
        with self._db.transaction() as conn:
            self._ensure(conn, conversation)
            self._set_room(conn, conversation, room)

    def room(self, conversation: str) -> RoomSettings | None:
        row = self._db.conn.execute(
            "SELECT name, topic, public FROM rooms WHERE conversation = ?", (conversation,)
        ).fetchone()
        if row is None:
            return None
        return RoomSettings(name=row["name"], topic=row["topic"], public=bool(row["public"]))

    def room_by_name(self, name: str) -> str | None:
        """The id of the room with this name (any case) as last heard, if known here."""
        row = self._db.conn.execute(
            "SELECT conversation FROM rooms WHERE lower(name) = lower(?)", (name,)
        ).fetchone()
        return None if row is None else str(row[0])

    def room_roles(self, conversation: str) -> dict[str, str]:
        """Members and their roles as this device last heard (the membership events)."""
        rows = self._db.conn.execute(
            "SELECT username, role FROM room_members WHERE conversation = ? ORDER BY username",
            (conversation,),
        )
        return {r["username"]: r["role"] for r in rows}

    def forget_membership(self, conversation: str, username: str) -> None:
        """``username`` is no longer in the room (the server stopped listing it for them)."""
        with self._db.transaction() as conn:
            conn.execute(
                "DELETE FROM room_members WHERE conversation = ? AND username = ?",
                (conversation, username),
            )

    def set_muted(self, conversation: str, muted: bool) -> None:
        with self._db.transaction() as conn:
            self._ensure(conn, conversation)
            conn.execute(
                "INSERT INTO rooms(conversation, muted) VALUES (?, ?)"
                " ON CONFLICT(conversation) DO UPDATE SET muted = excluded.muted",
                (conversation, int(muted)),
            )

    def muted(self, conversation: str) -> bool:
        row = self._db.conn.execute(
            "SELECT muted FROM rooms WHERE conversation = ?", (conversation,)
        ).fetchone()
        return bool(row and row["muted"])

    def members(self, conversation: str) -> list[Member]:
        rows = self._db.conn.execute(
            "SELECT username, read_seq, delivered_seq FROM markers "
            "WHERE conversation = ? ORDER BY username",
            (conversation,),
        )
        return [
            Member(username=r["username"], read_seq=r["read_seq"], delivered_seq=r["delivered_seq"])
            for r in rows
        ]

    # --- reading ---------------------------------------------------------------------

    def messages(
        self, conversation: str, *, before: int | None = None, limit: int = 50
    ) -> list[MessageView]:
        """The newest ``limit`` messages older than ``before``, oldest first."""
        rows = self._db.conn.execute(
            f"SELECT {VIEW_COLUMNS} FROM messages WHERE conversation = ? AND seq < ? "
            "ORDER BY seq DESC LIMIT ?",
            (conversation, before if before is not None else 2**62, limit),
        ).fetchall()
        return [row_to_view(r) for r in reversed(rows)]

    def message(self, conversation: str, seq: int) -> MessageView | None:
        row = self._db.conn.execute(
            f"SELECT {VIEW_COLUMNS} FROM messages WHERE conversation = ? AND seq = ?",
            (conversation, seq),
        ).fetchone()
        return None if row is None else row_to_view(row)

    def last_message(self, conversation: str) -> MessageView | None:
        row = self._db.conn.execute(
            f"SELECT {VIEW_COLUMNS} FROM messages WHERE conversation = ? ORDER BY seq DESC LIMIT 1",
            (conversation,),
        ).fetchone()
        return None if row is None else row_to_view(row)

    def read_seq(self, conversation: str, username: str) -> int:
        row = self._db.conn.execute(
            "SELECT read_seq FROM markers WHERE conversation = ? AND username = ?",
            (conversation, username),
        ).fetchone()
        return 0 if row is None else int(row["read_seq"])

    def unread_count(self, conversation: str, username: str) -> int:
        """Messages from others after ``username``'s read marker (what the badge shows)."""
        row = self._db.conn.execute(
            "SELECT COUNT(*) AS n FROM messages WHERE conversation = ? AND seq > ? "
            "AND sender != ? AND NOT deleted AND notice IS NULL",
            (conversation, self.read_seq(conversation, username), username),
        ).fetchone()
        return int(row["n"])

    def unread_mentions(self, conversation: str, username: str) -> int:
        """Unread messages that mention ``username`` (they notify even in a muted room)."""
        row = self._db.conn.execute(
            "SELECT COUNT(*) AS n FROM messages WHERE conversation = ? AND seq > ? "
            "AND sender != ? AND NOT deleted "
            "AND EXISTS (SELECT 1 FROM json_each(messages.mentions) WHERE value = ?)",
            (conversation, self.read_seq(conversation, username), username, username),
        ).fetchone()
        return int(row["n"])

    def count(self, conversation: str) -> int:
        row = self._db.conn.execute(
            "SELECT COUNT(*) AS n FROM messages WHERE conversation = ?", (conversation,)
        ).fetchone()
        return int(row["n"])

    def find_by_client_id(self, client_id: str) -> MessageView | None:
        """Our own message by the id we gave it (to answer 'was this acknowledged?')."""
        row = self._db.conn.execute(
            f"SELECT {VIEW_COLUMNS} FROM messages WHERE client_id = ? ORDER BY seq LIMIT 1",
            (client_id,),
        ).fetchone()
        return None if row is None else row_to_view(row)

    def find_file(self, file_id: str) -> MessageView | None:
        """The newest message carrying file ``file_id`` (a scan: for tools, not hot paths)."""
        row = self._db.conn.execute(
            f"SELECT {VIEW_COLUMNS} FROM messages WHERE file IS NOT NULL"
            " AND json_extract(file, '$.file_id') = ? ORDER BY ts DESC LIMIT 1",
            (file_id,),
        ).fetchone()
        return None if row is None else row_to_view(row)
