"""The sans-I/O codec: typed round trips, stable error codes, and no exception but ProtocolError."""

from __future__ import annotations

import copy
import json
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from messenger.protocol import codec
from messenger.protocol import requests as rq
from messenger.protocol import results as rs
from messenger.protocol.errors import ErrorCode, ProtocolError
from messenger.protocol.events import (
    CallAcceptedEvent,
    CallCandidateEvent,
    CallEndedEvent,
    CallEvent,
    CallIncomingEvent,
    CallRingingEvent,
    CallUpdateEvent,
    ContactEvent,
    DeleteEvent,
    DeliveredEvent,
    EditEvent,
    Error,
    MemberEvent,
    MessageEvent,
    PresenceEvent,
    ProfileEvent,
    ReactionEvent,
    ReadEvent,
    Result,
    RoomEvent,
    RoomInvitedEvent,
    SessionRevokedEvent,
    TypingEvent,
)
from messenger.protocol.limits import (
    MAX_CLIENT_ID_CHARS,
    MAX_CONVERSATION_ID_CHARS,
    MAX_DEVICE_CHARS,
    MAX_EMOJI_CHARS,
    MAX_PASSWORD_CHARS,
    MAX_REQUEST_ID_CHARS,
    MAX_STATUS_TEXT_CHARS,
    Limits,
)

DM = "dm:alice:bob"
ROOM = "room:0123456789abcdef"

# One wire frame per request type, every field given explicitly, as a third-party client would
# write it. The keys double as the list of request types the protocol reference documents.
REQUEST_FRAMES: dict[str, dict[str, Any]] = {
    "hello": {"type": "hello", "id": "r1", "protocol": 1, "client": "test/1.0"},
    "register": {
        "type": "register",
        "id": "r2",
        "username": "alice",
        "password": "correct horse battery",
        "device": "laptop",
    },
    "login": {
        "type": "login",
        "id": "r3",
        "username": "alice",
        "password": "correct horse battery",
        "device": "phone",
    },
    "authenticate": {"type": "authenticate", "id": "r4", "token": "tok_abc-DEF"},
    "logout": {"type": "logout", "id": "r5"},
    "sessions": {"type": "sessions", "id": "r6"},
    "revoke_sessions": {"type": "revoke_sessions", "id": "r7", "session_ids": [3, 4]},
    "change_password": {
        "type": "change_password",
        "id": "r8",
        "old_password": "correct horse battery",
        "new_password": "staple battery horse",
    },
    "set_privacy": {"type": "set_privacy", "id": "r9", "who_may_message": "contacts"},
    "contacts": {"type": "contacts", "id": "r10"},
    "contact": {"type": "contact", "id": "r11", "action": "request", "username": "bob"},
    "set_presence": {"type": "set_presence", "id": "r12", "status": "busy", "text": "in a call"},
    "set_profile": {
        "type": "set_profile",
        "id": "r23",
        "display_name": "Alice Liddell",
        "avatar": "iVBORw0KGgo=",  # base64 of the PNG magic bytes
    },
    "profile": {"type": "profile", "id": "r24", "username": "bob"},
    "conversations": {"type": "conversations", "id": "r13"},
    "send": {
        "type": "send",
        "id": "r14",
        "conversation": DM,
        "client_id": "5f1c0d5e9b0a4e0c8f3f3d2a1b0c9d8e",
        "text": "hello, bob 👋",
        "reply_to": 3,
        "file": None,
    },
    "edit": {"type": "edit", "id": "r15", "conversation": DM, "target": 4, "text": "hello!"},
    "delete": {"type": "delete", "id": "r16", "conversation": DM, "target": 4},
    "react": {
        "type": "react",
        "id": "r17",
        "conversation": DM,
        "target": 4,
        "emoji": "👍",
        "add": False,
    },
    "mark_read": {"type": "mark_read", "id": "r18", "conversation": DM, "seq": 7},
    "mark_delivered": {"type": "mark_delivered", "id": "r19", "conversation": DM, "seq": 7},
    "typing": {"type": "typing", "id": "r20", "conversation": DM, "typing": False},
    "history": {"type": "history", "id": "r21", "conversation": DM, "before": 40, "limit": 20},
    "sync": {"type": "sync", "id": "r22", "conversation": DM, "after": 12, "limit": 100},
    "call_invite": {
        "type": "call_invite",
        "id": "r25",
        "call_id": "9b2f4c1e-77aa-4d0e-b1c3-5e6f7a8b9c0d",
        "to": "bob",
        "sdp": "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n",
        "video": True,
    },
    "call_ringing": {"type": "call_ringing", "id": "r26", "call_id": "c1"},
    "call_accept": {
        "type": "call_accept",
        "id": "r27",
        "call_id": "c1",
        "sdp": "v=0\r\no=- 2 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n",
        "video": False,
    },
    "call_decline": {"type": "call_decline", "id": "r28", "call_id": "c1"},
    "call_hangup": {
        "type": "call_hangup",
        "id": "r29",
        "call_id": "c1",
        "reason": "failed",
        "detail": "no route to the other side",
    },
    "call_update": {
        "type": "call_update",
        "id": "r30",
        "call_id": "c1",
        "kind": "offer",
        "sdp": "v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n",
    },
    "call_candidate": {
        "type": "call_candidate",
        "id": "r31",
        "call_id": "c1",
        "candidate": "candidate:1 1 udp 2130706431 192.0.2.10 50000 typ host",
        "sdp_mid": "0",
        "sdp_mline_index": 0,
    },
    "ice_servers": {"type": "ice_servers", "id": "r32"},
    "room_create": {
        "type": "room_create",
        "id": "r33",
        "name": "Team-X",
        "topic": "release planning",
        "public": False,
    },
    "room": {"type": "room", "id": "r34", "room": "#team-x"},
    "room_directory": {"type": "room_directory", "id": "r35", "prefix": "te", "limit": 20},
    "room_invitations": {"type": "room_invitations", "id": "r36"},
    "room_members": {"type": "room_members", "id": "r37", "room": ROOM},
    "room_invite": {"type": "room_invite", "id": "r38", "room": ROOM, "username": "carol"},
    "room_join": {"type": "room_join", "id": "r39", "room": ROOM},
    "room_decline": {"type": "room_decline", "id": "r40", "room": ROOM},
    "room_leave": {"type": "room_leave", "id": "r41", "room": ROOM},
    "room_remove": {
        "type": "room_remove",
        "id": "r42",
        "room": ROOM,
        "username": "mallory",
        "ban": True,
    },
    "room_unban": {"type": "room_unban", "id": "r43", "room": ROOM, "username": "mallory"},
    "room_set_role": {
        "type": "room_set_role",
        "id": "r44",
        "room": ROOM,
        "username": "bob",
        "role": "admin",
    },
    "room_update": {
        "type": "room_update",
        "id": "r45",
        "room": ROOM,
        "name": "team-y",
        "topic": None,
        "public": True,
    },
}

ROOM_INFO = rs.RoomInfo(
    id=ROOM, name="Team-X", topic="release planning", public=False, members=3, role="owner"
)

MESSAGE_VIEW = rs.MessageView(
    conversation=DM,
    seq=4,
    ts=1_700_000_000.25,
    sender="alice",
    client_id="c-4",
    text="hello!",
    reply_to=2,
    edited=True,
    reactions={"👍": ["bob"]},
)
CALL_VIEW = rs.MessageView(
    conversation=DM,
    seq=5,
    ts=1_700_000_100.5,
    sender="alice",
    client_id="c1",
    text="",
    reply_to=None,
    call=rs.CallSummary(video=True, outcome="answered", duration=62.5),
)

# One result per request type, so every reply shape round-trips through the client's decoder.
SAMPLE_RESULTS: dict[type[rq.Request], msgspec.Struct] = {
    rq.Hello: rs.HelloResult(protocol=1, server="messenger-server/0.1", limits=Limits()),
    rq.Register: rs.AuthResult(username="alice", session_id=1, expires_at=1.7e9, token="t"),
    rq.Login: rs.AuthResult(username="alice", session_id=2, expires_at=1.7e9, token="t2"),
    rq.Authenticate: rs.AuthResult(username="alice", session_id=2, expires_at=1.7e9),
    rq.Logout: rs.Empty(),
    rq.ListSessions: rs.SessionsResult(
        sessions=[
            rs.SessionInfo(
                session_id=2, device="phone", created_at=1.0, last_active=2.0, current=True
            )
        ]
    ),
    rq.RevokeSessions: rs.RevokeResult(revoked=[3, 4]),
    rq.ChangePassword: rs.Empty(),
    rq.SetPrivacy: rs.Empty(),
    rq.ListContacts: rs.ContactsResult(
        contacts=[
            rs.Contact(
                username="bob",
                state="accepted",
                status="away",
                text="brb",
                display_name="Bob",
                avatar_hash="0123456789abcdef",
            ),
            rs.Contact(username="carol", state="incoming"),
            rs.Contact(username="mallory", state="none", blocked=True, last_seen=None),
        ],
        who_may_message="everyone",
    ),
    rq.ContactChange: rs.ContactResult(contact=rs.Contact(username="bob", state="outgoing")),
    rq.SetPresence: rs.Empty(),
    rq.SetProfile: rs.Profile(
        username="alice",
        display_name="Alice Liddell",
        avatar=b"\x89PNG\r\n\x1a\n",
        avatar_hash="0123456789abcdef",
    ),
    rq.GetProfile: rs.Profile(username="bob"),
    rq.ListConversations: rs.ConversationsResult(
        conversations=[
            rs.ConversationInfo(
                id=DM,
                kind="direct",
                members=[
                    rs.Member(username="alice", read_seq=4, delivered_seq=4),
                    rs.Member(username="bob", read_seq=2, delivered_seq=4),
                ],
                last_seq=4,
                unread=0,
                last_message=MESSAGE_VIEW,
            )
        ]
    ),
    rq.Send: rs.SendResult(conversation=DM, seq=5, ts=1.5, client_id="c-5"),
    rq.Edit: rs.EventResult(conversation=DM, seq=6, ts=1.6),
    rq.Delete: rs.EventResult(conversation=DM, seq=7, ts=1.7),
    rq.React: rs.EventResult(conversation=DM, seq=8, ts=1.8),
    rq.MarkRead: rs.EventResult(conversation=DM, seq=0, ts=1.9),
    rq.MarkDelivered: rs.Empty(),
    rq.Typing: rs.Empty(),
    rq.History: rs.HistoryResult(messages=[MESSAGE_VIEW, CALL_VIEW], has_more=True),
    rq.Sync: rs.SyncResult(
        events=[
            MessageEvent(conversation=DM, seq=1, ts=1.0, sender="a", client_id="c", text="x"),
            EditEvent(conversation=DM, seq=2, ts=2.0, sender="a", target=1, text="y"),
            DeleteEvent(conversation=DM, seq=3, ts=3.0, sender="a", target=1),
            ReactionEvent(
                conversation=DM, seq=4, ts=4.0, sender="b", target=1, emoji="❤", add=True
            ),
            ReadEvent(conversation=DM, seq=5, ts=5.0, sender="b", up_to=4),
            CallEvent(
                conversation=DM,
                seq=6,
                ts=6.0,
                sender="a",
                call_id="c1",
                video=False,
                outcome="missed",
            ),
        ],
        last_seq=6,
        has_more=False,
    ),
    rq.CallInvite: rs.Empty(),
    rq.CallRinging: rs.Empty(),
    rq.CallAccept: rs.Empty(),
    rq.CallDecline: rs.Empty(),
    rq.CallHangup: rs.Empty(),
    rq.CallUpdate: rs.Empty(),
    rq.CallCandidate: rs.Empty(),
    rq.GetIceServers: rs.IceServersResult(
        servers=[
            rs.IceServer(urls=["stun:stun.example.org:3478"]),
            rs.IceServer(
                urls=["turn:turn.example.org:3478?transport=udp", "turns:turn.example.org:5349"],
                username="1700003600:alice",
                credential="f2rXkLsZ3tbgr0NvjoXUE6Eyw8A=",
            ),
        ],
        expires_at=1_700_003_600.0,
    ),
    rq.RoomCreate: rs.RoomResult(room=ROOM_INFO),
    rq.RoomLookup: rs.RoomResult(room=ROOM_INFO),
    rq.RoomDirectory: rs.RoomsResult(rooms=[ROOM_INFO]),
    rq.RoomInvitations: rs.RoomsResult(
        rooms=[
            rs.RoomInfo(
                id=ROOM, name="Team-X", topic="", public=False, members=3, invited_by="alice"
            )
        ]
    ),
    rq.RoomMembers: rs.RoomMembersResult(
        room=ROOM,
        members=[
            rs.RoomMember(
                username="alice",
                role="owner",
                read_seq=9,
                delivered_seq=9,
                status="busy",
                text="in a meeting",
                display_name="Alice",
            ),
            rs.RoomMember(username="bob", role="member", read_seq=2, delivered_seq=8),
        ],
    ),
    rq.RoomInvite: rs.EventResult(conversation=ROOM, seq=10, ts=2.0),
    rq.RoomJoin: rs.RoomResult(room=ROOM_INFO),
    rq.RoomDecline: rs.Empty(),
    rq.RoomLeave: rs.EventResult(conversation=ROOM, seq=11, ts=2.1),
    rq.RoomRemove: rs.EventResult(conversation=ROOM, seq=12, ts=2.2),
    rq.RoomUnban: rs.EventResult(conversation=ROOM, seq=13, ts=2.3),
    rq.RoomSetRole: rs.EventResult(conversation=ROOM, seq=0, ts=2.4),
    rq.RoomUpdate: rs.EventResult(conversation=ROOM, seq=14, ts=2.5),
}

# One frame of every kind the server sends, in wire form.
SERVER_FRAMES: list[dict[str, Any]] = [
    {"type": "result", "id": "r1", "result": {"protocol": 1}},
    {"type": "error", "id": "r2", "code": "rate_limited", "message": "slow down", "retry_after": 2},
    {"type": "error", "id": None, "code": "bad_request", "message": "malformed JSON"},
    {
        "type": "message",
        "conversation": DM,
        "seq": 1,
        "ts": 1.5,
        "sender": "alice",
        "client_id": "c1",
        "text": "hi",
        "reply_to": None,
    },
    {
        "type": "edit",
        "conversation": DM,
        "seq": 2,
        "ts": 2.5,
        "sender": "alice",
        "target": 1,
        "text": "hi!",
    },
    {"type": "delete", "conversation": DM, "seq": 3, "ts": 3.5, "sender": "alice", "target": 1},
    {
        "type": "reaction",
        "conversation": DM,
        "seq": 4,
        "ts": 4.5,
        "sender": "bob",
        "target": 1,
        "emoji": "👍",
        "add": True,
    },
    {"type": "read", "conversation": DM, "seq": 5, "ts": 5.5, "sender": "bob", "up_to": 4},
    {"type": "delivered", "conversation": DM, "user": "bob", "up_to": 4},
    {"type": "typing", "conversation": DM, "user": "bob", "typing": True},
    {"type": "presence", "user": "bob", "status": "offline", "text": "", "last_seen": 1.7e9},
    {"type": "contact", "user": "bob", "state": "incoming", "blocked": False},
    {
        "type": "contact",
        "user": "bob",
        "state": "accepted",
        "blocked": False,
        "display_name": "Bob",
        "avatar_hash": "0123456789abcdef",
    },
    {"type": "profile", "user": "bob", "display_name": "Bob", "avatar_hash": None},
    {"type": "session_revoked", "reason": "logged out"},
    {
        "type": "call",
        "conversation": DM,
        "seq": 6,
        "ts": 6.5,
        "sender": "alice",
        "call_id": "c1",
        "video": True,
        "outcome": "answered",
        "duration": 62.5,
    },
    {
        "type": "call_incoming",
        "call_id": "c1",
        "caller": "alice",
        "video": True,
        "sdp": "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n",
    },
    {"type": "call_ringing", "call_id": "c1"},
    {
        "type": "call_accepted",
        "call_id": "c1",
        "sdp": "v=0\r\no=- 2 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n",
        "video": False,
    },
    {
        "type": "call_update",
        "call_id": "c1",
        "kind": "answer",
        "sdp": "v=0\r\no=- 2 2 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n",
    },
    {
        "type": "call_candidate",
        "call_id": "c1",
        "candidate": "candidate:1 1 udp 2130706431 192.0.2.10 50000 typ host",
        "sdp_mid": "0",
        "sdp_mline_index": 0,
    },
    {"type": "call_ended", "call_id": "c1", "reason": "lost", "detail": "no media for 10 s"},
    {
        "type": "member",
        "conversation": ROOM,
        "seq": 7,
        "ts": 7.5,
        "sender": "alice",
        "user": "bob",
        "action": "role",
        "role": "admin",
    },
    {
        "type": "room",
        "conversation": ROOM,
        "seq": 1,
        "ts": 0.5,
        "sender": "alice",
        "name": "Team-X",
        "topic": "release planning",
        "public": False,
    },
    {"type": "room_invited", "room": ROOM, "name": "Team-X", "topic": "", "inviter": "alice"},
]


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()


def _decode_error(data: bytes | str) -> ProtocolError:
    with pytest.raises(ProtocolError) as info:
        codec.decode_request(data)
    return info.value


# --- round trips --------------------------------------------------------------------------------


def test_every_request_type_has_a_sample_frame() -> None:
    """The samples (and the protocol reference built from them) cover every request type."""
    assert set(REQUEST_FRAMES) == set(rq.REQUEST_TYPES)
    assert set(SAMPLE_RESULTS) == set(rs.RESULT_TYPES) == set(rq.REQUEST_TYPES.values())


@pytest.mark.parametrize("kind", sorted(REQUEST_FRAMES))
def test_request_round_trip(kind: str) -> None:
    """A wire frame decodes to its typed request, and that encodes back to the same JSON."""
    frame = REQUEST_FRAMES[kind]
    for data in (_dumps(frame), json.dumps(frame)):  # bytes and str both accepted
        request = codec.decode_request(data)
        assert isinstance(request, rq.REQUEST_TYPES[kind])
        assert request.id == frame["id"]
        assert json.loads(codec.encode(request)) == frame
        assert codec.decode_request(codec.encode(request)) == request


@pytest.mark.parametrize("request_type", list(SAMPLE_RESULTS), ids=lambda t: t.__name__)
def test_result_round_trip(request_type: type[rq.Request]) -> None:
    """encode_result -> decode_server_frame -> decode_result gives back the result Struct."""
    result = SAMPLE_RESULTS[request_type]
    kind = request_type.__struct_config__.tag
    assert isinstance(kind, str)
    request = codec.decode_request(_dumps(REQUEST_FRAMES[kind]))
    frame = codec.decode_server_frame(codec.encode_result(request.id, result))
    assert isinstance(frame, Result)
    assert frame.id == request.id
    assert codec.decode_result(request, frame) == result


@pytest.mark.parametrize("frame", SERVER_FRAMES, ids=lambda f: str(f["type"]))
def test_server_frame_round_trip(frame: dict[str, Any]) -> None:
    """Every server frame kind decodes from its wire form and re-encodes to the same fields."""
    decoded = codec.decode_server_frame(_dumps(frame))
    assert decoded.__struct_config__.tag == frame["type"]
    again = json.loads(codec.encode(decoded))
    for key, value in frame.items():
        assert again[key] == value


def test_server_frame_types() -> None:
    """Each event tag decodes to its documented Struct."""
    expected = [Result, Error, Error, MessageEvent, EditEvent, DeleteEvent, ReactionEvent]
    expected += [ReadEvent, DeliveredEvent, TypingEvent, PresenceEvent, ContactEvent]
    expected += [ContactEvent, ProfileEvent, SessionRevokedEvent, CallEvent, CallIncomingEvent]
    expected += [CallRingingEvent, CallAcceptedEvent, CallUpdateEvent, CallCandidateEvent]
    expected += [CallEndedEvent, MemberEvent, RoomEvent, RoomInvitedEvent]
    got = [type(codec.decode_server_frame(_dumps(f))) for f in SERVER_FRAMES]
    assert got == expected


def test_request_defaults() -> None:
    """Optional request fields take their documented defaults when omitted."""
    send = codec.decode_request(
        b'{"type":"send","id":"a","conversation":"dm:a1b:c2d","client_id":"x","text":"t"}'
    )
    assert isinstance(send, rq.Send) and send.reply_to is None
    history = codec.decode_request(b'{"type":"history","id":"a","conversation":"c"}')
    assert isinstance(history, rq.History) and (history.before, history.limit) == (None, 50)
    sync = codec.decode_request(b'{"type":"sync","id":"a","conversation":"c"}')
    assert isinstance(sync, rq.Sync) and (sync.after, sync.limit) == (0, 500)
    react = codec.decode_request(
        b'{"type":"react","id":"a","conversation":"c","target":1,"emoji":"x"}'
    )
    assert isinstance(react, rq.React) and react.add is True
    profile = codec.decode_request(b'{"type":"set_profile","id":"a"}')
    assert isinstance(profile, rq.SetProfile)
    assert (profile.display_name, profile.avatar) == (None, None)
    profile = codec.decode_request(b'{"type":"set_profile","id":"a","avatar":"iVBORw0KGgo="}')
    assert isinstance(profile, rq.SetProfile) and profile.avatar == b"\x89PNG\r\n\x1a\n"
    typing = codec.decode_request(b'{"type":"typing","id":"a","conversation":"c"}')
    assert isinstance(typing, rq.Typing) and typing.typing is True
    hello = codec.decode_request(b'{"type":"hello","id":"a","protocol":1}')
    assert isinstance(hello, rq.Hello) and hello.client == ""
    login = codec.decode_request(b'{"type":"login","id":"a","username":"u","password":"p"}')
    assert isinstance(login, rq.Login) and login.device == ""
    revoke = codec.decode_request(b'{"type":"revoke_sessions","id":"a"}')
    assert isinstance(revoke, rq.RevokeSessions) and revoke.session_ids is None
    presence = codec.decode_request(b'{"type":"set_presence","id":"a","status":"away"}')
    assert isinstance(presence, rq.SetPresence) and presence.text == ""
    invite = codec.decode_request(
        b'{"type":"call_invite","id":"a","call_id":"c","to":"bob","sdp":"v=0"}'
    )
    assert isinstance(invite, rq.CallInvite) and invite.video is False
    hangup = codec.decode_request(b'{"type":"call_hangup","id":"a","call_id":"c"}')
    assert isinstance(hangup, rq.CallHangup) and (hangup.reason, hangup.detail) == ("hung_up", "")
    cand = codec.decode_request(b'{"type":"call_candidate","id":"a","call_id":"c","candidate":"x"}')
    assert isinstance(cand, rq.CallCandidate)
    assert (cand.sdp_mid, cand.sdp_mline_index) == (None, None)


def test_unknown_fields_are_ignored() -> None:
    """Extra fields are ignored, so a newer client's additions do not break an older server."""
    request = codec.decode_request(b'{"type":"logout","id":"a","future_field":{"x":[1]}}')
    assert request == rq.Logout(id="a")
    event = codec.decode_server_frame(b'{"type":"session_revoked","reason":"r","extra":1}')
    assert event == SessionRevokedEvent(reason="r")


def test_encode_error_round_trip() -> None:
    """An error reply carries code, message, retry_after and the request id (or null)."""
    err = ProtocolError(ErrorCode.RATE_LIMITED, "slow down", request_id="r9", retry_after=1.5)
    assert json.loads(codec.encode_error(err)) == {
        "type": "error",
        "id": "r9",
        "code": "rate_limited",
        "message": "slow down",
        "retry_after": 1.5,
    }
    frame = codec.decode_server_frame(codec.encode_error(err))
    assert frame == Error(id="r9", code="rate_limited", message="slow down", retry_after=1.5)
    anonymous = codec.decode_server_frame(
        codec.encode_error(ProtocolError(ErrorCode.BAD_REQUEST, "no"))
    )
    assert anonymous == Error(id=None, code="bad_request", message="no")


def test_decode_result_rejects_wrong_shape() -> None:
    """A result payload that does not fit the request's result type is a ProtocolError."""
    request = rq.Send(id="a", conversation=DM, client_id="c", text="t")
    with pytest.raises(ProtocolError) as info:
        codec.decode_result(request, Result(id="a", result=msgspec.Raw(b'{"seq":"one"}')))
    assert info.value.code is ErrorCode.BAD_REQUEST


def test_decode_any_is_untyped() -> None:
    """decode_any returns plain JSON values, for tools that print frames."""
    assert codec.decode_any(b'{"type":"x","n":[1,2]}') == {"type": "x", "n": [1, 2]}


# --- error codes for bad input ------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [b"", b"{", b"not json", b'{"type":"hello",}', b"\xff\xfe\x00", b'{"a":1} trailing', b"NaN"],
)
def test_malformed_json_is_bad_request_without_id(data: bytes) -> None:
    """Bytes that are not one JSON document get bad_request with a null request id."""
    err = _decode_error(data)
    assert err.code is ErrorCode.BAD_REQUEST
    assert err.request_id is None


@pytest.mark.parametrize("data", [b"[]", b"42", b'"hello"', b"null", b"true", b'[{"type":"x"}]'])
def test_non_object_is_bad_request(data: bytes) -> None:
    """A JSON value that is not an object gets bad_request."""
    err = _decode_error(data)
    assert err.code is ErrorCode.BAD_REQUEST
    assert err.request_id is None


def test_missing_type_is_bad_request() -> None:
    """An object without a type is bad_request, with its id salvaged."""
    err = _decode_error(b'{"id":"r1","protocol":1}')
    assert (err.code, err.request_id) == (ErrorCode.BAD_REQUEST, "r1")


def test_unknown_type_is_unknown_type_with_id() -> None:
    """A type that names no request gets unknown_type and keeps the request id."""
    err = _decode_error(b'{"type":"teleport","id":"r7","to":"mars"}')
    assert (err.code, err.request_id) == (ErrorCode.UNKNOWN_TYPE, "r7")


def test_server_only_types_are_unknown_requests() -> None:
    """Server frame tags (result, message, ...) are not requests a client may send."""
    for kind in ("result", "error", "message", "presence"):
        err = _decode_error(_dumps({"type": kind, "id": "r1"}))
        assert (err.code, err.request_id) == (ErrorCode.UNKNOWN_TYPE, "r1")


@pytest.mark.parametrize(
    ("frame", "field"),
    [
        ({"type": "hello", "id": "r1", "protocol": "1"}, "protocol"),
        ({"type": "hello", "id": "r1", "protocol": True}, "protocol"),
        ({"type": "hello", "id": "r1", "protocol": 1.0}, "protocol"),
        ({"type": "send", "id": "r1", "conversation": DM, "client_id": "c", "text": 5}, "text"),
        (
            {"type": "send", "id": "r1", "conversation": DM, "client_id": 5, "text": "t"},
            "client_id",
        ),
        ({"type": "sync", "id": "r1", "conversation": DM, "after": -1}, "after"),
        ({"type": "sync", "id": "r1", "conversation": DM, "after": 2**53 + 1}, "after"),
        ({"type": "history", "id": "r1", "conversation": DM, "limit": 0}, "limit"),
        ({"type": "history", "id": "r1", "conversation": DM, "limit": 10_001}, "limit"),
        ({"type": "set_presence", "id": "r1", "status": "offline"}, "status"),
        ({"type": "set_privacy", "id": "r1", "who_may_message": "nobody"}, "who_may_message"),
        ({"type": "contact", "id": "r1", "action": "befriend", "username": "bob"}, "action"),
        ({"type": "revoke_sessions", "id": "r1", "session_ids": ["1"]}, "session_ids"),
        ({"type": "react", "id": "r1", "conversation": DM, "target": 1, "emoji": ""}, "emoji"),
        ({"type": "typing", "id": "r1", "conversation": DM, "typing": "yes"}, "typing"),
        ({"type": "hello", "id": "r1"}, "protocol"),
    ],
)
def test_wrong_field_types_are_bad_request(frame: dict[str, Any], field: str) -> None:
    """A missing field or one of the wrong type or range is bad_request naming the field."""
    err = _decode_error(_dumps(frame))
    assert (err.code, err.request_id) == (ErrorCode.BAD_REQUEST, "r1")
    assert field in err.message


@pytest.mark.parametrize(
    ("kind", "field", "limit"),
    [
        ("send", "client_id", MAX_CLIENT_ID_CHARS),
        ("send", "conversation", MAX_CONVERSATION_ID_CHARS),
        ("login", "device", MAX_DEVICE_CHARS),
        ("login", "password", MAX_PASSWORD_CHARS),
        ("react", "emoji", MAX_EMOJI_CHARS),
        ("set_presence", "text", MAX_STATUS_TEXT_CHARS),
    ],
)
def test_oversize_fields_are_bad_request(kind: str, field: str, limit: int) -> None:
    """A bounded string field is accepted at its limit and rejected one past it."""
    frame = copy.deepcopy(REQUEST_FRAMES[kind])
    frame[field] = "x" * limit
    codec.decode_request(_dumps(frame))
    frame[field] = "x" * (limit + 1)
    err = _decode_error(_dumps(frame))
    assert (err.code, err.request_id) == (ErrorCode.BAD_REQUEST, frame["id"])
    assert field in err.message


def test_request_id_length_limits() -> None:
    """A request id of 1..MAX_REQUEST_ID_CHARS is fine; empty or longer is bad_request, no id."""
    frame = dict(REQUEST_FRAMES["logout"])
    frame["id"] = "i" * MAX_REQUEST_ID_CHARS
    assert codec.decode_request(_dumps(frame)).id == frame["id"]
    for bad in ("", "i" * (MAX_REQUEST_ID_CHARS + 1)):
        frame["id"] = bad
        err = _decode_error(_dumps(frame))
        # An id the server will not accept is not echoed back either.
        assert (err.code, err.request_id) == (ErrorCode.BAD_REQUEST, None)


@pytest.mark.parametrize("bad_id", [5, None, ["r1"], {"x": 1}, True, 1.5])
def test_non_string_request_id_is_not_salvaged(bad_id: Any) -> None:
    """A request id that is not a string is bad_request with a null id in the reply."""
    err = _decode_error(_dumps({"type": "logout", "id": bad_id}))
    assert (err.code, err.request_id) == (ErrorCode.BAD_REQUEST, None)
    err = _decode_error(_dumps({"type": "teleport", "id": bad_id}))
    assert (err.code, err.request_id) == (ErrorCode.UNKNOWN_TYPE, None)


def test_salvaged_id_survives_any_field_error() -> None:
    """Whatever field is wrong, a valid request id comes back so the reply pairs."""
    frame: dict[str, Any] = {
        "type": "send",
        "id": "keep-me",
        "conversation": [],
        "client_id": {},
        "text": None,
    }
    assert _decode_error(_dumps(frame)).request_id == "keep-me"


def test_duplicate_type_key_is_bad_request() -> None:
    """A frame naming two types is rejected rather than guessed at."""
    err = _decode_error(b'{"type":"logout","id":"r1","type":"hello","protocol":1}')
    assert err.code is ErrorCode.BAD_REQUEST


def test_deep_nesting_is_bad_request() -> None:
    """Pathologically nested JSON is rejected with bad_request, not a RecursionError."""
    nested = b"[" * 200_000 + b"]" * 200_000
    err = _decode_error(b'{"type":"logout","id":"r1","x":' + nested + b"}")
    assert err.code is ErrorCode.BAD_REQUEST
    with pytest.raises(ProtocolError):
        codec.decode_server_frame(b'{"type":"session_revoked","reason":"r","x":' + nested + b"}")


def test_deeply_nested_result_payload_is_protocol_error() -> None:
    """A result payload nested past the recursion limit is a ProtocolError on the client."""
    nested = b"[" * 200_000 + b"]" * 200_000
    with pytest.raises(ProtocolError):
        codec.decode_server_frame(b'{"type":"result","id":"r1","result":' + nested + b"}")


def test_lone_surrogate_in_str_input_is_bad_request() -> None:
    """A str frame holding a lone surrogate (not encodable as UTF-8) is bad_request."""
    with pytest.raises(ProtocolError):
        codec.decode_request('{"type":"hello","id":"r1","protocol":1,"client":"\ud800"}')
    with pytest.raises(ProtocolError):
        codec.decode_server_frame('{"type":"session_revoked","reason":"\udfff"}')


def test_invalid_server_frames_are_protocol_errors() -> None:
    """Unknown event types and bad field values from a server are ProtocolErrors on the client."""
    for data in (
        b'{"type":"sync"}',
        b'{"type":"presence","user":"bob","status":"gone"}',
        b'{"type":"message","conversation":"c","seq":"1","ts":1,"sender":"a",'
        b'"client_id":"c","text":"t"}',
        b"[]",
        b"\x80",
    ):
        with pytest.raises(ProtocolError):
            codec.decode_server_frame(data)


# --- property: nothing but ProtocolError escapes ------------------------------------------------

# Text including lone surrogates, which only a str (never UTF-8 bytes) can hold.
_surrogates = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF, categories=["Cs"])
_any_text = st.lists(st.one_of(st.characters(), _surrogates), max_size=40).map("".join)
_json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=2**53 - 2, max_value=2**70),
    st.integers(min_value=-(2**70), max_value=-(2**63) + 2),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
)
_json_values = st.recursive(
    _json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5),
        st.dictionaries(st.text(max_size=12), inner, max_size=5),
    ),
    max_leaves=25,
)
# Raw JSON text no Python value dumps to: huge/invalid numbers, deep nesting, odd escapes.
_raw_json_fragments = st.one_of(
    st.sampled_from(
        [
            "1e400",
            "-1e400",
            "NaN",
            "Infinity",
            "1" * 500,
            "-" + "9" * 400,
            "0.0000000000000000000000000000001e-400",
            '"\\ud800"',
            '"\\u0000"',
            "[]",
            "{}",
            "true",
        ]
    ),
    st.integers(min_value=1, max_value=5000).map(lambda n: "[" * n + "]" * n),
    st.integers(min_value=1, max_value=5000).map(lambda n: '{"a":' * n + "1" + "}" * n),
    st.sampled_from([100_000, 300_000]).map(lambda n: "[" * n + "]" * n),
)
_PLACEHOLDER = "\u0001placeholder\u0001"


def _all_frames() -> list[dict[str, Any]]:
    return [*REQUEST_FRAMES.values(), *SERVER_FRAMES]


@st.composite
def _mutated_frames(draw: st.DrawFn) -> bytes | str:
    """A valid frame (request or server), bent in one or more ways a hostile peer might."""
    frame = copy.deepcopy(draw(st.sampled_from(_all_frames())))
    raw_fragment: str | None = None
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        keys = sorted(frame)
        action = draw(st.sampled_from(["drop", "replace", "swap", "add", "raw", "retype"]))
        if action == "drop" and keys:
            del frame[draw(st.sampled_from(keys))]
        elif action == "replace" and keys:
            frame[draw(st.sampled_from(keys))] = draw(_json_values)
        elif action == "swap" and len(keys) >= 2:
            a, b = draw(st.permutations(keys))[:2]
            frame[a], frame[b] = frame[b], frame[a]
        elif action == "add":
            frame[draw(st.text(max_size=12))] = draw(_json_values)
        elif action == "raw" and keys and raw_fragment is None:
            frame[draw(st.sampled_from(keys))] = _PLACEHOLDER
            raw_fragment = draw(_raw_json_fragments)
        elif action == "retype":
            frame["type"] = draw(
                st.one_of(st.sampled_from([*rq.REQUEST_TYPES, "result", "error"]), _json_values)
            )
    text = json.dumps(frame, ensure_ascii=draw(st.booleans()))
    if raw_fragment is not None:
        text = text.replace(json.dumps(_PLACEHOLDER), raw_fragment)
    data: bytes | str = text
    if draw(st.booleans()):
        encoded = text.encode()
        how = draw(st.sampled_from(["as-is", "truncate", "invalid-utf8", "flip"]))
        if how == "truncate":
            encoded = encoded[: draw(st.integers(min_value=0, max_value=len(encoded)))]
        elif how == "invalid-utf8":
            at = draw(st.integers(min_value=0, max_value=len(encoded)))
            bad = draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xf8\x88\x80\x80"]))
            encoded = encoded[:at] + bad + encoded[at:]
        elif how == "flip" and encoded:
            at = draw(st.integers(min_value=0, max_value=len(encoded) - 1))
            encoded = (
                encoded[:at] + bytes([encoded[at] ^ draw(st.integers(1, 255))]) + encoded[at + 1 :]
            )
        data = encoded
    elif draw(st.booleans()):
        # Splice a lone surrogate into the str form.
        at = draw(st.integers(min_value=0, max_value=len(text)))
        data = text[:at] + "\ud800" + text[at:]
    return data


def _only_protocol_errors(data: bytes | str) -> None:
    for decode in (codec.decode_request, codec.decode_server_frame):
        try:
            decode(data)
        except ProtocolError as err:
            assert isinstance(err.code, ErrorCode)
            assert err.request_id is None or (
                isinstance(err.request_id, str) and 0 < len(err.request_id) <= MAX_REQUEST_ID_CHARS
            )


_FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_FUZZ
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_raise_only_protocol_error(data: bytes) -> None:
    """Arbitrary bytes either decode or raise ProtocolError, never anything else."""
    _only_protocol_errors(data)


@_FUZZ
@given(_any_text)
def test_arbitrary_text_raises_only_protocol_error(data: str) -> None:
    """Arbitrary str input (lone surrogates included) raises nothing but ProtocolError."""
    _only_protocol_errors(data)


@_FUZZ
@given(_json_values, st.booleans())
def test_arbitrary_json_raises_only_protocol_error(value: Any, as_bytes: bool) -> None:
    """Any JSON value, as str or bytes, either decodes or raises ProtocolError."""
    text = json.dumps(value)
    _only_protocol_errors(text.encode() if as_bytes else text)


@_FUZZ
@given(_mutated_frames())
def test_mutated_frames_raise_only_protocol_error(data: bytes | str) -> None:
    """Valid frames with fields dropped, swapped, retyped or corrupted raise only ProtocolError."""
    _only_protocol_errors(data)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(sorted(REQUEST_FRAMES)), st.text(min_size=1, max_size=64))
def test_any_valid_request_id_round_trips(kind: str, request_id: str) -> None:
    """Any 1..64 character request id is accepted and echoed exactly."""
    frame = dict(REQUEST_FRAMES[kind], id=request_id)
    assert codec.decode_request(_dumps(frame)).id == request_id
