"""Rooms through the headless client: local room list, catch-up, mentions, removal."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from messenger.client import Client
from messenger.protocol import requests as rq
from messenger.protocol.events import MemberEvent, MessageEvent
from tests.clientkit import PASSWORD, eventually, make_client, next_matching
from tests.serverproc import ServerProcess

Names = Callable[[str], str]


async def _befriend(a: Client, b: Client) -> None:
    await a.request(rq.ContactChange(id="", action="request", username=b.username))
    await b.request(rq.ContactChange(id="", action="accept", username=a.username))


async def _signed_in(client: Client) -> Client:
    await client.register(PASSWORD)
    await client.wait_synced()
    return client


async def test_offline_member_catches_up_exactly_once_in_order(
    shared_server: ServerProcess, name: Names, tmp_path: Path
) -> None:
    """A member offline while the room talks gets every message once, in the room's order,
    with the room's name, roles and its unread and mention counts."""
    url = shared_server.url
    async with (
        make_client(url, name("own"), tmp_path) as owner,
        make_client(url, name("bob"), tmp_path) as bob,
    ):
        await _signed_in(owner)
        await _signed_in(bob)
        await _befriend(owner, bob)
        room = await owner.create_room(name("Room"), topic="plans")
        await owner.invite_to_room(room.id, bob.username)
        joined = await bob.join_room(room.name)
        assert joined.id == room.id and joined.role == "member"
        await bob.close()

        for i in range(30):
            text = f"note {i}" if i != 7 else f"@{bob.username} look at this"
            await owner.send_message(room.id, text)

        async with make_client(url, bob.username, tmp_path) as again:
            again.start(PASSWORD)
            await again.wait_synced()
            await eventually(lambda: again.store.timeline.count(room.id) >= 31)
            again.set_room_muted(room.id, True)
            await again.wait_synced()
            messages = again.store.timeline.messages(room.id, limit=200)
            texts = [m.text for m in messages if m.member is None and m.room is None]
            assert texts == [
                f"note {i}" if i != 7 else f"@{bob.username} look at this" for i in range(30)
            ]
            seqs = [m.seq for m in messages]
            assert seqs == sorted(set(seqs))
            (listing,) = [r for r in again.rooms() if r.id == room.id]
            assert listing.name == room.name and listing.topic == "plans"
            assert listing.role == "member" and listing.unread == 30 and listing.mentions == 1
            assert listing.muted is True
            assert again.room_roles(room.id) == {owner.username: "owner", bob.username: "member"}
            assert again.room_id(f"#{room.name.upper()}") == room.id


async def test_room_events_and_mentions_arrive_live(
    shared_server: ServerProcess, name: Names, tmp_path: Path
) -> None:
    """Membership changes and mentions arrive as events and land in the local history."""
    url = shared_server.url
    async with (
        make_client(url, name("own"), tmp_path) as owner,
        make_client(url, name("bob"), tmp_path) as bob,
    ):
        await _signed_in(owner)
        await _signed_in(bob)
        await _befriend(owner, bob)
        room = await owner.create_room(name("Live"))
        await owner.invite_to_room(room.id, bob.username)
        await bob.join_room(room.id)
        events = bob.subscribe()
        await owner.set_room_role(room.id, bob.username, "admin")
        promoted = await next_matching(
            events, lambda e: isinstance(e, MemberEvent) and e.action == "role"
        )
        assert isinstance(promoted, MemberEvent) and promoted.role == "admin"
        await owner.send_message(room.id, f"thanks @{bob.username}!")
        said = await next_matching(events, lambda e: isinstance(e, MessageEvent))
        assert isinstance(said, MessageEvent) and bob.mentions_me(said)
        await eventually(lambda: bob.room_roles(room.id).get(bob.username) == "admin")
        members = await bob.room_members(room.id)
        assert {m.username: m.role for m in members} == {
            owner.username: "owner",
            bob.username: "admin",
        }
        assert all(m.status == "available" for m in members)


async def test_member_removed_while_offline_sees_the_room_as_left(
    shared_server: ServerProcess, name: Names, tmp_path: Path
) -> None:
    """Removed while away: on return the room keeps its history here but has no role, and
    the rest of the conversations still sync."""
    url = shared_server.url
    async with (
        make_client(url, name("own"), tmp_path) as owner,
        make_client(url, name("bob"), tmp_path) as bob,
    ):
        await _signed_in(owner)
        await _signed_in(bob)
        await _befriend(owner, bob)
        room = await owner.create_room(name("Gone"))
        await owner.invite_to_room(room.id, bob.username)
        await bob.join_room(room.id)
        await owner.send_message(room.id, "while you are here")
        await eventually(lambda: bob.store.timeline.count(room.id) >= 2)
        await bob.close()
        await owner.remove_from_room(room.id, bob.username)
        await owner.send_message(room.id, "after you left")
        await owner.send_message(owner.conversation_with(bob.username), "direct still works")

        async with make_client(url, bob.username, tmp_path) as again:
            again.start(PASSWORD)
            await again.wait_synced()
            dm = owner.conversation_with(bob.username)
            await eventually(lambda: again.store.timeline.count(dm) == 1)
            (listing,) = [r for r in again.rooms() if r.id == room.id]
            assert listing.role is None
            texts = [m.text for m in again.store.timeline.messages(room.id)]
            assert "while you are here" in texts and "after you left" not in texts
