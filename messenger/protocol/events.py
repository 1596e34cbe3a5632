"""Server-to-client frames: replies (result, error) and pushed events.

Pushed events carry no request id. Conversation events (message, edit, delete,
reaction, read) carry the conversation's server-assigned, gap-free ``seq``; a
client that sees a gap, or reconnects, fetches the missing ones with ``sync``.
"""

from __future__ import annotations

from typing import Literal

import msgspec

Status = Literal["available", "away", "busy", "invisible", "offline"]
ContactState = Literal["none", "incoming", "outgoing", "accepted"]


class ServerFrame(msgspec.Struct, tag_field="type", kw_only=True):
    pass


class Result(ServerFrame, tag="result"):
    id: str
    # Shaped by the request it answers; see ``messenger.protocol.results``.
    result: msgspec.Raw = msgspec.Raw(b"{}")


class Error(ServerFrame, tag="error"):
    id: str | None
    code: str
    message: str
    retry_after: float | None = None


# --- conversation events (sequenced, replayed by sync) ---------------------------


class ConversationEvent(ServerFrame):
    conversation: str
    seq: int
    ts: float  # server time, seconds since the Unix epoch
    sender: str


class MessageEvent(ConversationEvent, tag="message"):
    client_id: str
    text: str
    reply_to: int | None = None


class EditEvent(ConversationEvent, tag="edit"):
    target: int
    text: str


class DeleteEvent(ConversationEvent, tag="delete"):
    target: int


class ReactionEvent(ConversationEvent, tag="reaction"):
    target: int
    emoji: str
    add: bool


class ReadEvent(ConversationEvent, tag="read"):
    """``sender`` has read everything up to and including ``up_to``."""

    up_to: int


AnyConversationEvent = MessageEvent | EditEvent | DeleteEvent | ReactionEvent | ReadEvent


# --- other pushed events (not stored, not sequenced) ------------------------------


class DeliveredEvent(ServerFrame, tag="delivered"):
    """``user`` has received everything up to ``up_to`` in ``conversation``."""

    conversation: str
    user: str
    up_to: int


class TypingEvent(ServerFrame, tag="typing"):
    conversation: str
    user: str
    typing: bool


class PresenceEvent(ServerFrame, tag="presence"):
    user: str
    status: Status
    text: str = ""
    last_seen: float | None = None


class ContactEvent(ServerFrame, tag="contact"):
    """The relationship with ``user`` changed, as seen by the receiver."""

    user: str
    state: ContactState
    blocked: bool = False
    # ``user``'s profile summary where the receiver may see it, as in ``Contact``.
    display_name: str = ""
    avatar_hash: str | None = None


class ProfileEvent(ServerFrame, tag="profile"):
    """``user`` changed their display name or avatar; fetch the picture with ``profile``
    if ``avatar_hash`` is new. ``None`` means no avatar."""

    user: str
    display_name: str = ""
    avatar_hash: str | None = None


class SessionRevokedEvent(ServerFrame, tag="session_revoked"):
    """Sent just before the server closes a connection whose session was revoked."""

    reason: str


AnyServerFrame = (
    Result
    | Error
    | MessageEvent
    | EditEvent
    | DeleteEvent
    | ReactionEvent
    | ReadEvent
    | DeliveredEvent
    | TypingEvent
    | PresenceEvent
    | ContactEvent
    | ProfileEvent
    | SessionRevokedEvent
)
