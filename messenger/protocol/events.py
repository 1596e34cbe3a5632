"""Server-to-client frames: replies (result, error) and pushed events.

Pushed events carry no request id. Conversation events (message, edit, delete,
reaction, read) carry the conversation's server-assigned, gap-free ``seq``; a
client that sees a gap, or reconnects, fetches the missing ones with ``sync``.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from messenger.protocol.files import FileRef
from messenger.protocol.rooms import MemberAction, Role

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
    file: FileRef | None = None  # a file message; ``text`` is then its caption
    # In a room: the members the text mentions (``@name``), computed by the server at send.
    mentions: list[str] = []


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


CallOutcome = Literal["answered", "missed", "declined"]


class CallEvent(ConversationEvent, tag="call"):
    """A call's entry in the history, added by the server when the call ends.

    ``sender`` is the caller. ``duration`` is in seconds from answer to hang-up, 0 unless
    answered. A missed call is one nobody answered: no device rang, the ring timed out, the
    callee was busy, or the caller gave up.
    """

    call_id: str
    video: bool
    outcome: CallOutcome
    duration: float = 0.0


class MemberEvent(ConversationEvent, tag="member"):
    """A room's membership changed: ``user`` ``action`` by ``sender`` (see ``MemberChange``)."""

    user: str
    action: MemberAction
    role: Role | None = None


class RoomEvent(ConversationEvent, tag="room"):
    """A room was created or its settings changed (by ``sender``); the settings as they now are."""

    name: str
    topic: str = ""
    public: bool = False


AnyConversationEvent = (
    MessageEvent
    | EditEvent
    | DeleteEvent
    | ReactionEvent
    | ReadEvent
    | CallEvent
    | MemberEvent
    | RoomEvent
)


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


class RoomInvitedEvent(ServerFrame, tag="room_invited"):
    """To the invitee's devices: ``inviter`` invites me to ``room`` (join or decline it)."""

    room: str
    name: str
    topic: str
    inviter: str


class SessionRevokedEvent(ServerFrame, tag="session_revoked"):
    """Sent just before the server closes a connection whose session was revoked."""

    reason: str


# --- call signaling (not stored, not sequenced) ---------------------------------------

# ``answered_elsewhere``: another of the callee's devices took the call, so this one stops
# ringing. ``missed``: nobody answered before the ring timeout, or no device was online.
# ``busy``: the callee is in another call or set do-not-disturb.
CallEndReason = Literal[
    "hung_up",
    "declined",
    "missed",
    "busy",
    "cancelled",
    "failed",
    "lost",
    "answered_elsewhere",
    "glare",
]


class CallIncomingEvent(ServerFrame, tag="call_incoming"):
    """Ring: ``caller`` offers a call (``sdp``, the offer); answer with ``call_accept``."""

    call_id: str
    caller: str
    video: bool
    sdp: str


class CallRingingEvent(ServerFrame, tag="call_ringing"):
    """To the caller: at least one of the callee's devices is ringing."""

    call_id: str


class CallAcceptedEvent(ServerFrame, tag="call_accepted"):
    """To the caller: the callee answered with ``sdp`` (the answer)."""

    call_id: str
    sdp: str
    video: bool


class CallUpdateEvent(ServerFrame, tag="call_update"):
    """The other party renegotiates: apply ``sdp`` (an offer to answer, or an answer)."""

    call_id: str
    kind: Literal["offer", "answer"]
    sdp: str


class CallCandidateEvent(ServerFrame, tag="call_candidate"):
    call_id: str
    candidate: str
    sdp_mid: str | None = None
    sdp_mline_index: int | None = None


class CallEndedEvent(ServerFrame, tag="call_ended"):
    """The call is over for the receiving device; ``detail`` is the other side's words."""

    call_id: str
    reason: CallEndReason
    detail: str = ""


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
    | CallEvent
    | CallIncomingEvent
    | CallRingingEvent
    | CallAcceptedEvent
    | CallUpdateEvent
    | CallCandidateEvent
    | CallEndedEvent
    | MemberEvent
    | RoomEvent
    | RoomInvitedEvent
)
