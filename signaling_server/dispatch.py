"""Routes each decoded request to its handler and turns every outcome into one reply.

This is the edge: it enforces the handshake and authentication, maps storage
failures to protocol error codes, and guarantees exactly one reply per request.
Handlers run only for connections in the state they need, which is why they
may treat ``conn.user_id`` as set.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import msgspec

from messenger.protocol import requests as rq
from messenger.protocol.errors import ErrorCode, ProtocolError
from signaling_server.connection import Connection
from signaling_server.context import ServerContext
from signaling_server.handlers import accounts, contacts, messages, presence
from signaling_server.storage import errors as se

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
    rq.ListConversations: messages.conversations,
    rq.Typing: messages.typing,
    rq.History: messages.history,
    rq.Sync: messages.sync,
}
# Need a signed-in session; return a future at once so the connection keeps
# reading while the write commits (in order).
_ORDERED: dict[type[rq.Request], Handler] = {
    rq.Send: messages.send,
    rq.Edit: messages.edit,
    rq.Delete: messages.delete,
    rq.React: messages.react,
    rq.MarkRead: messages.mark_read,
    rq.MarkDelivered: messages.mark_delivered,
}

_STORAGE_CODES: dict[type[se.StorageError], tuple[ErrorCode, str]] = {
    se.NotFound: (ErrorCode.NOT_FOUND, "not found"),
    se.Forbidden: (ErrorCode.FORBIDDEN, "not allowed"),
    se.NotAccepted: (ErrorCode.NOT_ACCEPTED, "this user accepts messages from contacts only"),
    se.Conflict: (ErrorCode.CONFLICT, "this client id was already used for other content"),
    se.UsernameTaken: (ErrorCode.USERNAME_TAKEN, "this username is taken"),
}


def _as_protocol_error(exc: BaseException, request_id: str) -> ProtocolError:
    if isinstance(exc, ProtocolError):
        exc.request_id = request_id
        return exc
    for kind, (code, message) in _STORAGE_CODES.items():
        if isinstance(exc, kind):
            detail = str(exc)
            text = f"{message}: {detail}" if detail and kind is not se.NotAccepted else message
            return ProtocolError(code, text, request_id=request_id)
    log.error("internal error", exc_info=exc)
    return ProtocolError(
        ErrorCode.INTERNAL_ERROR, "the server failed to handle this request", request_id=request_id
    )


def _reply_when_done(
    conn: Connection, request_id: str, fut: asyncio.Future[msgspec.Struct]
) -> None:
    def done(f: asyncio.Future[msgspec.Struct]) -> None:
        if f.cancelled():
            return
        exc = f.exception()
        if exc is None:
            conn.reply(request_id, f.result())
        else:
            conn.reply_error(_as_protocol_error(exc, request_id))

    fut.add_done_callback(done)


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
                _reply_when_done(conn, req.id, ordered(ctx, conn, req))
                return
            handler = _AUTHED[kind]
        conn.reply(req.id, await handler(ctx, conn, req))
    except accounts.AlreadyReplied:
        return
    except Exception as exc:
        conn.reply_error(_as_protocol_error(exc, req.id))
