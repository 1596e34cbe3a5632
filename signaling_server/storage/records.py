"""Plain records the storage layer returns. No behaviour, no I/O."""

from __future__ import annotations

import msgspec

from messenger.protocol.files import FileRef
from messenger.protocol.rooms import MemberChange, RoomSettings


class User(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    username: str
    password_hash: str
    who_may_message: str
    created_at: float
    last_seen: float | None


class Session(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    user_id: int
    device: str
    created_at: float
    last_active: float
    expires_at: float


class ContactRow(msgspec.Struct, frozen=True, kw_only=True):
    """One relationship seen from the owner: ``state`` none/incoming/outgoing/accepted,
    ``blocked`` (the owner blocked the peer), ``blocked_by`` (the peer blocked the owner)."""

    peer_id: int
    username: str
    state: str
    blocked: bool
    blocked_by: bool
    last_seen: float | None
    # The peer's profile summary as stored; whether the owner may see it is the
    # handler's decision.
    display_name: str = ""
    avatar_hash: str | None = None


class ProfileRow(msgspec.Struct, frozen=True, kw_only=True):
    """A user's profile; all defaults when the user never set one."""

    user_id: int
    display_name: str = ""
    avatar: bytes | None = None
    avatar_hash: str | None = None


class CallRecord(msgspec.Struct, frozen=True, kw_only=True):
    """What a call's history entry holds besides the common event fields."""

    video: bool
    outcome: str  # answered | missed | declined
    duration: float  # seconds from answer to hang-up, 0 unless answered


class StoredEvent(msgspec.Struct, frozen=True, kw_only=True):
    """A sequenced conversation event as committed."""

    conversation: str
    seq: int
    ts: float
    sender: str
    kind: str  # message | edit | delete | reaction | read | call
    client_id: str | None = None  # a call's id for kind 'call'
    text: str | None = None
    target: int | None = None
    emoji: str | None = None
    add: bool | None = None
    reply_to: int | None = None
    call: CallRecord | None = None  # set for kind 'call'
    file: FileRef | None = None  # set for a file message
    mentions: list[str] = []  # a room message's mentioned members
    member: MemberChange | None = None  # set for kind 'member'
    room: RoomSettings | None = None  # set for kind 'room'


class Appended(msgspec.Struct, frozen=True, kw_only=True):
    """The outcome of a conversation write.

    ``event`` is None when the write changed nothing (a read marker that did not
    move, a reaction already present). ``recipients`` are the user ids the event
    is pushed to (members the event is not hidden from, the sender included for
    its other devices). ``duplicate`` marks a resend answered from the original.
    """

    event: StoredEvent | None
    recipients: list[int]
    duplicate: bool = False


class MessageRow(msgspec.Struct, frozen=True, kw_only=True):
    conversation: str
    seq: int
    ts: float
    sender: str
    client_id: str
    text: str
    reply_to: int | None
    edited: bool
    deleted: bool
    reactions: dict[str, list[str]]
    call: CallRecord | None = None  # a call's history entry (client_id is the call id)
    file: FileRef | None = None  # a file message's file (text is its caption)
    mentions: list[str] = []
    member: MemberChange | None = None  # a room's membership entry
    room: RoomSettings | None = None  # a room's settings entry


class MemberRow(msgspec.Struct, frozen=True, kw_only=True):
    user_id: int
    username: str
    read_seq: int
    delivered_seq: int
    role: str = "member"


class RoomRow(msgspec.Struct, frozen=True, kw_only=True):
    """A room as one viewer sees it: ``role`` is the viewer's (None when not a member)."""

    key: str
    name: str
    topic: str
    public: bool
    members: int
    role: str | None = None
    invited_by: str | None = None


class RoomMemberRow(msgspec.Struct, frozen=True, kw_only=True):
    """A member as a fellow member sees it; ``blocked`` when either blocks the other."""

    user_id: int
    username: str
    role: str
    read_seq: int
    delivered_seq: int
    display_name: str
    blocked: bool


class RoomChange(msgspec.Struct, frozen=True, kw_only=True):
    """The outcome of a room action: the events it stored, in order (each with its
    recipients), the room as the actor now sees it, and a user to tell of an invitation."""

    events: list[Appended]
    room: RoomRow | None = None
    invitee_id: int | None = None


class ConversationRow(msgspec.Struct, frozen=True, kw_only=True):
    key: str
    kind: str
    last_seq: int
    unread: int
    members: list[MemberRow]
    last_message: MessageRow | None
    room: RoomRow | None = None


class FileRow(msgspec.Struct, frozen=True, kw_only=True):
    """An upload: incomplete while ``completed_at`` is None; its bytes are on disk."""

    id: str
    uploader_id: int
    name: str
    mime: str
    size: int
    sha256: str
    created_at: float
    completed_at: float | None
    expires_at: float

    @property
    def complete(self) -> bool:
        return self.completed_at is not None
