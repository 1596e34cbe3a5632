"""Nothing lost, duplicated or reordered across server crashes and client restarts."""

from __future__ import annotations

import asyncio
from pathlib import Path

from messenger.client import ConnectionState, ConnectionStateChanged, MessageAcked
from messenger.protocol import requests as rq
from messenger.protocol.events import MessageEvent
from messenger.protocol.results import MessageView
from tests.clientkit import PASSWORD, eventually, make_client, next_matching
from tests.serverproc import ServerProcess


async def server_history(
    url: str, username: str, root: Path, conversation: str
) -> list[MessageView]:
    """Everything the server holds for ``conversation``, oldest first, read by a fresh client."""
    async with make_client(url, username, root / "reader") as reader:
        await reader.login(PASSWORD)
        messages: list[MessageView] = []
        before: int | None = None
        while True:
            page = await reader.request(
                rq.History(id="", conversation=conversation, before=before, limit=200)
            )
            messages[:0] = page.messages
            if not page.has_more or not page.messages:
                return messages
            before = page.messages[0].seq


async def test_messages_in_flight_during_a_server_crash_are_stored_exactly_once_in_order(
    server: ServerProcess, tmp_path: Path
) -> None:
    """SIGKILL the server mid-stream: acknowledged messages survive, the rest are resent, once."""
    async with (
        make_client(server.url, "alice", tmp_path) as alice,
        make_client(server.url, "bob", tmp_path) as bob,
    ):
        await alice.register(PASSWORD)
        await bob.register(PASSWORD)
        conv = alice.conversation_with("bob")
        events = alice.subscribe()
        texts = [f"message {i:03d}" for i in range(60)]
        for text in texts[:40]:
            alice.queue_message(conv, text)

        acked_before_crash: list[str] = []
        async with asyncio.timeout(20):
            while len(acked_before_crash) < 8:
                event = await events.get()
                if isinstance(event, MessageAcked):
                    acked_before_crash.append(event.client_id)
        server.kill()  # the next send is on the wire or about to be
        # Typed while the server is down: queued, sent after the restart.
        for text in texts[40:]:
            alice.queue_message(conv, text)
        await asyncio.sleep(0.3)
        server.start()

        await eventually(lambda: not alice.store.outbox.pending(), within=30)
        history = await server_history(server.url, "alice", tmp_path, conv)
        assert [m.text for m in history] == texts  # every one, once, in the order typed
        assert [m.seq for m in history] == list(range(1, len(texts) + 1))
        stored = {m.client_id for m in history}
        assert set(acked_before_crash) <= stored
        assert alice.store.outbox.failed() == []
        # Bob's device caught up through sync, with the same order.
        await eventually(lambda: len(bob.store.timeline.messages(conv, limit=100)) == len(texts))
        assert [m.text for m in bob.store.timeline.messages(conv, limit=100)] == texts


async def test_reconnect_signs_in_again_and_syncs_what_was_missed(
    server: ServerProcess, tmp_path: Path
) -> None:
    """After a server restart the client reconnects by itself and catches up on missed messages."""
    async with (
        make_client(server.url, "alice", tmp_path) as alice,
        make_client(server.url, "bob", tmp_path) as bob,
    ):
        await alice.register(PASSWORD)
        await bob.register(PASSWORD)
        conv = alice.conversation_with("bob")
        await asyncio.wait_for(alice.send_message(conv, "before the crash"), 10)
        await eventually(lambda: len(bob.store.timeline.messages(conv)) == 1)
        states = bob.subscribe()

        server.kill()
        await next_matching(
            states,
            lambda e: isinstance(e, ConnectionStateChanged) and e.new == "disconnected",
        )
        server.start()
        await asyncio.wait_for(alice.wait_synced(), 15)
        await asyncio.wait_for(alice.send_message(conv, "after the restart"), 10)

        got = await next_matching(
            states, lambda e: isinstance(e, MessageEvent) and e.text == "after the restart", 15
        )
        assert isinstance(got, MessageEvent)
        assert bob.state == ConnectionState.AUTHENTICATED
        assert [m.text for m in bob.store.timeline.messages(conv)] == [
            "before the crash",
            "after the restart",
        ]


async def test_an_offline_device_gets_everything_when_it_comes_back(
    server: ServerProcess, tmp_path: Path
) -> None:
    """Messages sent while a user was offline arrive through sync on their next start."""
    async with make_client(server.url, "bob", tmp_path) as bob:
        await bob.register(PASSWORD)
    async with make_client(server.url, "alice", tmp_path) as alice:
        await alice.register(PASSWORD)
        conv = alice.conversation_with("bob")
        for i in range(5):
            await asyncio.wait_for(alice.send_message(conv, f"while you were out {i}"), 10)

    # A new client on bob's existing store, signing in with the password only.
    async with make_client(server.url, "bob", tmp_path, sync_page=2) as bob:
        events = bob.subscribe()
        bob.start(password=PASSWORD)
        await asyncio.wait_for(bob.wait_synced(), 15)
        texts = [m.text for m in bob.store.timeline.messages(conv)]
        assert texts == [f"while you were out {i}" for i in range(5)]
        received: list[int] = []
        while len(received) < 5:
            event = await next_matching(events, lambda e: isinstance(e, MessageEvent))
            assert isinstance(event, MessageEvent)
            received.append(event.seq)
        assert received == [1, 2, 3, 4, 5]  # each reported once, in order


async def test_the_outbox_survives_a_client_restart(server: ServerProcess, tmp_path: Path) -> None:
    """Messages queued while the server was unreachable go out from the next client on the store."""
    async with make_client(server.url, "bob", tmp_path) as bob:
        await bob.register(PASSWORD)
    async with make_client(server.url, "alice", tmp_path) as alice:
        await alice.register(PASSWORD)
    conv = "dm:alice:bob"

    server.kill()
    async with make_client(server.url, "alice", tmp_path) as offline:
        offline.start(password=PASSWORD)
        for i in range(3):
            offline.queue_message(conv, f"queued {i}")
        await asyncio.sleep(0.2)
        assert offline.state != ConnectionState.AUTHENTICATED
    server.start()

    async with make_client(server.url, "alice", tmp_path) as alice:
        assert len(alice.store.outbox.pending()) == 3
        alice.start(password=PASSWORD)
        await eventually(lambda: not alice.store.outbox.pending(), within=15)
        assert [m.text for m in alice.store.timeline.messages(conv)] == [
            f"queued {i}" for i in range(3)
        ]
    history = await server_history(server.url, "alice", tmp_path, conv)
    assert [m.text for m in history] == [f"queued {i}" for i in range(3)]


async def test_a_message_stored_before_its_ack_was_lost_is_not_stored_twice(
    server: ServerProcess, tmp_path: Path
) -> None:
    """The client crashed after the server stored a message but before the ack was applied."""
    async with make_client(server.url, "bob", tmp_path) as bob:
        await bob.register(PASSWORD)
    async with make_client(server.url, "alice", tmp_path) as alice:
        await alice.register(PASSWORD)
        conv = alice.conversation_with("bob")
        # What the crashed process had done: persisted the entry and sent it once.
        entry = alice.store.outbox.enqueue_send(conv, "sent once")
        await alice.request(
            rq.Send(id="", conversation=conv, client_id=entry.client_id, text="sent once")
        )
    async with make_client(server.url, "alice", tmp_path) as alice:
        alice.start(password=PASSWORD)
        ack = await asyncio.wait_for(alice.wait_for_ack(entry.client_id), 15)
        assert ack.seq == 1
    history = await server_history(server.url, "alice", tmp_path, conv)
    assert [(m.seq, m.text) for m in history] == [(1, "sent once")]
