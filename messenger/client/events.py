"""Events the client itself emits, next to the server's pushed events.

They are msgspec Structs tagged like server frames, so a consumer (the CLI's
``listen``) can encode every event the same way.
"""

from __future__ import annotations

import msgspec

from messenger.protocol.events import ServerFrame


class ClientEvent(msgspec.Struct, tag_field="type", kw_only=True, frozen=True):
    pass


class ConnectionStateChanged(ClientEvent, tag="connection_state", frozen=True):
    old: str
    new: str
    error: str | None = None


class MessageAcked(ClientEvent, tag="ack", frozen=True):
    """An outbox message was durably stored by the server."""

    conversation: str
    client_id: str
    seq: int
    ts: float


class SendFailed(ClientEvent, tag="send_failed", frozen=True):
    """The server refused an outbox message for good; it stays in the outbox as failed."""

    conversation: str
    client_id: str
    code: str
    message: str


class Synced(ClientEvent, tag="synced", frozen=True):
    """A conversation is up to date with the server (after a reconnect or a gap)."""

    conversation: str
    last_seq: int


Event = ServerFrame | ClientEvent
