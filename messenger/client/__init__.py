"""The Qt-free asyncio messenger client: connect, sign in, reconnect, sync, outbox, events."""

from __future__ import annotations

from messenger.client.client import Client
from messenger.client.credentials import Credentials
from messenger.client.errors import (
    AuthenticationFailed,
    CertificateChanged,
    ClientError,
    ConnectionFailed,
    IncompatibleServer,
    NotConnected,
    RequestTimeout,
    SessionEnded,
    UntrustedCertificate,
)
from messenger.client.events import (
    ClientEvent,
    ConnectionStateChanged,
    Event,
    MessageAcked,
    SendFailed,
    Synced,
)
from messenger.client.known_servers import KnownServers
from messenger.client.state import ConnectionState
from messenger.client.stream import EventStream
from messenger.client.transfers import TransferError, Transfers, TransferUpdate

__all__ = [
    "AuthenticationFailed",
    "CertificateChanged",
    "Client",
    "ClientError",
    "ClientEvent",
    "ConnectionFailed",
    "ConnectionState",
    "ConnectionStateChanged",
    "Credentials",
    "Event",
    "EventStream",
    "IncompatibleServer",
    "KnownServers",
    "MessageAcked",
    "NotConnected",
    "RequestTimeout",
    "SendFailed",
    "SessionEnded",
    "Synced",
    "TransferError",
    "TransferUpdate",
    "Transfers",
    "UntrustedCertificate",
]
