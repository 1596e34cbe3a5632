"""Conversation requests: send, edit, delete, react, receipts, typing, history, sync.

Writes are *ordered*: they return a future straight away instead of awaiting,
so the connection keeps reading while its writes commit in the order it sent
them. The future resolves after commit, and only then is the ack sent and the
event pushed to the other members.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec

from messenger.protocol import requests as rq
from messenger.protocol import results as rs
from messenger.protocol.codec import encode
from messenger.protocol.errors import ErrorCode, ProtocolError
from messenger.protocol.events import (
    AnyConversationEvent,
    CallEvent,
    DeleteEvent,
    DeliveredEvent,
    EditEvent,
    MemberEvent,
    MessageEvent,
    ReactionEvent,
    ReadEvent,
    RoomEvent,
    TypingEvent,
)
from messenger.protocol.files import normalize_file_ref
from signaling_server.connection import Connection
from signaling_server.context import ServerContext
from signaling_server.replies import as_protocol_error
from signaling_server.storage.records import Appended, MessageRow, RoomRow, StoredEvent


def to_event(ev: StoredEvent) -> AnyConversationEvent:
    common: dict[str, Any] = {
        "conversation": ev.conversation,
        "seq": ev.seq,
        "ts": ev.ts,
        "sender": ev.sender,
    }
    if ev.kind == "message":
        return MessageEvent(
            **common,
            client_id=ev.client_id or "",
            text=ev.text or "",
            reply_to=ev.reply_to,
            file=ev.file,
            mentions=ev.mentions,
        )
    if ev.member is not None:
        return MemberEvent(
            **common, user=ev.member.user, action=ev.member.action, role=ev.member.role
        )
    if ev.room is not None:
        return RoomEvent(**common, name=ev.room.name, topic=ev.room.topic, public=ev.room.public)
    if ev.kind == "edit":
        return EditEvent(**common, target=ev.target or 0, text=ev.text or "")
    if ev.kind == "delete":
        return DeleteEvent(**common, target=ev.target or 0)
    if ev.kind == "reaction":
        return ReactionEvent(
            **common, target=ev.target or 0, emoji=ev.emoji or "", add=bool(ev.add)
        )
    if ev.call is not None:
        return CallEvent(
            **common,
            call_id=ev.client_id or "",
            video=ev.call.video,
            outcome=ev.call.outcome,  # type: ignore[arg-type]
            duration=ev.call.duration,
        )
    return ReadEvent(**common, up_to=ev.target or 0)


def to_view(row: MessageRow) -> rs.MessageView:
    return rs.MessageView(
        conversation=row.conversation,
        seq=row.seq,
        ts=row.ts,
        sender=row.sender,
        client_id=row.client_id,
        text=row.text,
        reply_to=row.reply_to,
        edited=row.edited,
        deleted=row.deleted,
        reactions=row.reactions,
        call=None
        if row.call is None
        else rs.CallSummary(
            video=row.call.video,
            outcome=row.call.outcome,  # type: ignore[arg-type]
            duration=row.call.duration,
        ),
        file=row.file,
        mentions=row.mentions,
        member=row.member,
        room=row.room,
    )


def room_info(row: RoomRow) -> rs.RoomInfo:
    return rs.RoomInfo(
        id=row.key,
        name=row.name,
        topic=row.topic,
        public=row.public,
        members=row.members,
        role=row.role,  # type: ignore[arg-type]
        invited_by=row.invited_by,
    )


def _check_text(ctx: ServerContext, text: str, *, caption: bool = False) -> None:
    """A message needs text within the limit; a file message's caption may be empty."""
    if not caption and not text.strip():
        raise ProtocolError(ErrorCode.BAD_REQUEST, "a message needs some text")
    limit = ctx.settings.limits.max_text_chars
    if len(text) > limit:
        raise ProtocolError(
            ErrorCode.TOO_LARGE, f"messages are limited to {limit} characters, this has {len(text)}"
        )


def _then(
    pending: Awaitable[Appended],
    ctx: ServerContext,
    conn: Connection,
    request_id: str,
    make_result: Callable[[Appended], msgspec.Struct],
) -> None:
    """After commit: push the event to the recipients, then reply (ack or error).

    One callback on the storage future and nothing else: this runs once per
    message, and every extra future or task here costs throughput.
    """

    def done(fut: asyncio.Future[Appended]) -> None:
        exc = fut.exception()
        if exc is not None:
            conn.reply_error(as_protocol_error(exc, request_id))
            return
        appended = fut.result()
        if appended.event is not None and appended.recipients:
            ctx.broker.publish(
                appended.recipients, encode(to_event(appended.event)), conn.session_id
            )
        conn.reply(request_id, make_result(appended))

    asyncio.ensure_future(pending).add_done_callback(done)


def _event_result(key: str) -> Callable[[Appended], msgspec.Struct]:
    def make(appended: Appended) -> msgspec.Struct:
        ev = appended.event
        if ev is None:  # nothing changed
            return rs.EventResult(conversation=key, seq=0, ts=time.time())
        return rs.EventResult(conversation=key, seq=ev.seq, ts=ev.ts)

    return make


def send(ctx: ServerContext, conn: Connection, req: rq.Send) -> None:
    assert conn.user_id is not None
    _check_text(ctx, req.text, caption=req.file is not None)
    pending = ctx.storage.append_message(
        conn.user_id,
        conn.username,
        req.conversation,
        req.client_id,
        req.text,
        req.reply_to,
        time.time(),
        file=None if req.file is None else normalize_file_ref(req.file),
    )

    def ack(appended: Appended) -> msgspec.Struct:
        ev = appended.event
        assert ev is not None
        return rs.SendResult(
            conversation=ev.conversation, seq=ev.seq, ts=ev.ts, client_id=req.client_id
        )

    _then(pending, ctx, conn, req.id, ack)


def edit(ctx: ServerContext, conn: Connection, req: rq.Edit) -> None:
    assert conn.user_id is not None
    _check_text(ctx, req.text)
    pending = ctx.storage.append_edit(
        conn.user_id, conn.username, req.conversation, req.target, req.text, time.time()
    )
    _then(pending, ctx, conn, req.id, _event_result(req.conversation))


def delete(ctx: ServerContext, conn: Connection, req: rq.Delete) -> None:
    assert conn.user_id is not None
    pending = ctx.storage.append_delete(
        conn.user_id, conn.username, req.conversation, req.target, time.time()
    )
    _then(pending, ctx, conn, req.id, _event_result(req.conversation))


def react(ctx: ServerContext, conn: Connection, req: rq.React) -> None:
    assert conn.user_id is not None
    pending = ctx.storage.append_reaction(
        conn.user_id,
        conn.username,
        req.conversation,
        req.target,
        req.emoji,
        req.add,
        time.time(),
    )
    _then(pending, ctx, conn, req.id, _event_result(req.conversation))


def mark_read(ctx: ServerContext, conn: Connection, req: rq.MarkRead) -> None:
    assert conn.user_id is not None
    pending = ctx.storage.append_read(
        conn.user_id, conn.username, req.conversation, req.seq, time.time()
    )
    _then(pending, ctx, conn, req.id, _event_result(req.conversation))


def mark_delivered(ctx: ServerContext, conn: Connection, req: rq.MarkDelivered) -> None:
    assert conn.user_id is not None
    pending = ctx.storage.set_delivered(conn.user_id, req.conversation, req.seq)

    def done(fut: asyncio.Future[tuple[list[int], int]]) -> None:
        exc = fut.exception()
        if exc is not None:
            conn.reply_error(as_protocol_error(exc, req.id))
            return
        recipients, up_to = fut.result()
        if recipients:
            frame = DeliveredEvent(conversation=req.conversation, user=conn.username, up_to=up_to)
            ctx.broker.publish(recipients, encode(frame))
        conn.reply(req.id, rs.Empty())

    asyncio.ensure_future(pending).add_done_callback(done)


async def typing(ctx: ServerContext, conn: Connection, req: rq.Typing) -> rs.Empty:
    assert conn.user_id is not None
    others = await ctx.storage.other_members(conn.user_id, conn.username, req.conversation)
    frame = TypingEvent(conversation=req.conversation, user=conn.username, typing=req.typing)
    ctx.broker.publish(others, encode(frame))
    return rs.Empty()


async def history(ctx: ServerContext, conn: Connection, req: rq.History) -> rs.HistoryResult:
    assert conn.user_id is not None
    limit = min(req.limit, ctx.settings.limits.history_page_max)
    rows, has_more = await ctx.storage.history(
        conn.user_id, conn.username, req.conversation, req.before, limit
    )
    return rs.HistoryResult(messages=[to_view(r) for r in rows], has_more=has_more)


async def sync(ctx: ServerContext, conn: Connection, req: rq.Sync) -> rs.SyncResult:
    assert conn.user_id is not None
    limit = min(req.limit, ctx.settings.limits.sync_page_max)
    events, last_seq, has_more = await ctx.storage.events_after(
        conn.user_id, conn.username, req.conversation, req.after, limit
    )
    return rs.SyncResult(events=[to_event(e) for e in events], last_seq=last_seq, has_more=has_more)


async def conversations(
    ctx: ServerContext, conn: Connection, req: rq.ListConversations
) -> rs.ConversationsResult:
    assert conn.user_id is not None
    rows = await ctx.storage.list_conversations(conn.user_id)
    return rs.ConversationsResult(
        conversations=[
            rs.ConversationInfo(
                id=r.key,
                kind=r.kind,
                members=[
                    rs.Member(
                        username=m.username,
                        read_seq=m.read_seq,
                        delivered_seq=m.delivered_seq,
                        role=m.role if r.kind == "room" else None,  # type: ignore[arg-type]
                    )
                    for m in r.members
                ],
                last_seq=r.last_seq,
                unread=r.unread,
                last_message=to_view(r.last_message) if r.last_message else None,
                room=None if r.room is None else room_info(r.room),
            )
            for r in rows
        ]
    )
