"""SQL changing rooms: create, invite, join, decline, leave, remove, ban, roles, settings.

Plain functions run on the writer thread, next to the message writes, so the cached member
list (``ConvState.member_ids``) that fan-out and authorisation read changes in the same
transaction as the rows. Each action validates first and writes after, and every change is a
sequenced event of the room, so every member's history shows it and ``sync`` replays it.

Who may do what is decided here (see the rights table in docs/protocol.md): an admin acts on
members, the owner on everyone; only the owner hands the room over.
"""

from __future__ import annotations

import secrets
import sqlite3

from messenger.protocol.rooms import (
    ROLE_RANK,
    ROOM_PREFIX,
    MemberAction,
    MemberChange,
    Role,
    RoomSettings,
    room_name_key,
)
from signaling_server.storage import sqlite_accounts as accounts
from signaling_server.storage import sqlite_room_reads as room_reads
from signaling_server.storage.errors import Forbidden, InvalidState, NameTaken, NotFound
from signaling_server.storage.event_detail import EventDetail
from signaling_server.storage.records import Appended, RoomChange, StoredEvent, User
from signaling_server.storage.sqlite_cache import ConvState, WriterCache
from signaling_server.storage.sqlite_conversations import _insert_event, _next_seq


def _room(c: sqlite3.Connection, cache: WriterCache, key: str) -> ConvState:
    conv = cache.conv(c, key)
    if conv is None or conv.kind != "room":
        raise NotFound(key)
    return conv


def _settings(c: sqlite3.Connection, conv: ConvState) -> tuple[RoomSettings, str | None]:
    """The room's settings and its name key (None once closed)."""
    name, key, topic, public = c.execute(
        "SELECT name, name_key, topic, public FROM rooms WHERE conversation_id = ?", (conv.id,)
    ).fetchone()
    return RoomSettings(name=name, topic=topic, public=bool(public)), key


def _role(c: sqlite3.Connection, conv: ConvState, user_id: int) -> str | None:
    row = c.execute(
        "SELECT role FROM members WHERE conversation_id = ? AND user_id = ?", (conv.id, user_id)
    ).fetchone()
    return None if row is None else str(row[0])


def _actor_role(c: sqlite3.Connection, conv: ConvState, user_id: int, need: str) -> str:
    """The actor's role, if at least ``need``; Forbidden otherwise (members and outsiders)."""
    role = _role(c, conv, user_id)
    if role is None:
        raise Forbidden(conv.key)
    if ROLE_RANK[role] < ROLE_RANK[need]:
        raise Forbidden(f"only {'the owner' if need == 'owner' else 'admins'} may do this")
    return role


def _user(c: sqlite3.Connection, username: str) -> User:
    user = accounts.user_by_name(c, username)
    if user is None:
        raise NotFound(username)
    return user


def _emit(
    c: sqlite3.Connection,
    conv: ConvState,
    actor_id: int,
    actor: str,
    now: float,
    *,
    member: MemberChange | None = None,
    room: RoomSettings | None = None,
) -> Appended:
    """Store a membership or settings entry; every current member is told (the actor too)."""
    kind = "member" if member is not None else "room"
    seq = _next_seq(c, conv)
    _insert_event(c, conv, seq, now, actor_id, kind, detail=EventDetail(member=member, room=room))
    event = StoredEvent(
        conversation=conv.key, seq=seq, ts=now, sender=actor, kind=kind, member=member, room=room
    )
    return Appended(event=event, recipients=list(conv.member_ids))


def _change(
    c: sqlite3.Connection,
    conv: ConvState,
    actor_id: int,
    actor: str,
    now: float,
    user: str,
    action: MemberAction,
    role: Role | None = None,
) -> Appended:
    return _emit(
        c, conv, actor_id, actor, now, member=MemberChange(user=user, action=action, role=role)
    )


def _add_member(c: sqlite3.Connection, conv: ConvState, user_id: int, role: str) -> None:
    """Membership starts at the join entry (the next seq): history before it stays unseen."""
    start = conv.last_seq + 1
    c.execute(
        "INSERT INTO members (conversation_id, user_id, role, read_seq, delivered_seq, joined_seq)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (conv.id, user_id, role, start, start, start),
    )
    conv.member_ids.append(user_id)


def _drop_member(c: sqlite3.Connection, conv: ConvState, user_id: int) -> None:
    c.execute("DELETE FROM members WHERE conversation_id = ? AND user_id = ?", (conv.id, user_id))
    conv.member_ids.remove(user_id)


def _set_role(c: sqlite3.Connection, conv: ConvState, user_id: int, role: str) -> None:
    c.execute(
        "UPDATE members SET role = ? WHERE conversation_id = ? AND user_id = ?",
        (role, conv.id, user_id),
    )


def _is_banned(c: sqlite3.Connection, conv: ConvState, user_id: int) -> bool:
    row = c.execute(
        "SELECT 1 FROM room_bans WHERE conversation_id = ? AND user_id = ?", (conv.id, user_id)
    ).fetchone()
    return row is not None


def _done(
    c: sqlite3.Connection, conv: ConvState, viewer_id: int, events: list[Appended], **extra: int
) -> RoomChange:
    return RoomChange(events=events, room=room_reads.room_row(c, conv.id, viewer_id), **extra)


def create_room(
    c: sqlite3.Connection,
    cache: WriterCache,
    user_id: int,
    user: str,
    name: str,
    topic: str,
    public: bool,
    now: float,
) -> RoomChange:
    if c.execute("SELECT 1 FROM rooms WHERE name_key = ?", (room_name_key(name),)).fetchone():
        raise NameTaken(name)
    while True:
        key = ROOM_PREFIX + secrets.token_hex(8)
        if cache.conv(c, key) is None:
            break
    cur = c.execute(
        "INSERT INTO conversations (key, kind, last_seq, created_at) VALUES (?, 'room', 0, ?)",
        (key, now),
    )
    conv = ConvState(int(cur.lastrowid or 0), key, "room", 0, [])
    cache.add_conv(conv)
    c.execute(
        "INSERT INTO rooms (conversation_id, name, name_key, topic, public, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (conv.id, name, room_name_key(name), topic, public, now),
    )
    _add_member(c, conv, user_id, "owner")
    settings = RoomSettings(name=name, topic=topic, public=public)
    # The owner's membership starts at seq 1, so its history opens with the room's settings.
    events = [
        _emit(c, conv, user_id, user, now, room=settings),
        _change(c, conv, user_id, user, now, user, "joined", "owner"),
    ]
    return _done(c, conv, user_id, events)


def invite(
    c: sqlite3.Connection,
    cache: WriterCache,
    user_id: int,
    user: str,
    key: str,
    username: str,
    now: float,
) -> RoomChange:
    conv = _room(c, cache, key)
    _actor_role(c, conv, user_id, "admin")
    target = _user(c, username)
    if target.id in conv.member_ids:
        raise InvalidState(f"{target.username} is already a member")
    if accounts.contact_state(c, user_id, target.id) != "accepted":
        raise Forbidden("you can invite your contacts only")
    if _is_banned(c, conv, target.id):
        raise Forbidden(f"{target.username} is banned from this room; unban first")
    blocked = target.id in cache.blockers_of(c, user_id) or user_id in cache.blockers_of(
        c, target.id
    )
    pending = c.execute(
        "SELECT 1 FROM room_invites WHERE conversation_id = ? AND user_id = ?",
        (conv.id, target.id),
    ).fetchone()
    # Across a block nothing happens, and the inviter is not told why: as a blocked sender
    # gets a normal ack. A repeated invitation changes nothing either.
    if blocked or pending:
        return _done(c, conv, user_id, [])
    c.execute(
        "INSERT INTO room_invites (conversation_id, user_id, inviter_id, created_at)"
        " VALUES (?, ?, ?, ?)",
        (conv.id, target.id, user_id, now),
    )
    events = [_change(c, conv, user_id, user, now, target.username, "invited")]
    return _done(c, conv, user_id, events, invitee_id=target.id)


def join(
    c: sqlite3.Connection, cache: WriterCache, user_id: int, user: str, key: str, now: float
) -> RoomChange:
    conv = _room(c, cache, key)
    settings, name_key = _settings(c, conv)
    if user_id in conv.member_ids:
        raise InvalidState("you are already a member")
    invited = c.execute(
        "DELETE FROM room_invites WHERE conversation_id = ? AND user_id = ?", (conv.id, user_id)
    ).rowcount
    # A private room one is not invited to does not exist as far as the asker can tell.
    if name_key is None or not (invited or settings.public):
        raise NotFound(key)
    if _is_banned(c, conv, user_id):
        raise Forbidden("you are banned from this room")
    _add_member(c, conv, user_id, "member")
    events = [_change(c, conv, user_id, user, now, user, "joined", "member")]
    return _done(c, conv, user_id, events)


def decline(c: sqlite3.Connection, cache: WriterCache, user_id: int, key: str) -> None:
    conv = _room(c, cache, key)
    gone = c.execute(
        "DELETE FROM room_invites WHERE conversation_id = ? AND user_id = ?", (conv.id, user_id)
    ).rowcount
    if not gone:
        raise NotFound(f"no invitation to {key}")


def leave(
    c: sqlite3.Connection, cache: WriterCache, user_id: int, user: str, key: str, now: float
) -> RoomChange:
    """Leave; an owner's room passes to its longest-standing admin, else member.

    The last member out closes the room: its name is free again and nobody can join it.
    """
    conv = _room(c, cache, key)
    role = _role(c, conv, user_id)
    if role is None:
        raise Forbidden(key)
    events: list[Appended] = []
    if role == "owner":
        heir = c.execute(
            "SELECT m.user_id, u.username FROM members m JOIN users u ON u.id = m.user_id"
            " WHERE m.conversation_id = ? AND m.user_id != ?"
            " ORDER BY m.role = 'admin' DESC, m.joined_seq, m.user_id LIMIT 1",
            (conv.id, user_id),
        ).fetchone()
        if heir is not None:
            _set_role(c, conv, heir[0], "owner")
            events.append(_change(c, conv, user_id, user, now, heir[1], "role", "owner"))
    events.append(_change(c, conv, user_id, user, now, user, "left"))
    _drop_member(c, conv, user_id)
    if not conv.member_ids:
        c.execute("UPDATE rooms SET name_key = NULL WHERE conversation_id = ?", (conv.id,))
        c.execute("DELETE FROM room_invites WHERE conversation_id = ?", (conv.id,))
    return RoomChange(events=events)


def _outranks(c: sqlite3.Connection, conv: ConvState, actor_id: int, target_id: int) -> str:
    """The target's role, if the actor (an admin at least) ranks above it; else Forbidden."""
    actor_role = _actor_role(c, conv, actor_id, "admin")
    target_role = _role(c, conv, target_id)
    if target_role is not None and ROLE_RANK[target_role] >= ROLE_RANK[actor_role]:
        raise Forbidden(f"an {actor_role} cannot act on an {target_role}")
    return target_role or ""


def remove(
    c: sqlite3.Connection,
    cache: WriterCache,
    user_id: int,
    user: str,
    key: str,
    username: str,
    ban: bool,
    now: float,
) -> RoomChange:
    """Remove a member at once (no delivery, sync or history from now on); ``ban`` also keeps
    them out, and may be given to a non-member to keep them from joining a public room."""
    conv = _room(c, cache, key)
    target = _user(c, username)
    if target.id == user_id:
        raise InvalidState("to leave a room use room_leave")
    member = _outranks(c, conv, user_id, target.id) != ""
    if not member and not ban:
        raise NotFound(f"{target.username} is not a member")
    c.execute(
        "DELETE FROM room_invites WHERE conversation_id = ? AND user_id = ?", (conv.id, target.id)
    )
    if ban:
        if _is_banned(c, conv, target.id):
            raise InvalidState(f"{target.username} is already banned")
        c.execute(
            "INSERT INTO room_bans (conversation_id, user_id, created_at) VALUES (?, ?, ?)",
            (conv.id, target.id, now),
        )
    # Told before they go, so the removed member's devices learn of it too.
    action: MemberAction = "banned" if ban else "removed"
    events = [_change(c, conv, user_id, user, now, target.username, action)]
    if member:
        _drop_member(c, conv, target.id)
    return _done(c, conv, user_id, events)


def unban(
    c: sqlite3.Connection,
    cache: WriterCache,
    user_id: int,
    user: str,
    key: str,
    username: str,
    now: float,
) -> RoomChange:
    conv = _room(c, cache, key)
    _actor_role(c, conv, user_id, "admin")
    target = _user(c, username)
    gone = c.execute(
        "DELETE FROM room_bans WHERE conversation_id = ? AND user_id = ?", (conv.id, target.id)
    ).rowcount
    if not gone:
        raise InvalidState(f"{target.username} is not banned")
    events = [_change(c, conv, user_id, user, now, target.username, "unbanned")]
    return _done(c, conv, user_id, events)


def set_role(
    c: sqlite3.Connection,
    cache: WriterCache,
    user_id: int,
    user: str,
    key: str,
    username: str,
    role: Role,
    now: float,
) -> RoomChange:
    conv = _room(c, cache, key)
    target = _user(c, username)
    if target.id not in conv.member_ids:
        raise NotFound(f"{target.username} is not a member")
    if role == "owner":
        _actor_role(c, conv, user_id, "owner")
        if target.id == user_id:
            return _done(c, conv, user_id, [])
        _set_role(c, conv, target.id, "owner")
        _set_role(c, conv, user_id, "admin")
        events = [
            _change(c, conv, user_id, user, now, target.username, "role", "owner"),
            _change(c, conv, user_id, user, now, user, "role", "admin"),
        ]
        return _done(c, conv, user_id, events)
    current = _outranks(c, conv, user_id, target.id)
    if current == role:
        return _done(c, conv, user_id, [])
    _set_role(c, conv, target.id, role)
    events = [_change(c, conv, user_id, user, now, target.username, "role", role)]
    return _done(c, conv, user_id, events)


def update(
    c: sqlite3.Connection,
    cache: WriterCache,
    user_id: int,
    user: str,
    key: str,
    name: str | None,
    topic: str | None,
    public: bool | None,
    now: float,
) -> RoomChange:
    conv = _room(c, cache, key)
    _actor_role(c, conv, user_id, "admin")
    before, _ = _settings(c, conv)
    after = RoomSettings(
        name=before.name if name is None else name,
        topic=before.topic if topic is None else topic,
        public=before.public if public is None else public,
    )
    if after == before:
        return _done(c, conv, user_id, [])
    if room_name_key(after.name) != room_name_key(before.name):
        taken = c.execute(
            "SELECT 1 FROM rooms WHERE name_key = ?", (room_name_key(after.name),)
        ).fetchone()
        if taken:
            raise NameTaken(after.name)
    c.execute(
        "UPDATE rooms SET name = ?, name_key = ?, topic = ?, public = ? WHERE conversation_id = ?",
        (after.name, room_name_key(after.name), after.topic, after.public, conv.id),
    )
    return _done(c, conv, user_id, [_emit(c, conv, user_id, user, now, room=after)])
