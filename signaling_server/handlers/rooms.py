"""Rooms: create, look up, list, invite, join, decline, leave, remove, ban, roles, settings.

Parse and check input here; who may do what is decided by the storage (on the writer thread,
next to the rows it reads); each change comes back as sequenced events that go to the room's
members like messages do, the acting session included (its client applies them like any
other event, so the room looks the same on every device).
"""

from __future__ import annotations

import time

from messenger.protocol import requests as rq
from messenger.protocol import results as rs
from messenger.protocol.codec import encode
from messenger.protocol.errors import ErrorCode, ProtocolError
from messenger.protocol.events import RoomInvitedEvent
from messenger.protocol.names import normalize_username
from messenger.protocol.rooms import check_topic, is_room_id, normalize_room_name
from signaling_server.connection import Connection
from signaling_server.context import ServerContext
from signaling_server.handlers.messages import room_info, to_event
from signaling_server.storage.records import RoomChange, RoomRow

_NAME_RULE = (
    "room names are 2 to 32 letters (a-z, any case), digits, '.', '_' or '-',"
    " starting with a letter or digit"
)


def _name(raw: str) -> str:
    name = normalize_room_name(raw)
    if name is None:
        raise ProtocolError(ErrorCode.BAD_REQUEST, f"{raw[:40]!r}: {_NAME_RULE}")
    return name


def _room_id(raw: str) -> str:
    if not is_room_id(raw):
        raise ProtocolError(ErrorCode.NOT_FOUND, f"{raw[:40]!r} is not a room id (room:...)")
    return raw


def _user(raw: str) -> str:
    name = normalize_username(raw)
    if name is None:
        raise ProtocolError(ErrorCode.NOT_FOUND, f"there is no user {raw[:40]!r}")
    return name


def _publish(ctx: ServerContext, change: RoomChange) -> rs.EventResult | None:
    """Push every event of the change to its recipients; the last one's seq and time."""
    last = None
    for appended in change.events:
        if appended.event is None:
            continue
        ctx.broker.publish(appended.recipients, encode(to_event(appended.event)))
        last = rs.EventResult(
            conversation=appended.event.conversation, seq=appended.event.seq, ts=appended.event.ts
        )
    return last


def _event_result(ctx: ServerContext, key: str, change: RoomChange) -> rs.EventResult:
    last = _publish(ctx, change)
    return last or rs.EventResult(conversation=key, seq=0, ts=time.time())


def _room_result(ctx: ServerContext, change: RoomChange) -> rs.RoomResult:
    _publish(ctx, change)
    assert change.room is not None  # every change that answers with the room carries it
    return rs.RoomResult(room=room_info(change.room))


def _rooms(rows: list[RoomRow]) -> rs.RoomsResult:
    return rs.RoomsResult(rooms=[room_info(r) for r in rows])


async def create(ctx: ServerContext, conn: Connection, req: rq.RoomCreate) -> rs.RoomResult:
    assert conn.user_id is not None
    name, topic = _name(req.name), check_topic(req.topic)
    change = await ctx.storage.create_room(
        conn.user_id, conn.username, name, topic, req.public, time.time()
    )
    return _room_result(ctx, change)


async def lookup(ctx: ServerContext, conn: Connection, req: rq.RoomLookup) -> rs.RoomResult:
    assert conn.user_id is not None
    return rs.RoomResult(room=room_info(await ctx.storage.room_lookup(conn.user_id, req.room)))


async def directory(ctx: ServerContext, conn: Connection, req: rq.RoomDirectory) -> rs.RoomsResult:
    assert conn.user_id is not None
    return _rooms(await ctx.storage.room_directory(conn.user_id, req.prefix, req.limit))


async def invitations(
    ctx: ServerContext, conn: Connection, req: rq.RoomInvitations
) -> rs.RoomsResult:
    assert conn.user_id is not None
    return _rooms(await ctx.storage.room_invitations(conn.user_id))


async def members(
    ctx: ServerContext, conn: Connection, req: rq.RoomMembers
) -> rs.RoomMembersResult:
    """Members with roles, markers and presence; across a block either way a member shows
    offline with no status text or display name, as in the contact list."""
    assert conn.user_id is not None
    rows = await ctx.storage.room_members(conn.user_id, _room_id(req.room))
    out: list[rs.RoomMember] = []
    for row in rows:
        shown = ctx.presence.visible(row.user_id)
        visible = not row.blocked
        out.append(
            rs.RoomMember(
                username=row.username,
                role=row.role,  # type: ignore[arg-type]
                read_seq=row.read_seq,
                delivered_seq=row.delivered_seq,
                status=shown.status if visible else "offline",  # type: ignore[arg-type]
                text=shown.text if visible else "",
                display_name=row.display_name if visible else "",
            )
        )
    return rs.RoomMembersResult(room=req.room, members=out)


async def invite(ctx: ServerContext, conn: Connection, req: rq.RoomInvite) -> rs.EventResult:
    assert conn.user_id is not None
    key = _room_id(req.room)
    change = await ctx.storage.room_invite(
        conn.user_id, conn.username, key, _user(req.username), time.time()
    )
    result = _event_result(ctx, key, change)
    if change.invitee_id is not None and change.room is not None:
        notice = RoomInvitedEvent(
            room=key, name=change.room.name, topic=change.room.topic, inviter=conn.username
        )
        ctx.broker.publish([change.invitee_id], encode(notice))
    return result


async def join(ctx: ServerContext, conn: Connection, req: rq.RoomJoin) -> rs.RoomResult:
    assert conn.user_id is not None
    change = await ctx.storage.room_join(
        conn.user_id, conn.username, _room_id(req.room), time.time()
    )
    return _room_result(ctx, change)


async def decline(ctx: ServerContext, conn: Connection, req: rq.RoomDecline) -> rs.Empty:
    assert conn.user_id is not None
    await ctx.storage.room_decline(conn.user_id, _room_id(req.room))
    return rs.Empty()


async def leave(ctx: ServerContext, conn: Connection, req: rq.RoomLeave) -> rs.EventResult:
    assert conn.user_id is not None
    key = _room_id(req.room)
    change = await ctx.storage.room_leave(conn.user_id, conn.username, key, time.time())
    return _event_result(ctx, key, change)


async def remove(ctx: ServerContext, conn: Connection, req: rq.RoomRemove) -> rs.EventResult:
    assert conn.user_id is not None
    key = _room_id(req.room)
    change = await ctx.storage.room_remove(
        conn.user_id, conn.username, key, _user(req.username), req.ban, time.time()
    )
    return _event_result(ctx, key, change)


async def unban(ctx: ServerContext, conn: Connection, req: rq.RoomUnban) -> rs.EventResult:
    assert conn.user_id is not None
    key = _room_id(req.room)
    change = await ctx.storage.room_unban(
        conn.user_id, conn.username, key, _user(req.username), time.time()
    )
    return _event_result(ctx, key, change)


async def set_role(ctx: ServerContext, conn: Connection, req: rq.RoomSetRole) -> rs.EventResult:
    assert conn.user_id is not None
    key = _room_id(req.room)
    change = await ctx.storage.room_set_role(
        conn.user_id, conn.username, key, _user(req.username), req.role, time.time()
    )
    return _event_result(ctx, key, change)


async def update(ctx: ServerContext, conn: Connection, req: rq.RoomUpdate) -> rs.EventResult:
    assert conn.user_id is not None
    key = _room_id(req.room)
    name = None if req.name is None else _name(req.name)
    topic = None if req.topic is None else check_topic(req.topic)
    change = await ctx.storage.room_update(
        conn.user_id, conn.username, key, name, topic, req.public, time.time()
    )
    return _event_result(ctx, key, change)
