"""TLS policy: system trust first, then fingerprints the user pinned.

A ``wss://`` server is verified against the system trust store. When that fails
(self-signed or unknown CA) we fetch the certificate without verifying it only
to show its SHA-256 fingerprint; the user decides, and an accepted fingerprint
is pinned with ``aiohttp.Fingerprint`` so any later change is refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import ssl

import aiohttp

from messenger.client.known_servers import fingerprint_bytes, normalize_fingerprint


def format_fingerprint(digest: bytes) -> str:
    return ":".join(f"{b:02X}" for b in digest)


def ssl_option(secure: bool, pinned: str | None) -> ssl.SSLContext | aiohttp.Fingerprint | bool:
    """What to hand ``ws_connect(ssl=...)`` for this server."""
    if not secure:
        return False
    if pinned is not None:
        return aiohttp.Fingerprint(fingerprint_bytes(pinned))
    return ssl.create_default_context()


FETCH_TIMEOUT = 10.0


async def fetch_fingerprint(host: str, port: int) -> str:
    """The SHA-256 fingerprint of the certificate ``host:port`` presents (unverified)."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # we only look; nothing is sent over this connection
    async with asyncio.timeout(FETCH_TIMEOUT):
        _reader, writer = await asyncio.open_connection(
            host, port, ssl=context, server_hostname=host
        )
    try:
        ssl_object = writer.get_extra_info("ssl_object")
        der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
        if not der:
            raise ConnectionError(f"{host}:{port} presented no certificate")
        return format_fingerprint(hashlib.sha256(der).digest())
    finally:
        writer.close()
        with contextlib.suppress(OSError, ssl.SSLError):
            await writer.wait_closed()


def same_fingerprint(a: str, b: str) -> bool:
    return normalize_fingerprint(a) == normalize_fingerprint(b)
