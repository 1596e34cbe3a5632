"""SQL reading rooms: one room, the public directory, invitations, the member list.

Run on the reader thread. What a viewer may see of a room is decided here, next to the
query: a private room exists only for its members and the users invited to it.
"""

from __future__ import annotations

import sqlite3

from messenger.protocol.rooms import is_room_id, normalize_room_name, room_name_key
from signaling_server.storage.errors import Forbidden, NotFound
from signaling_server.storage.records import RoomMemberRow, RoomRow

_ROOM_SELECT = (
    "SELECT cv.key, r.name, r.topic, r.public,"
    " (SELECT COUNT(*) FROM members WHERE conversation_id = cv.id),"
    " (SELECT role FROM members WHERE conversation_id = cv.id AND user_id = :viewer),"
    " (SELECT u.username FROM room_invites i JOIN users u ON u.id = i.inviter_id"
    "   WHERE i.conversation_id = cv.id AND i.user_id = :viewer)"
    " FROM rooms r JOIN conversations cv ON cv.id = r.conversation_id"
)


def _row(r: tuple[object, ...]) -> RoomRow:
    return RoomRow(
        key=str(r[0]),
        name=str(r[1]),
        topic=str(r[2]),
        public=bool(r[3]),
        members=int(r[4]),  # type: ignore[call-overload]
        role=None if r[5] is None else str(r[5]),
        invited_by=None if r[6] is None else str(r[6]),
    )


def room_row(c: sqlite3.Connection, conv_id: int, viewer_id: int) -> RoomRow:
    r = c.execute(
        _ROOM_SELECT + " WHERE r.conversation_id = :conv", {"viewer": viewer_id, "conv": conv_id}
    ).fetchone()
    if r is None:
        raise NotFound(f"room {conv_id}")
    return _row(r)


def lookup(c: sqlite3.Connection, viewer_id: int, room: str) -> RoomRow:
    """A room by id or name, if the viewer may know of it (public, member or invited).

    A private room is ``not_found`` for everyone else, exactly as a name nobody has.
    """
    if is_room_id(room):
        r = c.execute(_ROOM_SELECT + " WHERE cv.key = :key", {"viewer": viewer_id, "key": room})
    else:
        name = normalize_room_name(room)
        if name is None:
            raise NotFound(room)
        r = c.execute(
            _ROOM_SELECT + " WHERE r.name_key = :key",
            {"viewer": viewer_id, "key": room_name_key(name)},
        )
    found = r.fetchone()
    if found is None:
        raise NotFound(room)
    row = _row(found)
    if not row.public and row.role is None and row.invited_by is None:
        raise NotFound(room)
    return row


def directory(c: sqlite3.Connection, viewer_id: int, prefix: str, limit: int) -> list[RoomRow]:
    """Public rooms (with members) whose name starts with ``prefix``, by name."""
    # LIKE would need escaping of % and _; a range on the lower-cased key is exact and indexed.
    low = room_name_key(prefix.strip().removeprefix("#"))
    rows = c.execute(
        _ROOM_SELECT + " WHERE r.public AND r.name_key >= :low AND r.name_key < :high"
        " ORDER BY r.name_key LIMIT :limit",
        {"viewer": viewer_id, "low": low, "high": low + "\U0010ffff", "limit": limit},
    )
    return [_row(r) for r in rows]


def invitations(c: sqlite3.Connection, user_id: int) -> list[RoomRow]:
    rows = c.execute(
        _ROOM_SELECT + " JOIN room_invites mine ON mine.conversation_id = cv.id"
        " WHERE mine.user_id = :viewer ORDER BY mine.created_at",
        {"viewer": user_id},
    )
    return [_row(r) for r in rows]


def members(c: sqlite3.Connection, viewer_id: int, key: str) -> list[RoomMemberRow]:
    """Every member, for a member of the room (``Forbidden`` for anyone else)."""
    conv = c.execute(
        "SELECT cv.id FROM conversations cv JOIN rooms r ON r.conversation_id = cv.id"
        " WHERE cv.key = ?",
        (key,),
    ).fetchone()
    if conv is None:
        raise NotFound(key)
    rows = c.execute(
        "SELECT u.id, u.username, m.role, m.read_seq, m.delivered_seq,"
        " COALESCE(p.display_name, ''),"
        " EXISTS (SELECT 1 FROM blocks b WHERE (b.blocker_id = :viewer AND b.blocked_id = u.id)"
        "   OR (b.blocker_id = u.id AND b.blocked_id = :viewer))"
        " FROM members m JOIN users u ON u.id = m.user_id"
        " LEFT JOIN profiles p ON p.user_id = u.id"
        " WHERE m.conversation_id = :conv ORDER BY m.joined_seq, u.username",
        {"viewer": viewer_id, "conv": conv[0]},
    ).fetchall()
    if all(r[0] != viewer_id for r in rows):
        raise Forbidden(key)
    return [
        RoomMemberRow(
            user_id=r[0],
            username=r[1],
            role=r[2],
            read_seq=r[3],
            delivered_seq=r[4],
            display_name=r[5],
            blocked=bool(r[6]),
        )
        for r in rows
    ]
