"""The client against the real server: accounts, contacts, messages, history, events."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from messenger.client import AuthenticationFailed, ConnectionState, MessageAcked
from messenger.protocol import requests as rq
from messenger.protocol.errors import ErrorCode, ProtocolError
from messenger.protocol.events import ContactEvent, DeliveredEvent, MessageEvent
from tests.clientkit import PASSWORD, make_client, next_matching
from tests.serverproc import ServerProcess


async def test_two_users_exchange_messages_and_see_them_in_history(
    shared_server: ServerProcess, name: Callable[[str], str], tmp_path: Path
) -> None:
    """A message sent by one user is acknowledged, arrives live at the other, and is in history."""
    alice_name, bob_name = name("alice"), name("bob")
    async with (
        make_client(shared_server.url, alice_name, tmp_path) as alice,
        make_client(shared_server.url, bob_name, tmp_path) as bob,
    ):
        await alice.register(PASSWORD)
        await bob.register(PASSWORD)
        inbox = bob.subscribe()
        conv = alice.conversation_with(bob_name)

        ack = await asyncio.wait_for(alice.send_message(conv, "hello bob"), 10)

        got = await next_matching(inbox, lambda e: isinstance(e, MessageEvent))
        assert isinstance(got, MessageEvent)
        assert (got.text, got.sender, got.seq) == ("hello bob", alice_name, ack.seq)
        history = await bob.request(rq.History(id="", conversation=conv))
        assert [(m.sender, m.text) for m in history.messages] == [(alice_name, "hello bob")]
        # Both local stores hold the same materialised message.
        assert [m.text for m in alice.store.timeline.messages(conv)] == ["hello bob"]
        assert [m.text for m in bob.store.timeline.messages(conv)] == ["hello bob"]
        assert alice.store.outbox.pending() == []


async def test_received_messages_are_confirmed_as_delivered_automatically(
    shared_server: ServerProcess, name: Callable[[str], str], tmp_path: Path
) -> None:
    """The sender learns its message reached the other device without the receiver acting."""
    alice_name, bob_name = name("alice"), name("bob")
    async with (
        make_client(shared_server.url, alice_name, tmp_path) as alice,
        make_client(shared_server.url, bob_name, tmp_path) as bob,
    ):
        await alice.register(PASSWORD)
        await bob.register(PASSWORD)
        events = alice.subscribe()
        ack = await asyncio.wait_for(
            alice.send_message(alice.conversation_with(bob_name), "hi"), 10
        )
        delivered = await next_matching(events, lambda e: isinstance(e, DeliveredEvent))
        assert isinstance(delivered, DeliveredEvent)
        assert (delivered.user, delivered.up_to) == (bob_name, ack.seq)
        marks = {m.username: m for m in alice.store.timeline.members(ack.conversation)}
        assert marks[bob_name].delivered_seq == ack.seq


async def test_contact_requests_reach_the_other_side(
    shared_server: ServerProcess, name: Callable[[str], str], tmp_path: Path
) -> None:
    """A contact request shows up for the other user, and accepting makes both sides contacts."""
    alice_name, bob_name = name("alice"), name("bob")
    async with (
        make_client(shared_server.url, alice_name, tmp_path) as alice,
        make_client(shared_server.url, bob_name, tmp_path) as bob,
    ):
        await alice.register(PASSWORD)
        await bob.register(PASSWORD)
        bob_events = bob.subscribe()
        sent = await alice.request(rq.ContactChange(id="", action="request", username=bob_name))
        assert sent.contact.state == "outgoing"
        incoming = await next_matching(bob_events, lambda e: isinstance(e, ContactEvent))
        assert isinstance(incoming, ContactEvent)
        assert (incoming.user, incoming.state) == (alice_name, "incoming")
        await bob.request(rq.ContactChange(id="", action="accept", username=alice_name))
        contacts = await alice.request(rq.ListContacts(id=""))
        assert [(c.username, c.state) for c in contacts.contacts] == [(bob_name, "accepted")]


async def test_login_on_a_second_client_resumes_the_same_account(
    shared_server: ServerProcess, name: Callable[[str], str], tmp_path: Path
) -> None:
    """Logging in elsewhere works with the password, and the token then resumes without it."""
    user = name("carol")
    async with make_client(shared_server.url, user, tmp_path / "one") as first:
        await first.register(PASSWORD)
    async with make_client(shared_server.url, user, tmp_path / "two") as second:
        result = await second.login(PASSWORD)
        assert result.token
        token = result.token
    async with make_client(shared_server.url, user, tmp_path / "three") as third:
        resumed = await third.authenticate(token)
        assert resumed.username == user
        assert third.state == ConnectionState.AUTHENTICATED


async def test_a_wrong_password_stops_the_background_sign_in_with_a_clear_error(
    shared_server: ServerProcess, name: Callable[[str], str], tmp_path: Path
) -> None:
    """Bad credentials are reported once, not retried forever."""
    user = name("dave")
    async with make_client(shared_server.url, user, tmp_path / "a") as owner:
        await owner.register(PASSWORD)
    async with make_client(shared_server.url, user, tmp_path / "b") as client:
        client.start(password="not the password")
        with pytest.raises(AuthenticationFailed) as info:
            await asyncio.wait_for(client.wait_ready(), 10)
        assert info.value.code == "invalid_credentials"
        assert client.state == ConnectionState.FAILED


async def test_error_replies_raise_protocol_errors_with_their_code(
    shared_server: ServerProcess, name: Callable[[str], str], tmp_path: Path
) -> None:
    """A refused request surfaces the server's stable code, and the connection stays usable."""
    user = name("erin")
    async with make_client(shared_server.url, user, tmp_path) as client:
        await client.register(PASSWORD)
        with pytest.raises(ProtocolError) as info:
            await client.request(
                rq.Send(id="", conversation="dm:nobody1:zzzz9", client_id="x", text="hi")
            )
        assert info.value.code in (ErrorCode.FORBIDDEN, ErrorCode.NOT_FOUND)
        assert (await client.request(rq.ListContacts(id=""))).contacts == []


async def test_a_message_the_server_refuses_is_marked_failed_not_retried(
    shared_server: ServerProcess, name: Callable[[str], str], tmp_path: Path
) -> None:
    """The outbox keeps a refused message as failed and moves on to the next one."""
    alice_name, bob_name = name("alice"), name("bob")
    async with (
        make_client(shared_server.url, alice_name, tmp_path) as alice,
        make_client(shared_server.url, bob_name, tmp_path) as bob,
    ):
        await alice.register(PASSWORD)
        await bob.register(PASSWORD)
        conv = alice.conversation_with(bob_name)
        events = alice.subscribe()
        assert alice.hello is not None
        too_long = "x" * (alice.hello.limits.max_text_chars + 1)
        bad = alice.queue_message(conv, too_long)
        good = alice.queue_message(conv, "this one is fine")
        with pytest.raises(ProtocolError):
            await asyncio.wait_for(alice.wait_for_ack(bad.client_id), 10)
        ack = await asyncio.wait_for(alice.wait_for_ack(good.client_id), 10)
        assert ack.seq == 1
        acked = await next_matching(events, lambda e: isinstance(e, MessageAcked))
        assert isinstance(acked, MessageAcked) and acked.client_id == good.client_id
        assert [e.client_id for e in alice.store.outbox.failed()] == [bad.client_id]
