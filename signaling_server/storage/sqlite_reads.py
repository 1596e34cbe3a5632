"""SQL reading conversations: history, sync, the conversation list. Run on the reader thread.

These see only what is committed and never touch the writer's cache.
"""

from __future__ import annotations

import sqlite3

from messenger.protocol.names import direct_members
from signaling_server.storage import sqlite_accounts as accounts
from signaling_server.storage import sqlite_files as files
from signaling_server.storage import sqlite_room_reads as room_reads
from signaling_server.storage.errors import Forbidden, NotFound
from signaling_server.storage.event_detail import decode_detail
from signaling_server.storage.records import (
    CallRecord,
    ConversationRow,
    MemberRow,
    MessageRow,
    StoredEvent,
)
from signaling_server.storage.sqlite_cache import ConvState
from signaling_server.storage.sqlite_cache import load_conv as _load

_EVENT_COLS = (
    "e.seq, e.ts, u.username, e.kind, e.client_id, e.text, e.target, e.emoji, e.flag, e.reply_to,"
    " e.call_outcome, e.call_duration, e.detail"
)


def _call(kind: object, flag: object, outcome: object, duration: object) -> CallRecord | None:
    """A call entry's own fields (``flag`` holds whether it was a video call)."""
    if kind != "call":
        return None
    seconds = float(duration) if isinstance(duration, int | float) else 0.0
    return CallRecord(video=bool(flag), outcome=str(outcome), duration=seconds)


def _joined_seq(c: sqlite3.Connection, conv_id: int, viewer_id: int) -> int:
    """Where the viewer's view of the conversation starts: a room member's join, else 0."""
    row = c.execute(
        "SELECT joined_seq FROM members WHERE conversation_id = ? AND user_id = ?",
        (conv_id, viewer_id),
    ).fetchone()
    return 0 if row is None else int(row[0])


def _readable(c: sqlite3.Connection, key: str, viewer_id: int, viewer: str) -> ConvState | None:
    """The conversation if the viewer may read it; None for a not-yet-started direct chat."""
    conv = _load(c, key)
    if conv is not None:
        if viewer_id not in conv.member_ids:
            raise Forbidden(key)
        return conv
    members = direct_members(key)
    if members is None:
        raise NotFound(key)
    if viewer not in members:
        raise Forbidden(key)
    return None


def _reactions(
    c: sqlite3.Connection, conv_id: int, lo: int, hi: int, viewer_id: int
) -> dict[int, dict[str, list[str]]]:
    out: dict[int, dict[str, list[str]]] = {}
    rows = c.execute(
        "SELECT r.target_seq, r.emoji, u.username FROM reactions r JOIN users u ON u.id = r.user_id"
        " WHERE r.conversation_id = ? AND r.target_seq BETWEEN ? AND ?"
        " AND NOT EXISTS (SELECT 1 FROM blocks WHERE blocker_id = ? AND blocked_id = r.user_id)"
        " ORDER BY r.target_seq, r.emoji, u.username",
        (conv_id, lo, hi, viewer_id),
    )
    for seq, emoji, name in rows:
        out.setdefault(seq, {}).setdefault(emoji, []).append(name)
    return out


def _message_rows(
    c: sqlite3.Connection, key: str, conv_id: int, rows: list[tuple[object, ...]], viewer_id: int
) -> list[MessageRow]:
    if not rows:
        return []
    seqs = [int(r[0]) for r in rows]  # type: ignore[call-overload]
    reactions = _reactions(c, conv_id, min(seqs), max(seqs), viewer_id)
    attached = files.attachments(c, conv_id, seqs)
    details = [decode_detail(r[12]) for r in rows]
    return [
        MessageRow(
            conversation=key,
            seq=int(r[0]),  # type: ignore[call-overload]
            ts=float(r[1]),  # type: ignore[arg-type]
            sender=str(r[2]),
            client_id=str(r[3] or ""),
            text=str(r[4] or ""),
            reply_to=None if r[5] is None else int(r[5]),  # type: ignore[call-overload]
            edited=bool(r[6]),
            deleted=bool(r[7]),
            reactions=reactions.get(int(r[0]), {}),  # type: ignore[call-overload]
            call=_call(r[8], r[9], r[10], r[11]),
            file=attached.get(int(r[0])),  # type: ignore[call-overload]
            mentions=d.mentions,
            member=d.member,
            room=d.room,
        )
        for r, d in zip(rows, details, strict=True)
    ]


# Messages, call entries and a room's membership and settings entries: what a history page
# and a conversation's last message show, from where the viewer joined (parameters:
# conversation, viewer, joined_seq).
_MESSAGE_SELECT = (
    "SELECT e.seq, e.ts, u.username, e.client_id, e.text, e.reply_to, e.edited, e.deleted,"
    " e.kind, e.flag, e.call_outcome, e.call_duration, e.detail"
    " FROM events e JOIN users u ON u.id = e.sender_id"
    " WHERE e.conversation_id = ? AND e.kind IN ('message', 'call', 'member', 'room')"
    " AND (e.hidden_from IS NULL OR e.hidden_from != ?) AND e.seq >= ?"
)


def history(
    c: sqlite3.Connection, viewer_id: int, viewer: str, key: str, before: int | None, limit: int
) -> tuple[list[MessageRow], bool]:
    conv = _readable(c, key, viewer_id, viewer)
    if conv is None:
        return [], False
    bound = conv.last_seq + 1 if before is None else before
    rows = c.execute(
        _MESSAGE_SELECT + " AND e.seq < ? ORDER BY e.seq DESC LIMIT ?",
        (conv.id, viewer_id, _joined_seq(c, conv.id, viewer_id), bound, limit + 1),
    ).fetchall()
    has_more = len(rows) > limit
    rows = rows[:limit]
    rows.reverse()
    return _message_rows(c, key, conv.id, rows, viewer_id), has_more


def events_after(
    c: sqlite3.Connection, viewer_id: int, viewer: str, key: str, after: int, limit: int
) -> tuple[list[StoredEvent], int, bool]:
    conv = _readable(c, key, viewer_id, viewer)
    if conv is None:
        return [], 0, False
    rows = c.execute(
        f"SELECT {_EVENT_COLS} FROM events e JOIN users u ON u.id = e.sender_id"
        " WHERE e.conversation_id = ? AND e.seq > ? AND e.seq >= ?"
        " AND (e.hidden_from IS NULL OR e.hidden_from != ?) ORDER BY e.seq LIMIT ?",
        (conv.id, after, _joined_seq(c, conv.id, viewer_id), viewer_id, limit + 1),
    ).fetchall()
    has_more = len(rows) > limit
    attached = files.attachments(c, conv.id, (r[0] for r in rows[:limit] if r[3] == "message"))
    details = [decode_detail(r[12]) for r in rows[:limit]]
    events = [
        StoredEvent(
            conversation=key,
            seq=r[0],
            ts=r[1],
            sender=r[2],
            kind=r[3],
            client_id=r[4],
            text=r[5],
            target=r[6],
            emoji=r[7],
            add=None if r[8] is None or r[3] == "call" else bool(r[8]),
            reply_to=r[9],
            call=_call(r[3], r[8], r[10], r[11]),
            file=attached.get(r[0]) if r[3] == "message" else None,
            mentions=d.mentions,
            member=d.member,
            room=d.room,
        )
        for r, d in zip(rows[:limit], details, strict=True)
    ]
    return events, conv.last_seq, has_more


def list_conversations(c: sqlite3.Connection, user_id: int) -> list[ConversationRow]:
    convs = c.execute(
        "SELECT cv.id, cv.key, cv.kind, cv.last_seq, m.read_seq, m.joined_seq"
        " FROM conversations cv JOIN members m ON m.conversation_id = cv.id WHERE m.user_id = ?"
        " ORDER BY cv.id",
        (user_id,),
    ).fetchall()
    out: list[ConversationRow] = []
    for cid, key, kind, last_seq, read_seq, joined_seq in convs:
        members = [
            MemberRow(user_id=r[0], username=r[1], read_seq=r[2], delivered_seq=r[3], role=r[4])
            for r in c.execute(
                "SELECT u.id, u.username, m.read_seq, m.delivered_seq, m.role FROM members m"
                " JOIN users u ON u.id = m.user_id WHERE m.conversation_id = ? ORDER BY u.username",
                (cid,),
            )
        ]
        unread = c.execute(
            "SELECT COUNT(*) FROM events WHERE conversation_id = ? AND seq > ? AND kind = 'message'"
            " AND sender_id != ? AND deleted = 0 AND (hidden_from IS NULL OR hidden_from != ?)",
            (cid, read_seq, user_id, user_id),
        ).fetchone()[0]
        last = c.execute(
            _MESSAGE_SELECT + " ORDER BY e.seq DESC LIMIT 1", (cid, user_id, joined_seq)
        ).fetchall()
        rows = _message_rows(c, key, cid, last, user_id)
        out.append(
            ConversationRow(
                key=key,
                kind=kind,
                last_seq=last_seq,
                unread=unread,
                members=members,
                last_message=rows[0] if rows else None,
                room=room_reads.room_row(c, cid, user_id) if kind == "room" else None,
            )
        )
    return out


def other_members(c: sqlite3.Connection, user_id: int, user: str, key: str) -> list[int]:
    """Members who may see ``user_id``'s ephemeral signals (typing): not itself, not blockers."""
    conv = _readable(c, key, user_id, user)
    if conv is not None:
        others = [m for m in conv.member_ids if m != user_id]
    else:
        # Typing before the first message: the chat exists only as its id so far.
        peer = accounts.user_by_name(c, next(m for m in direct_members(key) or () if m != user))
        if peer is None:
            raise NotFound(key)
        others = [peer.id]
    # One query for the user's blockers, not one per member: a room may have hundreds.
    blockers = {
        int(r[0])
        for r in c.execute("SELECT blocker_id FROM blocks WHERE blocked_id = ?", (user_id,))
    }
    return [m for m in others if m not in blockers]
