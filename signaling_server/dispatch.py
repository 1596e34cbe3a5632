"""Routes each decoded request to its handler and turns every outcome into one reply.

This is the edge: it enforces the handshake and authentication, maps storage
failures to protocol error codes, and guarantees exactly one reply per request.
Handlers run only for connections in the state they need, which is why they
may treat ``conn.user_id`` as set.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from messenger.protocol import requests as rq
from messenger.protocol.errors import ErrorCode, ProtocolError
from signaling_server.connection import Connection
from signaling_server.context import ServerContext
from signaling_server.handlers import (
    accounts,
    calls,
    contacts,
    messages,
    presence,
    profiles,
    rooms,
)
from signaling_server.replies import as_protocol_error

log = logging.getLogger(__name__)

Handler = Callable[[ServerContext, Connection, Any], Any]

# Reachable before sign-in.
_OPEN: dict[type[rq.Request], Handler] = {
    rq.Register: accounts.register,
    rq.Login: accounts.login,
    rq.Authenticate: accounts.authenticate,
}
# Need a signed-in session; awaited one at a time per connection.
_AUTHED: dict[type[rq.Request], Handler] = {
    rq.Logout: accounts.logout,
    rq.ListSessions: accounts.sessions,
    rq.RevokeSessions: accounts.revoke_sessions,
    rq.ChangePassword: accounts.change_password,
    rq.SetPrivacy: accounts.set_privacy,
    rq.ListContacts: contacts.list_contacts,
    rq.ContactChange: contacts.change,
    rq.SetPresence: presence.set_presence,
    rq.SetProfile: profiles.set_profile,
    rq.GetProfile: profiles.get_profile,
    rq.ListConversations: messages.conversations,
    rq.Typing: messages.typing,
    rq.History: messages.history,
    rq.Sync: messages.sync,
    rq.CallInvite: calls.invite,
    rq.CallRinging: calls.ringing,
    rq.CallAccept: calls.accept,
    rq.CallDecline: calls.decline,
    rq.CallHangup: calls.hangup,
    rq.CallUpdate: calls.update,
    rq.CallCandidate: calls.candidate,
    rq.GetIceServers: calls.ice_servers,
    rq.RoomCreate: rooms.create,
    rq.RoomLookup: rooms.lookup,
    rq.RoomDirectory: rooms.directory,
    rq.RoomInvitations: rooms.invitations,
    rq.RoomMembers: rooms.members,
    rq.RoomInvite: rooms.invite,
    rq.RoomJoin: rooms.join,
    rq.RoomDecline: rooms.decline,
    rq.RoomLeave: rooms.leave,
    rq.RoomRemove: rooms.remove,
    rq.RoomUnban: rooms.unban,
    rq.RoomSetRole: rooms.set_role,
    rq.RoomUpdate: rooms.update,
}
# Need a signed-in session; queue their write and return at once, so the
# connection keeps reading while the write commits (in order), then reply.
_ORDERED: dict[type[rq.Request], Handler] = {
    rq.Send: messages.send,
    rq.Edit: messages.edit,
    rq.Delete: messages.delete,
    rq.React: messages.react,
    rq.MarkRead: messages.mark_read,
    rq.MarkDelivered: messages.mark_delivered,
}


async def dispatch(ctx: ServerContext, conn: Connection, req: rq.Request) -> None:
    kind = type(req)
    try:
        if isinstance(req, rq.Hello):
            conn.reply(req.id, await accounts.hello(ctx, conn, req))
            return
        if not conn.greeted:
            raise ProtocolError(ErrorCode.HELLO_REQUIRED, "send hello first")
        handler = _OPEN.get(kind)
        if handler is None:
            if not conn.authenticated:
                raise ProtocolError(ErrorCode.NOT_AUTHENTICATED, "sign in first")
            ordered = _ORDERED.get(kind)
            if ordered is not None:
                ordered(ctx, conn, req)  # replies itself once the write commits
                return
            handler = _AUTHED[kind]
        conn.reply(req.id, await handler(ctx, conn, req))
    except accounts.AlreadyReplied:
        return
    except Exception as exc:
        conn.reply_error(as_protocol_error(exc, req.id))
