"""The UI's account object against a real server: signals a view relies on."""

from __future__ import annotations

from collections.abc import Callable

from tests.clientkit import eventually
from tests.ui.conftest import SessionFactory


async def test_message_reaches_the_peer_and_shows_as_read(
    sessions: SessionFactory, name: Callable[[str], str]
) -> None:
    """A sent message arrives at the contact, and turns 'read' once the contact opens the chat."""
    alice = await sessions(name("alice"))
    bob = await sessions(name("bob"), contacts=(alice,))
    received: list[object] = []
    bob.message_received.connect(received.append)
    conversation = alice.conversation_with(bob.username)

    alice.send_text(conversation, "hello bob")
    await eventually(lambda: len(received) == 1)
    assert bob.store.timeline.unread_count(conversation, bob.username) == 1

    bob.mark_read(conversation)
    view = alice.store.timeline.last_message(conversation)
    assert view is not None and view.text == "hello bob"
    await eventually(lambda: bob.store.timeline.unread_count(conversation, bob.username) == 0)
    await eventually(lambda: alice.delivery_state(view) == "read")
    await eventually(lambda: bob.store.timeline.unread_count(conversation, bob.username) == 0)
