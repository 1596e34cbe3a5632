"""Contact requests, acceptance, removal and blocking.

The relationship is two rows, one per side, each in that side's terms
(``outgoing`` for the asker, ``incoming`` for the asked). A block is a separate
flag that the blocked user never learns of: its own rows and events stay as
they were, and it simply stops seeing the blocker online.
"""

from __future__ import annotations

import time

from messenger.protocol import requests as rq
from messenger.protocol import results as rs
from messenger.protocol.codec import encode
from messenger.protocol.errors import ErrorCode, ProtocolError
from messenger.protocol.events import ContactEvent, PresenceEvent
from messenger.protocol.names import normalize_username
from signaling_server.connection import Connection
from signaling_server.context import ServerContext
from signaling_server.handlers.presence import announce
from signaling_server.handlers.profiles import shown_summary
from signaling_server.storage.records import ContactRow

# action -> (my state required, peer state required) -> (my new state, peer new state)
_TRANSITIONS: dict[str, dict[str, tuple[str, str]]] = {
    # Asking someone who already asked us accepts their request.
    "request": {"none": ("outgoing", "incoming"), "incoming": ("accepted", "accepted")},
    "accept": {"incoming": ("accepted", "accepted")},
    "decline": {"incoming": ("none", "none")},
    "cancel": {"outgoing": ("none", "none")},
    "remove": {"accepted": ("none", "none")},
}


def contact_view(ctx: ServerContext, row: ContactRow) -> rs.Contact:
    """A relationship as the owner sees it, presence included only where it may be."""
    status, text, last_seen = "offline", "", row.last_seen
    if row.state == "accepted" and not row.blocked and not row.blocked_by:
        shown = ctx.presence.visible(row.peer_id)
        status, text = shown.status, shown.text
    if row.blocked_by or row.state != "accepted":
        last_seen = None
    display_name, avatar_hash = shown_summary(row)
    return rs.Contact(
        username=row.username,
        state=row.state,  # type: ignore[arg-type]
        blocked=row.blocked,
        status=status,  # type: ignore[arg-type]
        text=text,
        last_seen=last_seen,
        display_name=display_name,
        avatar_hash=avatar_hash,
    )


async def list_contacts(
    ctx: ServerContext, conn: Connection, req: rq.ListContacts
) -> rs.ContactsResult:
    assert conn.user_id is not None
    rows = await ctx.storage.list_contacts(conn.user_id)
    me = await ctx.storage.user_by_id(conn.user_id)
    return rs.ContactsResult(
        contacts=[contact_view(ctx, r) for r in rows],
        who_may_message=(me.who_may_message if me else "everyone"),  # type: ignore[arg-type]
    )


async def change(ctx: ServerContext, conn: Connection, req: rq.ContactChange) -> rs.ContactResult:
    assert conn.user_id is not None
    name = normalize_username(req.username)
    peer = await ctx.storage.user_by_name(name) if name else None
    if peer is None:
        raise ProtocolError(ErrorCode.NOT_FOUND, f"there is no user {req.username!r}")
    if peer.id == conn.user_id:
        raise ProtocolError(ErrorCode.INVALID_STATE, "you cannot add yourself")
    rel = await ctx.storage.relation(conn.user_id, peer.id)
    now = time.time()
    was_visible = rel.state == "accepted" and not rel.blocked and not rel.blocked_by

    if req.action in ("block", "unblock"):
        blocked = req.action == "block"
        await ctx.storage.set_relation([], (conn.user_id, peer.id, blocked), now)
    else:
        move = _TRANSITIONS[req.action].get(rel.state)
        if move is None:
            raise ProtocolError(
                ErrorCode.INVALID_STATE,
                f"cannot {req.action} {peer.username}: state is {rel.state}",
            )
        mine, theirs = move
        await ctx.storage.set_relation(
            [(conn.user_id, peer.id, mine), (peer.id, conn.user_id, theirs)], None, now
        )
        # A user who blocked us hears nothing from us: no request pops up for them.
        if not rel.blocked_by:
            # Their side of the relationship now, which carries our profile summary
            # and says whether they may see it.
            seen_by_peer = await ctx.storage.relation(peer.id, conn.user_id)
            name, avatar_hash = shown_summary(seen_by_peer)
            ctx.broker.publish(
                [peer.id],
                encode(
                    ContactEvent(
                        user=conn.username,
                        state=theirs,  # type: ignore[arg-type]
                        display_name=name,
                        avatar_hash=avatar_hash,
                    )
                ),
            )

    after = await ctx.storage.relation(conn.user_id, peer.id)
    name, avatar_hash = shown_summary(after)
    ctx.broker.publish(
        [conn.user_id],
        encode(
            ContactEvent(
                user=peer.username,
                state=after.state,  # type: ignore[arg-type]
                blocked=after.blocked,
                display_name=name,
                avatar_hash=avatar_hash,
            )
        ),
        exclude_session=conn.session_id,
    )
    now_visible = after.state == "accepted" and not after.blocked and not after.blocked_by
    if now_visible and not was_visible:
        await announce(ctx, conn.user_id, conn.username)
        await announce(ctx, peer.id, peer.username)
    elif was_visible and not now_visible:
        # Neither is in the other's presence audience any more, so announce() would
        # not reach them: each now sees the other offline.
        ctx.broker.publish([peer.id], encode(PresenceEvent(user=conn.username, status="offline")))
        ctx.broker.publish(
            [conn.user_id], encode(PresenceEvent(user=peer.username, status="offline"))
        )
    return rs.ContactResult(contact=contact_view(ctx, after))
