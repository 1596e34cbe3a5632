"""Rooms on the real server: membership, authorisation, roles, ordering, mentions, presence."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from tests.filewire import FileWire, file_ref
from tests.serverproc import ServerProcess
from tests.wire import Wire, WireError, befriend

Names = Callable[[str], str]


async def _users(url: str, name: Names, wires: list[Wire], *prefixes: str) -> list[Wire]:
    opened = [await Wire.user(url, name(p)) for p in prefixes]
    wires.extend(opened)
    return opened


async def _room(owner: Wire, name: Names, public: bool = False, topic: str = "") -> str:
    info = await owner.call("room_create", name=name("r"), topic=topic, public=public)
    room: str = info["room"]["id"]
    return room


async def _member(owner: Wire, user: Wire, room: str) -> None:
    """``user`` joins ``room`` on ``owner``'s invitation (they become contacts first)."""
    await befriend(owner, user)
    await owner.call("room_invite", room=room, username=user.username)
    await user.call("room_join", room=room)


async def _say(wire: Wire, room: str, text: str) -> dict[str, Any]:
    return await wire.call("send", conversation=room, client_id=uuid.uuid4().hex, text=text)


async def _code(wire: Wire, type_: str, **fields: Any) -> str:
    with pytest.raises(WireError) as err:
        await wire.call(type_, **fields)
    return str(err.value.code)


async def test_create_room_opens_history_with_settings_and_owner(
    shared_server: ServerProcess, name: Names, wires: list[Wire]
) -> None:
    """A new room's history starts with its settings and its owner joining; names are unique
    whatever their case, and checked."""
    (owner,) = await _users(shared_server.url, name, wires, "own")
    room_name = name("Team")
    info = (await owner.call("room_create", name=f"#{room_name}", topic=" plans "))["room"]
    assert info["name"] == room_name and info["topic"] == "plans"
    assert info["role"] == "owner" and info["members"] == 1 and info["public"] is False
    events = (await owner.call("sync", conversation=info["id"]))["events"]
    assert [(e["type"], e["seq"]) for e in events] == [("room", 1), ("member", 2)]
    assert events[1]["action"] == "joined" and events[1]["role"] == "owner"
    assert await _code(owner, "room_create", name=room_name.upper()) == "conflict"
    assert await _code(owner, "room_create", name="a b") == "bad_request"
    assert await _code(owner, "room_create", name="ok-name", topic="x" * 301) == "too_large"
    listed = (await owner.call("conversations"))["conversations"]
    mine = next(c for c in listed if c["id"] == info["id"])
    assert mine["kind"] == "room" and mine["room"]["name"] == room_name


async def test_outsider_can_neither_read_send_nor_list_a_private_room(
    shared_server: ServerProcess, name: Names, wires: list[Wire]
) -> None:
    """A private room is invisible and closed to non-members, whatever they try."""
    owner, eve = await _users(shared_server.url, name, wires, "own", "eve")
    room = await _room(owner, name)
    await _say(owner, room, "secret")
    for type_, fields in [
        ("history", {}),
        ("sync", {}),
        ("send", {"client_id": "x1", "text": "intrude"}),
        ("room_members", {}),
        ("mark_read", {"seq": 1}),
        ("typing", {}),
    ]:
        key = "conversation" if type_ not in ("room_members",) else "room"
        assert await _code(eve, type_, **{key: room}, **fields) == "forbidden", type_
    assert await _code(eve, "room_join", room=room) == "not_found"
    name_of = (await owner.call("room", room=room))["room"]["name"]
    assert await _code(eve, "room", room=name_of) == "not_found"
    assert await _code(eve, "room_invite", room=room, username=eve.username) == "forbidden"
    await eve.no_event("message", wait=0.2)


async def test_invitations_go_to_contacts_only_and_can_be_declined(
    shared_server: ServerProcess, name: Names, wires: list[Wire]
) -> None:
    """Only contacts can be invited; the invitee is told, sees the room, and may decline."""
    owner, bob, carol = await _users(shared_server.url, name, wires, "own", "bob", "carol")
    room = await _room(owner, name, topic="hello")
    assert await _code(owner, "room_invite", room=room, username=bob.username) == "forbidden"
    await befriend(owner, bob)
    await owner.call("room_invite", room=room, username=bob.username)
    notice = await bob.next_event("room_invited")
    assert notice["room"] == room and notice["inviter"] == owner.username
    assert notice["topic"] == "hello"
    pending = (await bob.call("room_invitations"))["rooms"]
    assert [(r["id"], r["invited_by"]) for r in pending] == [(room, owner.username)]
    await bob.call("room_decline", room=room)
    assert (await bob.call("room_invitations"))["rooms"] == []
    assert await _code(bob, "room_join", room=room) == "not_found"
    assert await _code(carol, "room_decline", room=room) == "not_found"


async def test_messages_reach_every_member_and_a_newcomer_sees_from_joining(
    shared_server: ServerProcess, name: Names, wires: list[Wire]
) -> None:
    """Room messages go to every member live; a new member's history starts at its join."""
    owner, bob, carol = await _users(shared_server.url, name, wires, "own", "bob", "carol")
    room = await _room(owner, name)
    await _member(owner, bob, room)
    await _say(owner, room, "before carol")
    await _member(owner, carol, room)
    ack = await _say(bob, room, "hi all")
    for wire in (owner, carol):
        ev = await wire.next_event("message")
        while ev["text"] != "hi all":
            ev = await wire.next_event("message")
        assert ev["seq"] == ack["seq"] and ev["sender"] == bob.username
    texts = [m["text"] for m in (await carol.call("history", conversation=room))["messages"]]
    assert "before carol" not in texts and "hi all" in texts
    synced = (await carol.call("sync", conversation=room))["events"]
    assert synced[0]["type"] == "member" and synced[0]["user"] == carol.username
    assert synced[0]["action"] == "joined"
    info = next(c for c in (await carol.call("conversations"))["conversations"] if c["id"] == room)
    assert info["unread"] == 1 and info["room"]["role"] == "member"


async def test_removed_member_loses_access_at_once(
    shared_server: ServerProcess, name: Names, wires: list[Wire]
) -> None:
    """After removal: the removal is the last thing delivered, then nothing; no history, no
    sync, no sending, no files sent since; and no way back into a private room alone."""
    owner, bob = await _users(shared_server.url, name, wires, "own", "bob")
    room = await _room(owner, name)
    await _member(owner, bob, room)
    files = FileWire(shared_server.http_url)
    try:
        data = b"room file"
        file_id = await files.upload(owner.token, data)
        await owner.call(
            "send",
            conversation=room,
            client_id=uuid.uuid4().hex,
            text="",
            file=file_ref(file_id, data),
        )
        assert (await files.get(bob.token, file_id)).status == 200
        await owner.call("room_remove", room=room, username=bob.username)
        gone = await bob.next_event("member")
        while gone["action"] != "removed":
            gone = await bob.next_event("member")
        assert gone["user"] == bob.username
        await _say(owner, room, "after bob")
        await bob.no_event("message", wait=0.3)
        assert await _code(bob, "sync", conversation=room) == "forbidden"
        assert await _code(bob, "history", conversation=room) == "forbidden"
        assert await _code(bob, "send", conversation=room, client_id="b1", text="x") == "forbidden"
        assert (await files.get(bob.token, file_id)).status in (403, 404)
        assert await _code(bob, "room_join", room=room) == "not_found"
        assert room not in [c["id"] for c in (await bob.call("conversations"))["conversations"]]
    finally:
        await files.close()


async def test_newcomer_cannot_download_files_sent_before_joining(
    shared_server: ServerProcess, name: Names, wires: list[Wire]
) -> None:
    """File downloads follow membership from the join on, not the whole room's past."""
    owner, bob = await _users(shared_server.url, name, wires, "own", "bob")
    room = await _room(owner, name)
    files = FileWire(shared_server.http_url)
    try:
        old, new = b"old file", b"new file"
        old_id = await files.upload(owner.token, old)
        await owner.call(
            "send",
            conversation=room,
            client_id=uuid.uuid4().hex,
            text="",
            file=file_ref(old_id, old),
        )
        await _member(owner, bob, room)
        new_id = await files.upload(owner.token, new)
        await owner.call(
            "send",
            conversation=room,
            client_id=uuid.uuid4().hex,
            text="",
            file=file_ref(new_id, new),
        )
        assert (await files.get(bob.token, new_id)).body == new
        assert (await files.get(bob.token, old_id)).status in (403, 404)
    finally:
        await files.close()


async def test_every_member_sees_the_same_order_with_concurrent_senders(
    shared_server: ServerProcess, name: Names, wires: list[Wire]
) -> None:
    """Messages sent at once by several members get one gap-free order, the same for all."""
    owner, *others = await _users(shared_server.url, name, wires, "own", "b", "c", "d")
    room = await _room(owner, name)
    for wire in others:
        await _member(owner, wire, room)
    everyone = [owner, *others]
    await asyncio.gather(*(_say(w, room, f"{w.username}:{i}") for w in everyone for i in range(10)))
    views = []
    for wire in everyone:
        events = (await wire.call("sync", conversation=room, after=0))["events"]
        views.append([(e["seq"], e.get("text")) for e in events if e["type"] == "message"])
    owner_seqs = [seq for seq, _ in views[0]]
    assert len(owner_seqs) == 40 and owner_seqs == list(range(owner_seqs[0], owner_seqs[0] + 40))
    tail = views[0][-30:]  # messages sent after the last member joined
    for view in views[1:]:
        assert view[-30:] == tail


async def test_roles_are_enforced_for_every_action(
    shared_server: ServerProcess, name: Names, wires: list[Wire]
) -> None:
    """Members moderate nothing; admins act on members only; only the owner hands over."""
    owner, admin, member, other, guest = await _users(
        shared_server.url, name, wires, "own", "adm", "mem", "oth", "gst"
    )
    room = await _room(owner, name)
    for wire in (admin, member, other):
        await _member(owner, wire, room)
    await owner.call("room_set_role", room=room, username=admin.username, role="admin")
    await befriend(member, guest)
    await befriend(admin, guest)

    # A member: no invite, rename, topic, remove, ban, promote, hand-over.
    for type_, fields in [
        ("room_invite", {"username": guest.username}),
        ("room_update", {"name": name("x")}),
        ("room_update", {"topic": "new"}),
        ("room_remove", {"username": other.username}),
        ("room_remove", {"username": other.username, "ban": True}),
        ("room_set_role", {"username": other.username, "role": "admin"}),
        ("room_set_role", {"username": other.username, "role": "owner"}),
    ]:
        assert await _code(member, type_, room=room, **fields) == "forbidden", (type_, fields)

    # An admin: invites, renames, sets the topic, promotes a member; not above its rank.
    await admin.call("room_invite", room=room, username=guest.username)
    await admin.call("room_update", room=room, topic="admin topic")
    await admin.call("room_set_role", room=room, username=other.username, role="admin")
    for type_, fields in [
        ("room_remove", {"username": other.username}),
        ("room_set_role", {"username": other.username, "role": "member"}),
        ("room_remove", {"username": owner.username}),
        ("room_set_role", {"username": member.username, "role": "owner"}),
    ]:
        assert await _code(admin, type_, room=room, **fields) == "forbidden", (type_, fields)
    await admin.call("room_remove", room=room, username=member.username)

    # The owner: demotes an admin, hands the room over and becomes an admin.
    await owner.call("room_set_role", room=room, username=other.username, role="member")
    await owner.call("room_set_role", room=room, username=admin.username, role="owner")
    roles = {
        m["username"]: m["role"] for m in (await admin.call("room_members", room=room))["members"]
    }
    assert roles == {owner.username: "admin", admin.username: "owner", other.username: "member"}
    topic = (await other.call("room", room=room))["room"]["topic"]
    assert topic == "admin topic"


async def test_owner_leaving_hands_the_room_to_the_oldest_admin(
    shared_server: ServerProcess, name: Names, wires: list[Wire]
) -> None:
    """An owner who leaves passes the room on (oldest admin first); the last one out frees
    the name."""
    owner, bob, carol = await _users(shared_server.url, name, wires, "own", "bob", "carol")
    info = (await owner.call("room_create", name=name("r")))["room"]
    room = info["id"]
    await _member(owner, bob, room)
    await _member(owner, carol, room)
    await owner.call("room_set_role", room=room, username=carol.username, role="admin")
    await owner.call("room_leave", room=room)
    roles = {
        m["username"]: m["role"] for m in (await bob.call("room_members", room=room))["members"]
    }
    assert roles == {bob.username: "member", carol.username: "owner"}
    await carol.call("room_leave", room=room)
    await bob.call("room_leave", room=room)
    again = await owner.call("room_create", name=info["name"])
    assert again["room"]["id"] != room


async def test_banned_user_cannot_rejoin_a_public_room(
    shared_server: ServerProcess, name: Names, wires: list[Wire]
) -> None:
    """A public room is listed and joinable by name, but not by someone banned from it."""
    owner, bob = await _users(shared_server.url, name, wires, "own", "bob")
    info = (await owner.call("room_create", name=name("pub"), public=True))["room"]
    room = info["id"]
    found = (await bob.call("room", room=info["name"].upper()))["room"]
    assert found["id"] == room and found["role"] is None
    listed = (await bob.call("room_directory", prefix=info["name"][:4]))["rooms"]
    assert room in [r["id"] for r in listed]
    await bob.call("room_join", room=room)
    await owner.call("room_remove", room=room, username=bob.username, ban=True)
    assert await _code(bob, "room_join", room=room) == "forbidden"
    await owner.call("room_unban", room=room, username=bob.username)
    await bob.call("room_join", room=room)


async def test_mentions_are_marked_for_members_only(
    shared_server: ServerProcess, name: Names, wires: list[Wire]
) -> None:
    """``@name`` of a member is marked on the event and in history; non-members are not."""
    owner, bob, eve = await _users(shared_server.url, name, wires, "own", "bob", "eve")
    room = await _room(owner, name)
    await _member(owner, bob, room)
    await _say(owner, room, f"hey @{bob.username.upper()}, and @{eve.username} and a@b.c")
    ev = await bob.next_event("message")
    assert ev["mentions"] == [bob.username]
    page = (await bob.call("history", conversation=room))["messages"]
    assert page[-1]["mentions"] == [bob.username]


async def test_blocked_members_presence_is_hidden_in_the_member_list(
    shared_server: ServerProcess, name: Names, wires: list[Wire]
) -> None:
    """Members see each other's presence, except across a block (either way)."""
    owner, bob, carol = await _users(shared_server.url, name, wires, "own", "bob", "carol")
    room = await _room(owner, name)
    await _member(owner, bob, room)
    await _member(owner, carol, room)
    await bob.call("set_presence", status="busy", text="coding")
    await carol.call("contact", action="block", username=bob.username)

    def status(members: dict[str, Any], who: Wire) -> tuple[str, str]:
        m = next(m for m in members["members"] if m["username"] == who.username)
        return m["status"], m["text"]

    assert status(await owner.call("room_members", room=room), bob) == ("busy", "coding")
    assert status(await carol.call("room_members", room=room), bob) == ("offline", "")
    assert status(await bob.call("room_members", room=room), carol) == ("offline", "")
    assert status(await owner.call("room_members", room=room), carol) == ("available", "")


async def test_receipts_typing_reactions_and_edits_work_in_rooms(
    shared_server: ServerProcess, name: Names, wires: list[Wire]
) -> None:
    """Typing, read markers ("seen by"), reactions, replies and edits reach the other members;
    delivery is recorded without a push to every member."""
    owner, bob, carol = await _users(shared_server.url, name, wires, "own", "bob", "carol")
    room = await _room(owner, name)
    await _member(owner, bob, room)
    await _member(owner, carol, room)
    first = await _say(owner, room, "question")
    await bob.call("typing", conversation=room)
    typing = await carol.next_event("typing")
    assert typing["user"] == bob.username and typing["conversation"] == room
    reply = await bob.call(
        "send", conversation=room, client_id=uuid.uuid4().hex, text="answer", reply_to=first["seq"]
    )
    await carol.call("react", conversation=room, target=reply["seq"], emoji="👍")
    await bob.call("edit", conversation=room, target=reply["seq"], text="better answer")
    await carol.call("mark_delivered", conversation=room, seq=reply["seq"])
    await carol.call("mark_read", conversation=room, seq=first["seq"])
    read = await owner.next_event("read")
    assert read["sender"] == carol.username and read["up_to"] == first["seq"]
    await owner.no_event("delivered", wait=0.2)
    members = {m["username"]: m for m in (await owner.call("room_members", room=room))["members"]}
    assert members[carol.username]["read_seq"] == first["seq"]
    assert members[carol.username]["delivered_seq"] == reply["seq"]
    page = (await owner.call("history", conversation=room))["messages"]
    answer = next(m for m in page if m["seq"] == reply["seq"])
    assert answer["text"] == "better answer" and answer["edited"]
    assert answer["reply_to"] == first["seq"] and answer["reactions"] == {"👍": [carol.username]}
