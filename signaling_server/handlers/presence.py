"""Presence: set by sessions, aggregated per user, shown to accepted contacts only."""

from __future__ import annotations

import time

from messenger.protocol import requests as rq
from messenger.protocol import results as rs
from messenger.protocol.codec import encode
from messenger.protocol.events import PresenceEvent
from signaling_server.connection import Connection
from signaling_server.context import ServerContext


async def announce(ctx: ServerContext, user_id: int, username: str) -> None:
    """Tell the user's presence audience what they now see."""
    shown = ctx.presence.visible(user_id)
    last_seen = None
    if shown.status == "offline":
        user = await ctx.storage.user_by_id(user_id)
        last_seen = user.last_seen if user else None
    frame = encode(
        PresenceEvent(user=username, status=shown.status, text=shown.text, last_seen=last_seen)  # type: ignore[arg-type]
    )
    ctx.broker.publish(await ctx.storage.presence_audience(user_id), frame)


async def go_online(ctx: ServerContext, conn: Connection) -> None:
    assert conn.user_id is not None and conn.session_id is not None
    if ctx.presence.own(conn.user_id, conn.session_id).status != "offline":
        return  # another connection of this session already counts
    if ctx.presence.set(conn.user_id, conn.session_id, "available", ""):
        await announce(ctx, conn.user_id, conn.username)


async def go_offline(ctx: ServerContext, conn: Connection, last_of_session: bool) -> None:
    assert conn.user_id is not None and conn.session_id is not None
    if not last_of_session:
        return
    if ctx.presence.drop(conn.user_id, conn.session_id):
        if ctx.presence.visible(conn.user_id).status == "offline":
            await ctx.storage.set_last_seen(conn.user_id, time.time())
        await announce(ctx, conn.user_id, conn.username)


async def set_presence(ctx: ServerContext, conn: Connection, req: rq.SetPresence) -> rs.Empty:
    assert conn.user_id is not None and conn.session_id is not None
    before = ctx.presence.visible(conn.user_id)
    if ctx.presence.set(conn.user_id, conn.session_id, req.status, req.text):
        was_shown = before.status != "offline"
        if was_shown and ctx.presence.visible(conn.user_id).status == "offline":
            # Going invisible looks like signing off, last-seen included.
            await ctx.storage.set_last_seen(conn.user_id, time.time())
        await announce(ctx, conn.user_id, conn.username)
    return rs.Empty()
