"""The local timeline: events fold into messages exactly once, whatever the order."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from messenger.protocol.events import (
    DeleteEvent,
    EditEvent,
    MessageEvent,
    ReactionEvent,
    ReadEvent,
)
from messenger.store import Store

CONV = "dm:alice:bob"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "store.sqlite3") as s:
        yield s


def msg(seq: int, text: str = "hi", sender: str = "alice") -> MessageEvent:
    return MessageEvent(
        conversation=CONV, seq=seq, ts=1000.0 + seq, sender=sender, client_id=f"c{seq}", text=text
    )


def react(seq: int, sender: str, emoji: str, add: bool = True) -> ReactionEvent:
    return ReactionEvent(
        conversation=CONV, seq=seq, ts=float(seq), sender=sender, target=1, emoji=emoji, add=add
    )


def test_applying_the_same_event_twice_changes_nothing(store: Store) -> None:
    """A message replayed by sync after it was pushed is stored once."""
    assert store.timeline.apply(msg(1, "hello")) is True
    assert store.timeline.apply(msg(1, "hello")) is False
    assert [m.text for m in store.timeline.messages(CONV)] == ["hello"]


def test_a_replayed_edit_does_not_undo_a_newer_edit(store: Store) -> None:
    """Edits settle on the newest text even when an older one is applied again."""
    store.timeline.apply(msg(1, "v1"))
    old_edit = EditEvent(conversation=CONV, seq=2, ts=2.0, sender="alice", target=1, text="v2")
    store.timeline.apply(old_edit)
    store.timeline.apply(
        EditEvent(conversation=CONV, seq=3, ts=3.0, sender="alice", target=1, text="v3")
    )
    store.timeline.apply(old_edit)
    view = store.timeline.message(CONV, 1)
    assert view is not None
    assert (view.text, view.edited) == ("v3", True)


def test_delete_blanks_the_message_and_later_edits_cannot_revive_it(store: Store) -> None:
    """A deleted message stays deleted, even if an older edit arrives late."""
    store.timeline.apply(msg(1, "secret"))
    store.timeline.apply(DeleteEvent(conversation=CONV, seq=3, ts=3.0, sender="alice", target=1))
    store.timeline.apply(
        EditEvent(conversation=CONV, seq=2, ts=2.0, sender="alice", target=1, text="again")
    )
    view = store.timeline.message(CONV, 1)
    assert view is not None
    assert (view.text, view.deleted) == ("", True)


def test_reactions_are_summed_per_emoji_and_removed_by_the_latest_event(store: Store) -> None:
    """Reactions show who reacted with what; a removal applied late is not undone by a replay."""
    store.timeline.apply(msg(1))
    add = react(2, "bob", "👍", True)
    store.timeline.apply(add)
    store.timeline.apply(react(3, "alice", "👍", True))
    store.timeline.apply(react(4, "bob", "👍", False))
    store.timeline.apply(add)  # replay of the older add
    view = store.timeline.message(CONV, 1)
    assert view is not None
    assert view.reactions == {"👍": ["alice"]}


def test_reactions_applied_before_their_message_show_up_when_it_arrives(store: Store) -> None:
    """Out-of-order application still ends in the server's state."""
    store.timeline.apply(react(2, "bob", "🎉", True))
    store.timeline.apply(msg(1))
    view = store.timeline.message(CONV, 1)
    assert view is not None
    assert view.reactions == {"🎉": ["bob"]}


def test_synced_seq_moves_only_over_contiguous_events(store: Store) -> None:
    """The resume point never skips an event that has not been applied."""
    store.timeline.apply(msg(1))
    store.timeline.apply(msg(3))
    assert store.timeline.synced_seq(CONV) == 1
    store.timeline.apply(msg(2))
    assert store.timeline.synced_seq(CONV) == 3


def test_a_final_sync_page_moves_the_resume_point_to_the_head(store: Store) -> None:
    """Events hidden from us (blocked senders) leave holes that the server's head covers."""
    new = store.timeline.apply_sync_page(CONV, [msg(1), msg(4)], last_seq=6, has_more=False)
    assert [e.seq for e in new] == [1, 4]
    assert store.timeline.synced_seq(CONV) == 6
    again = store.timeline.apply_sync_page(CONV, [msg(1), msg(4)], last_seq=6, has_more=False)
    assert again == []


def test_read_markers_only_move_forward(store: Store) -> None:
    """A late read event never makes read messages unread again."""
    store.timeline.apply(msg(1))
    store.timeline.apply(msg(2))
    store.timeline.apply(ReadEvent(conversation=CONV, seq=4, ts=4.0, sender="bob", up_to=2))
    store.timeline.apply(ReadEvent(conversation=CONV, seq=3, ts=3.0, sender="bob", up_to=1))
    store.timeline.mark_delivered(CONV, "bob", 2)
    store.timeline.mark_delivered(CONV, "bob", 1)
    (bob,) = store.timeline.members(CONV)
    assert (bob.read_seq, bob.delivered_seq) == (2, 2)


def test_history_pages_are_oldest_first(store: Store) -> None:
    """Paging backwards returns each page in reading order."""
    for seq in range(1, 8):
        store.timeline.apply(msg(seq, f"m{seq}"))
    assert [m.seq for m in store.timeline.messages(CONV, limit=3)] == [5, 6, 7]
    assert [m.seq for m in store.timeline.messages(CONV, before=5, limit=3)] == [2, 3, 4]
