"""Client-to-server request frames.

Every request carries an ``id`` chosen by the client; the server answers each
with exactly one ``result`` or ``error`` frame carrying the same id.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from messenger.protocol import limits as L
from messenger.protocol.files import FileRef

RequestId = Annotated[str, msgspec.Meta(min_length=1, max_length=L.MAX_REQUEST_ID_CHARS)]
Username = Annotated[str, msgspec.Meta(max_length=64)]
Password = Annotated[str, msgspec.Meta(max_length=L.MAX_PASSWORD_CHARS)]
Device = Annotated[str, msgspec.Meta(max_length=L.MAX_DEVICE_CHARS)]
ConversationId = Annotated[str, msgspec.Meta(min_length=1, max_length=L.MAX_CONVERSATION_ID_CHARS)]
ClientId = Annotated[str, msgspec.Meta(min_length=1, max_length=L.MAX_CLIENT_ID_CHARS)]
Seq = Annotated[int, msgspec.Meta(ge=0, le=2**53)]
# Text length is checked against the server's configured limit, not here, so the
# limit stays a setting; the schema only bounds it by the frame size.
Text = str
Emoji = Annotated[str, msgspec.Meta(min_length=1, max_length=L.MAX_EMOJI_CHARS)]
StatusText = Annotated[str, msgspec.Meta(max_length=L.MAX_STATUS_TEXT_CHARS)]
PageLimit = Annotated[int, msgspec.Meta(ge=1, le=10_000)]

SettableStatus = Literal["available", "away", "busy", "invisible"]
WhoMayMessage = Literal["everyone", "contacts"]


class Request(msgspec.Struct, tag_field="type", kw_only=True):
    id: RequestId


# --- handshake and accounts -------------------------------------------------


class Hello(Request, tag="hello"):
    protocol: Annotated[int, msgspec.Meta(ge=0, le=2**31)]
    client: Annotated[str, msgspec.Meta(max_length=128)] = ""


class Register(Request, tag="register"):
    username: Username
    password: Password
    device: Device = ""


class Login(Request, tag="login"):
    username: Username
    password: Password
    device: Device = ""


class Authenticate(Request, tag="authenticate"):
    token: Annotated[str, msgspec.Meta(min_length=1, max_length=256)]


class Logout(Request, tag="logout"):
    pass


class ListSessions(Request, tag="sessions"):
    pass


class RevokeSessions(Request, tag="revoke_sessions"):
    """Sign out other devices: the listed sessions, or all but this one when omitted."""

    session_ids: Annotated[list[int], msgspec.Meta(max_length=1000)] | None = None


class ChangePassword(Request, tag="change_password"):
    old_password: Password
    new_password: Password


class SetPrivacy(Request, tag="set_privacy"):
    who_may_message: WhoMayMessage


# --- contacts and presence ----------------------------------------------------


class ListContacts(Request, tag="contacts"):
    pass


ContactAction = Literal["request", "accept", "decline", "cancel", "remove", "block", "unblock"]


class ContactChange(Request, tag="contact"):
    action: ContactAction
    username: Username


class SetPresence(Request, tag="set_presence"):
    status: SettableStatus
    text: StatusText = ""


# --- profiles ----------------------------------------------------------------------


class SetProfile(Request, tag="set_profile"):
    """Change my display name and/or avatar; a field left out (or null) stays as it is.

    ``display_name=""`` clears the name and ``avatar=b""`` removes the picture. Both
    are checked by the server (``messenger.protocol.profiles``), not bounded here, so
    a name or picture over its limit gets ``too_large`` rather than a schema error;
    the frame size bounds them meanwhile. ``avatar`` is base64 in JSON.
    """

    display_name: str | None = None
    avatar: bytes | None = None


class GetProfile(Request, tag="profile"):
    username: Username


# --- conversations --------------------------------------------------------------


class ListConversations(Request, tag="conversations"):
    pass


class Send(Request, tag="send"):
    """Post a message; with ``file`` (an upload of mine, complete) it is a file message and
    ``text`` is its caption, which may be empty."""

    conversation: ConversationId
    client_id: ClientId
    text: Text
    reply_to: Seq | None = None
    file: FileRef | None = None


class Edit(Request, tag="edit"):
    conversation: ConversationId
    target: Seq
    text: Text


class Delete(Request, tag="delete"):
    conversation: ConversationId
    target: Seq


class React(Request, tag="react"):
    conversation: ConversationId
    target: Seq
    emoji: Emoji
    add: bool = True


class MarkRead(Request, tag="mark_read"):
    conversation: ConversationId
    seq: Seq


class MarkDelivered(Request, tag="mark_delivered"):
    conversation: ConversationId
    seq: Seq


class Typing(Request, tag="typing"):
    conversation: ConversationId
    typing: bool = True


class History(Request, tag="history"):
    """A page of messages older than ``before`` (or the newest when omitted), oldest first."""

    conversation: ConversationId
    before: Seq | None = None
    limit: PageLimit = 50


class Sync(Request, tag="sync"):
    """Every conversation event with a sequence greater than ``after``, oldest first."""

    conversation: ConversationId
    after: Seq = 0
    limit: PageLimit = 500


# --- rooms ------------------------------------------------------------------------------

# Names are checked by the server (``messenger.protocol.rooms``) so a bad one gets a clear
# ``bad_request``; the schema bounds them by the frame size meanwhile.
RoomName = Annotated[str, msgspec.Meta(max_length=64)]
RoomTopic = Annotated[str, msgspec.Meta(max_length=4 * L.MAX_ROOM_TOPIC_CHARS)]
RoleName = Literal["owner", "admin", "member"]


class RoomCreate(Request, tag="room_create"):
    """Create a room and become its owner; private (invitation only) unless ``public``."""

    name: RoomName
    topic: RoomTopic = ""
    public: bool = False


class RoomLookup(Request, tag="room"):
    """A room by id (``room:...``) or by name (``#name`` or ``name``, any case)."""

    room: RoomName


class RoomDirectory(Request, tag="room_directory"):
    """Public rooms whose name starts with ``prefix`` (any case), by name."""

    prefix: RoomName = ""
    limit: Annotated[int, msgspec.Meta(ge=1, le=500)] = 100


class RoomInvitations(Request, tag="room_invitations"):
    """The rooms I am invited to and have not answered."""


class RoomMembers(Request, tag="room_members"):
    room: ConversationId


class RoomInvite(Request, tag="room_invite"):
    room: ConversationId
    username: Username


class RoomJoin(Request, tag="room_join"):
    """Accept an invitation, or join a public room."""

    room: ConversationId


class RoomDecline(Request, tag="room_decline"):
    room: ConversationId


class RoomLeave(Request, tag="room_leave"):
    room: ConversationId


class RoomRemove(Request, tag="room_remove"):
    """Remove a member; with ``ban`` the user cannot come back until unbanned."""

    room: ConversationId
    username: Username
    ban: bool = False


class RoomUnban(Request, tag="room_unban"):
    room: ConversationId
    username: Username


class RoomSetRole(Request, tag="room_set_role"):
    """Promote or demote a member; ``owner`` hands the room over (the owner becomes admin)."""

    room: ConversationId
    username: Username
    role: RoleName


class RoomUpdate(Request, tag="room_update"):
    """Rename, change the topic or the visibility; a field left out stays as it is."""

    room: ConversationId
    name: RoomName | None = None
    topic: RoomTopic | None = None
    public: bool | None = None


# --- calls (signaling only: media flows peer to peer) ---------------------------------

CallId = Annotated[
    str, msgspec.Meta(min_length=1, max_length=L.MAX_CALL_ID_CHARS, pattern=r"^[A-Za-z0-9_-]+$")
]
# Why a party ends a call: ``hung_up`` after answering, ``cancelled`` by the caller before an
# answer, ``failed`` when media could not connect (``detail`` says why), ``lost`` when media
# stopped mid-call, ``glare`` when both called each other and this call gave way to the other
# (it leaves no history entry).
HangupReason = Literal["hung_up", "cancelled", "failed", "lost", "glare"]
SdpKind = Literal["offer", "answer"]
CallDetail = Annotated[str, msgspec.Meta(max_length=L.MAX_CALL_DETAIL_CHARS)]


class CallInvite(Request, tag="call_invite"):
    """Call ``to`` (an accepted contact); ``sdp`` is the offer with its ICE candidates."""

    call_id: CallId
    to: Username
    sdp: str
    video: bool = False


class CallRinging(Request, tag="call_ringing"):
    """An invited device tells the caller it is ringing."""

    call_id: CallId


class CallAccept(Request, tag="call_accept"):
    """Answer on this device with the SDP answer; the first device to answer takes the call."""

    call_id: CallId
    sdp: str
    video: bool = False


class CallDecline(Request, tag="call_decline"):
    call_id: CallId


class CallHangup(Request, tag="call_hangup"):
    call_id: CallId
    reason: HangupReason = "hung_up"
    detail: CallDetail = ""


class CallUpdate(Request, tag="call_update"):
    """Renegotiation during a call (video added or removed): an offer, then its answer."""

    call_id: CallId
    kind: SdpKind
    sdp: str


class CallCandidate(Request, tag="call_candidate"):
    """A trickled ICE candidate (``a=candidate:`` value) for peers that trickle."""

    call_id: CallId
    candidate: str
    sdp_mid: Annotated[str, msgspec.Meta(max_length=32)] | None = None
    sdp_mline_index: Annotated[int, msgspec.Meta(ge=0, le=64)] | None = None


class GetIceServers(Request, tag="ice_servers"):
    """The STUN and TURN servers to use, TURN with fresh time-limited credentials."""


AnyRequest = (
    Hello
    | Register
    | Login
    | Authenticate
    | Logout
    | ListSessions
    | RevokeSessions
    | ChangePassword
    | SetPrivacy
    | ListContacts
    | ContactChange
    | SetPresence
    | SetProfile
    | GetProfile
    | ListConversations
    | Send
    | Edit
    | Delete
    | React
    | MarkRead
    | MarkDelivered
    | Typing
    | History
    | Sync
    | CallInvite
    | CallRinging
    | CallAccept
    | CallDecline
    | CallHangup
    | CallUpdate
    | CallCandidate
    | GetIceServers
    | RoomCreate
    | RoomLookup
    | RoomDirectory
    | RoomInvitations
    | RoomMembers
    | RoomInvite
    | RoomJoin
    | RoomDecline
    | RoomLeave
    | RoomRemove
    | RoomUnban
    | RoomSetRole
    | RoomUpdate
)

REQUEST_TYPES: dict[str, type[Request]] = {
    str(cls.__struct_config__.tag): cls for cls in AnyRequest.__args__
}
