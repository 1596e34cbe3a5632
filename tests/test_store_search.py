"""Full-text search over local history follows edits and deletes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from messenger.protocol.events import DeleteEvent, EditEvent, MessageEvent
from messenger.store import Store

CONV = "dm:alice:bob"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "store.sqlite3") as s:
        yield s


def put(store: Store, seq: int, text: str, conversation: str = CONV) -> None:
    store.timeline.apply(
        MessageEvent(
            conversation=conversation,
            seq=seq,
            ts=float(seq),
            sender="alice",
            client_id=f"{conversation}{seq}",
            text=text,
        )
    )


def test_search_finds_messages_by_words_and_prefix(store: Store) -> None:
    """Typing part of a word finds the message; unrelated messages stay out."""
    put(store, 1, "Let's meet at the café tomorrow")
    put(store, 2, "bring the slides")
    assert [m.seq for m in store.search("cafe tomor")] == [1]
    assert [m.seq for m in store.search("slides")] == [2]
    assert store.search("nothing") == []


def test_search_treats_operators_in_user_input_as_text(store: Store) -> None:
    """Quotes and FTS syntax in a query do not raise."""
    put(store, 1, "what about AND or NOT")
    assert [m.seq for m in store.search('"AND NOT')] == [1]
    assert store.search("   ") == []


def test_deleted_messages_leave_the_index(store: Store) -> None:
    """After a delete, its words are no longer findable."""
    put(store, 1, "confidential plan")
    store.timeline.apply(DeleteEvent(conversation=CONV, seq=2, ts=2.0, sender="alice", target=1))
    assert store.search("confidential") == []


def test_edits_replace_the_indexed_text(store: Store) -> None:
    """Search sees the edited text, not the original."""
    put(store, 1, "typo teh")
    store.timeline.apply(
        EditEvent(conversation=CONV, seq=2, ts=2.0, sender="alice", target=1, text="fixed the")
    )
    assert store.search("teh") == []
    assert [m.text for m in store.search("fixed")] == ["fixed the"]


def test_search_can_be_limited_to_one_conversation(store: Store) -> None:
    """A search inside a chat ignores other chats."""
    put(store, 1, "hello there")
    put(store, 1, "hello elsewhere", conversation="dm:alice:carol")
    found = store.search("hello", conversation="dm:alice:carol")
    assert [m.conversation for m in found] == ["dm:alice:carol"]
