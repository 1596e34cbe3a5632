"""The ``result`` payload of each request type.

``RESULT_TYPES`` maps a request class to the Struct its result decodes into,
so a client can decode a reply knowing only the request it sent.
"""

from __future__ import annotations

import msgspec

from messenger.protocol import requests as rq
from messenger.protocol.events import AnyConversationEvent, CallOutcome, ContactState, Status
from messenger.protocol.files import FileRef
from messenger.protocol.limits import Limits
from messenger.protocol.rooms import MemberChange, Role, RoomSettings


class Empty(msgspec.Struct, frozen=True, kw_only=True):
    pass


class HelloResult(msgspec.Struct, frozen=True, kw_only=True):
    protocol: int
    server: str
    limits: Limits


class AuthResult(msgspec.Struct, frozen=True, kw_only=True):
    """Returned by register, login and authenticate."""

    username: str
    session_id: int
    expires_at: float
    # The opaque session token; present for register and login, absent when
    # resuming with authenticate (the client already holds it).
    token: str | None = None


class SessionInfo(msgspec.Struct, frozen=True, kw_only=True):
    session_id: int
    device: str
    created_at: float
    last_active: float
    current: bool


class SessionsResult(msgspec.Struct, frozen=True, kw_only=True):
    sessions: list[SessionInfo]


class RevokeResult(msgspec.Struct, frozen=True, kw_only=True):
    revoked: list[int]


class Contact(msgspec.Struct, frozen=True, kw_only=True):
    username: str
    state: ContactState
    blocked: bool = False
    # Presence is filled for accepted contacts only; others see "offline".
    status: Status = "offline"
    text: str = ""
    last_seen: float | None = None
    # The profile summary, filled where ``profile`` would show it (not across a block
    # by them, not once the relationship is gone); fetch the picture with ``profile``
    # when ``avatar_hash`` differs from the one cached.
    display_name: str = ""
    avatar_hash: str | None = None


class ContactsResult(msgspec.Struct, frozen=True, kw_only=True):
    contacts: list[Contact]
    who_may_message: rq.WhoMayMessage


class ContactResult(msgspec.Struct, frozen=True, kw_only=True):
    contact: Contact


class Profile(msgspec.Struct, frozen=True, kw_only=True):
    """A user's display name and avatar (PNG or JPEG bytes, base64 in JSON)."""

    username: str
    display_name: str = ""
    avatar: bytes | None = None
    avatar_hash: str | None = None  # see ``messenger.protocol.profiles.avatar_hash``


class CallSummary(msgspec.Struct, frozen=True, kw_only=True):
    """What a history entry for a call says (see ``CallEvent``)."""

    video: bool
    outcome: CallOutcome
    duration: float = 0.0


class MessageView(msgspec.Struct, frozen=True, kw_only=True):
    """A message as it stands now: edits applied, deletes blanked, reactions summed."""

    conversation: str
    seq: int
    ts: float
    sender: str
    client_id: str
    text: str
    reply_to: int | None = None
    edited: bool = False
    deleted: bool = False
    # emoji -> usernames who reacted with it
    reactions: dict[str, list[str]] = {}
    # Set for a call's history entry (then ``client_id`` is the call id and ``text`` empty).
    call: CallSummary | None = None
    # Set for a file message (then ``text`` is its caption); gone once the message is deleted.
    file: FileRef | None = None
    # In a room: the members the text mentions (``@name``), as the server computed at send.
    mentions: list[str] = []
    # Set for a room's membership or settings entry (then ``text`` and ``client_id`` are empty).
    member: MemberChange | None = None
    room: RoomSettings | None = None


class Member(msgspec.Struct, frozen=True, kw_only=True):
    username: str
    read_seq: int
    delivered_seq: int
    role: Role | None = None  # in a room; None in a direct conversation


class RoomInfo(msgspec.Struct, frozen=True, kw_only=True):
    """A room as the asker may see it: ``role`` is theirs (None when not a member) and
    ``invited_by`` names who invited them while an invitation is pending."""

    id: str
    name: str
    topic: str
    public: bool
    members: int
    role: Role | None = None
    invited_by: str | None = None


class ConversationInfo(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    kind: str  # "direct" or "room"
    members: list[Member]
    last_seq: int
    unread: int
    last_message: MessageView | None = None
    room: RoomInfo | None = None  # set for a room


class RoomResult(msgspec.Struct, frozen=True, kw_only=True):
    room: RoomInfo


class RoomsResult(msgspec.Struct, frozen=True, kw_only=True):
    rooms: list[RoomInfo]


class RoomMember(msgspec.Struct, frozen=True, kw_only=True):
    """A member as another member sees it; presence is ``offline`` across a block."""

    username: str
    role: Role
    read_seq: int
    delivered_seq: int
    status: Status = "offline"
    text: str = ""
    display_name: str = ""


class RoomMembersResult(msgspec.Struct, frozen=True, kw_only=True):
    room: str
    members: list[RoomMember]


class ConversationsResult(msgspec.Struct, frozen=True, kw_only=True):
    conversations: list[ConversationInfo]


class SendResult(msgspec.Struct, frozen=True, kw_only=True):
    """The acknowledgement: the message is durably stored with this seq."""

    conversation: str
    seq: int
    ts: float
    client_id: str


class EventResult(msgspec.Struct, frozen=True, kw_only=True):
    """Result of edit, delete, react and mark_read: the stored event's seq (0 if none)."""

    conversation: str
    seq: int
    ts: float


class HistoryResult(msgspec.Struct, frozen=True, kw_only=True):
    messages: list[MessageView]
    has_more: bool


class SyncResult(msgspec.Struct, frozen=True, kw_only=True):
    events: list[AnyConversationEvent]
    last_seq: int
    has_more: bool


class IceServer(msgspec.Struct, frozen=True, kw_only=True):
    """One entry of RTCConfiguration.iceServers (W3C WebRTC), ready for the peer connection."""

    urls: list[str]
    username: str | None = None
    credential: str | None = None


class IceServersResult(msgspec.Struct, frozen=True, kw_only=True):
    """STUN and TURN servers. TURN credentials follow the TURN REST scheme (coturn's
    ``use-auth-secret``): they stop working at ``expires_at``, so fetch again before a call
    once that is near. Empty when the server has none configured."""

    servers: list[IceServer]
    expires_at: float | None = None


RESULT_TYPES: dict[type[rq.Request], type[msgspec.Struct]] = {
    rq.Hello: HelloResult,
    rq.Register: AuthResult,
    rq.Login: AuthResult,
    rq.Authenticate: AuthResult,
    rq.Logout: Empty,
    rq.ListSessions: SessionsResult,
    rq.RevokeSessions: RevokeResult,
    rq.ChangePassword: Empty,
    rq.SetPrivacy: Empty,
    rq.ListContacts: ContactsResult,
    rq.ContactChange: ContactResult,
    rq.SetPresence: Empty,
    rq.SetProfile: Profile,
    rq.GetProfile: Profile,
    rq.ListConversations: ConversationsResult,
    rq.Send: SendResult,
    rq.Edit: EventResult,
    rq.Delete: EventResult,
    rq.React: EventResult,
    rq.MarkRead: EventResult,
    rq.MarkDelivered: Empty,
    rq.Typing: Empty,
    rq.History: HistoryResult,
    rq.Sync: SyncResult,
    rq.CallInvite: Empty,
    rq.CallRinging: Empty,
    rq.CallAccept: Empty,
    rq.CallDecline: Empty,
    rq.CallHangup: Empty,
    rq.CallUpdate: Empty,
    rq.CallCandidate: Empty,
    rq.GetIceServers: IceServersResult,
    rq.RoomCreate: RoomResult,
    rq.RoomLookup: RoomResult,
    rq.RoomDirectory: RoomsResult,
    rq.RoomInvitations: RoomsResult,
    rq.RoomMembers: RoomMembersResult,
    rq.RoomInvite: EventResult,
    rq.RoomJoin: RoomResult,
    rq.RoomDecline: Empty,
    rq.RoomLeave: EventResult,
    rq.RoomRemove: EventResult,
    rq.RoomUnban: EventResult,
    rq.RoomSetRole: EventResult,
    rq.RoomUpdate: EventResult,
}
