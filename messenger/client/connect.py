"""Opening a channel: WebSocket connect under the TLS policy, then the hello handshake.

Every way this can fail becomes one of the client's errors, so the caller only
decides between "retry later" (``ConnectionFailed``) and "stop and tell the
user" (certificate, version).
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import aiohttp

from messenger.client.channel import Channel, EventHandler
from messenger.client.errors import (
    CertificateChanged,
    ConnectionFailed,
    IncompatibleServer,
    UntrustedCertificate,
)
from messenger.client.tls import fetch_fingerprint, format_fingerprint, ssl_option
from messenger.protocol.errors import ErrorCode, ProtocolError
from messenger.protocol.limits import Limits
from messenger.protocol.requests import Hello
from messenger.protocol.results import HelloResult
from messenger.protocol.version import PROTOCOL_VERSION
from messenger.store.paths import server_key

log = logging.getLogger(__name__)

CLIENT_NAME = "messenger-client/0.1"
# The server's limits bound the frames we send. Replies (a sync page, a history
# page) may be larger, so what we accept is bounded separately, generously.
MAX_RECEIVE_BYTES = 16 * 1024 * 1024
HEARTBEAT_SECONDS = 20.0  # notices a half-open connection (laptop sleep, NAT drop)


async def open_channel(
    session: aiohttp.ClientSession,
    url: str,
    on_event: EventHandler,
    *,
    pinned: str | None,
    request_timeout: float,
) -> tuple[Channel, HelloResult]:
    parts = urlsplit(url)
    server = server_key(url)
    secure = parts.scheme == "wss"
    try:
        ws = await session.ws_connect(
            url,
            ssl=ssl_option(secure, pinned),
            max_msg_size=MAX_RECEIVE_BYTES,
            heartbeat=HEARTBEAT_SECONDS,
            timeout=aiohttp.ClientWSTimeout(ws_close=5.0),
        )
    except aiohttp.ServerFingerprintMismatch as exc:
        raise CertificateChanged(server, pinned or "?", format_fingerprint(exc.got)) from None
    except aiohttp.ClientConnectorCertificateError as exc:
        host, port = parts.hostname or "", parts.port or 443
        try:
            fingerprint = await fetch_fingerprint(host, port)
        except (OSError, TimeoutError) as fetch_exc:
            raise ConnectionFailed(f"cannot read the certificate of {server}: {fetch_exc}") from exc
        reason = getattr(exc.certificate_error, "verify_message", None) or str(exc)
        raise UntrustedCertificate(server, fingerprint, reason) from None
    except (aiohttp.ClientError, OSError, TimeoutError) as exc:
        raise ConnectionFailed(f"cannot reach {server}: {exc or type(exc).__name__}") from exc

    channel = Channel(
        ws,
        on_event,
        request_timeout=request_timeout,
        max_frame_bytes=Limits().max_frame_bytes,
    )
    try:
        hello = await channel.request(Hello(id="", protocol=PROTOCOL_VERSION, client=CLIENT_NAME))
    except ProtocolError as exc:
        await channel.close()
        if exc.code == ErrorCode.UNSUPPORTED_VERSION:
            raise IncompatibleServer(
                f"{server} does not speak protocol {PROTOCOL_VERSION}"
            ) from exc
        raise ConnectionFailed(f"hello refused by {server}: {exc.message}") from exc
    except BaseException:
        await channel.close()
        raise
    assert isinstance(hello, HelloResult)  # decode_result typed it from the Hello request
    channel.max_frame_bytes = hello.limits.max_frame_bytes
    log.info("connected to %s (%s, protocol %d)", server, hello.server, hello.protocol)
    return channel, hello
