"""Handshake, registration, sign-in, sessions and account settings."""

from __future__ import annotations

import logging
import time

from messenger.protocol import requests as rq
from messenger.protocol import results as rs
from messenger.protocol.errors import ErrorCode, ProtocolError
from messenger.protocol.limits import MIN_PASSWORD_CHARS
from messenger.protocol.names import normalize_username
from messenger.protocol.version import MIN_SUPPORTED, PROTOCOL_VERSION
from signaling_server import __version__
from signaling_server.connection import CLOSE_SESSION_ENDED, CLOSE_UNSUPPORTED_VERSION, Connection
from signaling_server.context import ServerContext
from signaling_server.credentials import new_token, token_hash
from signaling_server.handlers.presence import go_online
from signaling_server.storage.errors import UsernameTaken
from signaling_server.storage.records import Session, User

log = logging.getLogger(__name__)


async def hello(ctx: ServerContext, conn: Connection, req: rq.Hello) -> rs.HelloResult:
    if not MIN_SUPPORTED <= req.protocol <= PROTOCOL_VERSION:
        conn.reply_error(
            ProtocolError(
                ErrorCode.UNSUPPORTED_VERSION,
                f"this server speaks protocol {MIN_SUPPORTED}..{PROTOCOL_VERSION}, the client"
                f" speaks {req.protocol}; update the client",
                request_id=req.id,
            )
        )
        conn.close(CLOSE_UNSUPPORTED_VERSION, "unsupported protocol version")
        raise AlreadyReplied
    conn.greeted = True
    return rs.HelloResult(
        protocol=PROTOCOL_VERSION,
        server=f"{ctx.settings.server.public_name}/{__version__}",
        limits=ctx.settings.limits,
    )


class AlreadyReplied(Exception):
    """The handler sent its own reply (an error before closing the connection)."""


def _check_password(password: str) -> None:
    # NIST SP 800-63B: a length floor and no composition rules.
    if len(password) < MIN_PASSWORD_CHARS:
        raise ProtocolError(
            ErrorCode.WEAK_PASSWORD, f"passwords need at least {MIN_PASSWORD_CHARS} characters"
        )


async def _open_session(
    ctx: ServerContext, conn: Connection, user: User, device: str
) -> rs.AuthResult:
    now = time.time()
    token = new_token()
    expires = now + ctx.settings.auth.session_days * 86400
    session = await ctx.storage.create_session(user.id, token_hash(token), device, now, expires)
    await _bind(ctx, conn, user, session)
    return rs.AuthResult(
        username=user.username, session_id=session.id, expires_at=expires, token=token
    )


async def _bind(ctx: ServerContext, conn: Connection, user: User, session: Session) -> None:
    conn.user_id = user.id
    conn.username = user.username
    conn.session_id = session.id
    ctx.hub.add(conn)
    await go_online(ctx, conn)


def _not_again(conn: Connection) -> None:
    if conn.authenticated:
        raise ProtocolError(ErrorCode.ALREADY_AUTHENTICATED, "this connection is signed in")


async def register(ctx: ServerContext, conn: Connection, req: rq.Register) -> rs.AuthResult:
    _not_again(conn)
    username = normalize_username(req.username)
    if username is None:
        raise ProtocolError(
            ErrorCode.INVALID_USERNAME,
            "usernames are 3 to 32 characters of a-z, 0-9, '.', '_' and '-'",
        )
    _check_password(req.password)
    password_hash = await ctx.passwords.hash(req.password)
    try:
        user = await ctx.storage.create_user(username, password_hash, time.time())
    except UsernameTaken:
        raise ProtocolError(ErrorCode.USERNAME_TAKEN, f"{username!r} is taken") from None
    log.info("registered", extra={"user": username, "peer": conn.peer})
    return await _open_session(ctx, conn, user, req.device)


async def login(ctx: ServerContext, conn: Connection, req: rq.Login) -> rs.AuthResult:
    _not_again(conn)
    name = normalize_username(req.username) or req.username.strip().lower()
    account_key, address_key = f"user:{name}", f"addr:{conn.peer}"
    wait = max(
        ctx.account_throttle.retry_after(account_key),
        ctx.address_throttle.retry_after(address_key),
    )
    if wait > 0:
        raise ProtocolError(
            ErrorCode.RATE_LIMITED,
            f"too many failed sign-ins; try again in {wait:.0f} s",
            retry_after=round(wait, 1),
        )
    user = await ctx.storage.user_by_name(name)
    ok = await ctx.passwords.verify(user.password_hash if user else None, req.password)
    if not ok or user is None:
        ctx.account_throttle.failed(account_key)
        ctx.address_throttle.failed(address_key)
        log.info("login failed", extra={"peer": conn.peer})
        raise ProtocolError(ErrorCode.INVALID_CREDENTIALS, "wrong username or password")
    ctx.account_throttle.succeeded(account_key)
    if ctx.passwords.needs_rehash(user.password_hash):
        # Parameters were raised since this hash was made: upgrade it while we hold
        # the plain password.
        await ctx.storage.set_password_hash(user.id, await ctx.passwords.hash(req.password))
    return await _open_session(ctx, conn, user, req.device)


async def authenticate(ctx: ServerContext, conn: Connection, req: rq.Authenticate) -> rs.AuthResult:
    _not_again(conn)
    now = time.time()
    session = await ctx.storage.session_by_token(token_hash(req.token))
    if session is None or session.expires_at <= now:
        raise ProtocolError(
            ErrorCode.INVALID_TOKEN, "this session has ended; sign in again with your password"
        )
    user = await ctx.storage.user_by_id(session.user_id)
    if user is None:
        raise ProtocolError(ErrorCode.INVALID_TOKEN, "this session has ended; sign in again")
    await ctx.storage.touch_session(session.id, now)
    await _bind(ctx, conn, user, session)
    return rs.AuthResult(
        username=user.username, session_id=session.id, expires_at=session.expires_at
    )


async def logout(ctx: ServerContext, conn: Connection, req: rq.Logout) -> rs.Empty:
    assert conn.user_id is not None and conn.session_id is not None
    await ctx.storage.delete_sessions(conn.user_id, [conn.session_id], keep=None)
    conn.reply(req.id, rs.Empty())
    ctx.broker.end_sessions([conn.session_id], "signed out")
    conn.close(CLOSE_SESSION_ENDED, "signed out")
    raise AlreadyReplied


async def sessions(ctx: ServerContext, conn: Connection, req: rq.ListSessions) -> rs.SessionsResult:
    assert conn.user_id is not None
    rows = await ctx.storage.list_sessions(conn.user_id)
    now = time.time()
    return rs.SessionsResult(
        sessions=[
            rs.SessionInfo(
                session_id=s.id,
                device=s.device,
                created_at=s.created_at,
                last_active=s.last_active,
                current=s.id == conn.session_id,
            )
            for s in rows
            if s.expires_at > now
        ]
    )


async def revoke_sessions(
    ctx: ServerContext, conn: Connection, req: rq.RevokeSessions
) -> rs.RevokeResult:
    assert conn.user_id is not None
    gone = await ctx.storage.delete_sessions(conn.user_id, req.session_ids, keep=conn.session_id)
    ctx.broker.end_sessions(gone, "signed out from another device")
    return rs.RevokeResult(revoked=gone)


async def change_password(ctx: ServerContext, conn: Connection, req: rq.ChangePassword) -> rs.Empty:
    assert conn.user_id is not None
    user = await ctx.storage.user_by_id(conn.user_id)
    if user is None or not await ctx.passwords.verify(user.password_hash, req.old_password):
        raise ProtocolError(ErrorCode.INVALID_CREDENTIALS, "the current password is wrong")
    _check_password(req.new_password)
    await ctx.storage.set_password_hash(user.id, await ctx.passwords.hash(req.new_password))
    # Whoever knew the old password is signed out everywhere else.
    gone = await ctx.storage.delete_sessions(user.id, None, keep=conn.session_id)
    ctx.broker.end_sessions(gone, "password changed")
    return rs.Empty()


async def set_privacy(ctx: ServerContext, conn: Connection, req: rq.SetPrivacy) -> rs.Empty:
    assert conn.user_id is not None
    await ctx.storage.set_privacy(conn.user_id, req.who_may_message)
    return rs.Empty()
