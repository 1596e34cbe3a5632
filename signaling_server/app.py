"""The aiohttp application: /ws (the protocol), /health; start-up and shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from pathlib import Path

from aiohttp import WSMsgType, web

from messenger.protocol.codec import decode_request
from messenger.protocol.errors import ErrorCode, ProtocolError
from signaling_server import __version__, files
from signaling_server.broker.local import LocalBroker
from signaling_server.call_registry import CallRegistry
from signaling_server.config import Settings
from signaling_server.connection import (
    CLOSE_AUTH_TIMEOUT,
    CLOSE_GOING_AWAY,
    CLOSE_POLICY,
    Connection,
)
from signaling_server.context import ServerContext
from signaling_server.credentials import Passwords
from signaling_server.dispatch import dispatch
from signaling_server.handlers.calls import session_gone
from signaling_server.handlers.presence import go_offline
from signaling_server.hub import Hub
from signaling_server.presence import PresenceTracker
from signaling_server.ratelimit import LoginThrottle, TokenBucket
from signaling_server.storage import open_storage

log = logging.getLogger(__name__)

CONTEXT = web.AppKey("context", ServerContext)
SOCKETS: web.AppKey[set[web.WebSocketResponse]] = web.AppKey("sockets")
SWEEPER = web.AppKey("sweeper", asyncio.Task[None])

# Rate-limited frames in a row before a connection counts as flooding and is closed.
FLOOD_STRIKES = 50
SESSION_SWEEP_SECONDS = 60.0


def _peer(request: web.Request) -> str:
    return request.remote or "unknown"


async def _websocket(request: web.Request) -> web.WebSocketResponse:
    ctx = request.app[CONTEXT]
    limits = ctx.settings.limits
    ws = web.WebSocketResponse(
        max_msg_size=limits.max_frame_bytes,
        decode_text=False,
        heartbeat=30.0,
        compress=False,
    )
    await ws.prepare(request)
    request.app[SOCKETS].add(ws)
    conn = Connection(ws, _peer(request), TokenBucket(limits.rate_per_second, limits.rate_burst))
    loop = asyncio.get_running_loop()

    def auth_deadline() -> None:
        if not conn.authenticated:
            conn.close(CLOSE_AUTH_TIMEOUT, "not signed in within the time limit")

    timer = loop.call_later(limits.auth_timeout_seconds, auth_deadline)
    try:
        async for msg in ws:
            if msg.type is WSMsgType.TEXT or msg.type is WSMsgType.BINARY:
                await _on_frame(ctx, conn, msg.data, msg.type is WSMsgType.BINARY)
    finally:
        timer.cancel()
        request.app[SOCKETS].discard(ws)
        await conn.stop()
        if conn.authenticated:
            last = ctx.hub.remove(conn)
            if last:
                session_gone(ctx, conn)
            with contextlib.suppress(Exception):
                await go_offline(ctx, conn, last)
    return ws


async def _on_frame(ctx: ServerContext, conn: Connection, data: bytes, binary: bool) -> None:
    wait = conn.bucket.take()
    if wait:
        conn.violations += 1
        if conn.violations >= FLOOD_STRIKES:
            conn.close(CLOSE_POLICY, "flooding: too many requests")
            return
        rid: str | None = None
        with contextlib.suppress(ProtocolError):
            rid = decode_request(data).id
        conn.reply_error(
            ProtocolError(
                ErrorCode.RATE_LIMITED,
                "too many requests; slow down",
                request_id=rid,
                retry_after=math.ceil(wait * 1000) / 1000,
            )
        )
        return
    conn.violations = 0
    if binary:
        conn.reply_error(ProtocolError(ErrorCode.BAD_REQUEST, "frames are JSON text, not binary"))
        return
    try:
        req = decode_request(data)
    except ProtocolError as exc:
        conn.reply_error(exc)
        return
    await dispatch(ctx, conn, req)


async def _health(request: web.Request) -> web.Response:
    ctx = request.app[CONTEXT]
    return web.json_response(
        {
            "status": "ok",
            "version": __version__,
            "connections": len(request.app[SOCKETS]),
            "users_online": ctx.hub.users_online(),
            "calls": len(ctx.calls),
        }
    )


async def _sweep_sessions(ctx: ServerContext) -> None:
    """Close connections whose session expired or was deleted behind our back."""
    while True:
        await asyncio.sleep(SESSION_SWEEP_SECONDS)
        try:
            gone = await ctx.storage.expired_sessions(ctx.hub.session_ids(), time.time())
            if gone:
                ctx.hub.end_sessions(gone, "session expired")
        except Exception:
            log.exception("session sweep failed")


def build_app(settings: Settings, data_dir: Path) -> web.Application:
    auth = settings.auth
    hub = Hub()
    ctx = ServerContext(
        settings=settings,
        storage=open_storage(settings, data_dir),
        broker=LocalBroker(hub),
        hub=hub,
        presence=PresenceTracker(),
        passwords=Passwords(auth),
        account_throttle=LoginThrottle(
            auth.login_failures_per_account,
            auth.login_window_seconds,
            auth.login_lockout_max_seconds,
        ),
        address_throttle=LoginThrottle(
            auth.login_failures_per_address,
            auth.login_window_seconds,
            auth.login_lockout_max_seconds,
        ),
        calls=CallRegistry(),
    )
    app = web.Application()
    app[CONTEXT] = ctx
    app[SOCKETS] = set()
    app.router.add_get("/ws", _websocket)
    app.router.add_get("/health", _health)

    async def startup(app: web.Application) -> None:
        await ctx.storage.start()
        await ctx.broker.start()
        app[SWEEPER] = asyncio.get_running_loop().create_task(_sweep_sessions(ctx))

    async def shutdown(app: web.Application) -> None:
        # Tell clients to come back later; their unacknowledged messages stay in
        # their outboxes and are resent on reconnect.
        sockets: list[web.WebSocketResponse] = [*app[SOCKETS]]
        await asyncio.gather(
            *(ws.close(code=CLOSE_GOING_AWAY, message=b"server shutting down") for ws in sockets),
            return_exceptions=True,
        )

    async def cleanup(app: web.Application) -> None:
        app[SWEEPER].cancel()
        await ctx.broker.close()
        # Commits every write already queued before the database is closed.
        await ctx.storage.close()

    app.on_startup.append(startup)
    app.on_shutdown.append(shutdown)
    app.on_cleanup.append(cleanup)
    # After the hooks above: the file service starts once storage has, and stops before it.
    files.register(app, ctx, data_dir)
    return app
