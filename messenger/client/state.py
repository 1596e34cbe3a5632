"""The client's connection state."""

from __future__ import annotations

from enum import StrEnum


class ConnectionState(StrEnum):
    DISCONNECTED = "disconnected"  # no connection; the client may be waiting to retry
    CONNECTING = "connecting"  # opening the WebSocket and saying hello
    CONNECTED = "connected"  # hello done, not signed in yet
    AUTHENTICATED = "authenticated"  # signed in: requests work, sync and outbox run
    FAILED = "failed"  # stopped for good: see the error (certificate, credentials...)
    CLOSED = "closed"  # closed by the application
