"""Profiles: a display name and an avatar per user, shown to the people they deal with.

A profile is visible to its owner and to anyone with a relationship to the owner
(accepted, or a request pending either way) whom the owner has not blocked.
Everyone else gets the very reply an unknown username gets, so a profile lookup
reveals neither that an account exists nor that its owner blocked the asker.
"""

from __future__ import annotations

import time

from messenger.protocol import requests as rq
from messenger.protocol import results as rs
from messenger.protocol.codec import encode
from messenger.protocol.errors import ErrorCode, ProtocolError
from messenger.protocol.events import ProfileEvent
from messenger.protocol.names import normalize_username
from messenger.protocol.profiles import check_avatar, normalize_display_name
from signaling_server.connection import Connection
from signaling_server.context import ServerContext
from signaling_server.storage.records import ContactRow, ProfileRow


def may_see_profile(row: ContactRow) -> bool:
    """Whether the owner of ``row`` may see the peer's profile."""
    return row.state != "none" and not row.blocked_by


def shown_summary(row: ContactRow) -> tuple[str, str | None]:
    """The peer's display name and avatar hash as the owner of ``row`` may see them."""
    if may_see_profile(row):
        return row.display_name, row.avatar_hash
    return "", None


def _view(username: str, row: ProfileRow) -> rs.Profile:
    return rs.Profile(
        username=username,
        display_name=row.display_name,
        avatar=row.avatar,
        avatar_hash=row.avatar_hash,
    )


async def set_profile(ctx: ServerContext, conn: Connection, req: rq.SetProfile) -> rs.Profile:
    assert conn.user_id is not None
    # Every field is checked before anything is written: a refused request stores nothing.
    name = None if req.display_name is None else normalize_display_name(req.display_name)
    if req.avatar:  # b"" removes the avatar and needs no check
        check_avatar(req.avatar)
    row, changed = await ctx.storage.set_profile(conn.user_id, name, req.avatar, time.time())
    if changed:
        frame = encode(
            ProfileEvent(
                user=conn.username, display_name=row.display_name, avatar_hash=row.avatar_hash
            )
        )
        # The presence audience is exactly who hears of profile changes: accepted
        # contacts, with no block either way. Pending requests can fetch with ``profile``.
        ctx.broker.publish(await ctx.storage.presence_audience(conn.user_id), frame)
        ctx.broker.publish([conn.user_id], frame, exclude_session=conn.session_id)
    return _view(conn.username, row)


async def get_profile(ctx: ServerContext, conn: Connection, req: rq.GetProfile) -> rs.Profile:
    assert conn.user_id is not None
    name = normalize_username(req.username)
    if name == conn.username:
        return _view(conn.username, await ctx.storage.profile(conn.user_id))
    peer = await ctx.storage.user_by_name(name) if name else None
    if peer is not None and may_see_profile(await ctx.storage.relation(conn.user_id, peer.id)):
        return _view(peer.username, await ctx.storage.profile(peer.id))
    # Word for word what ``contact`` says about a name that does not exist.
    raise ProtocolError(ErrorCode.NOT_FOUND, f"there is no user {req.username!r}")
