"""Call history entries in the local store: listed like messages, with their summary."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from messenger.protocol.events import CallEvent, MessageEvent
from messenger.protocol.results import CallSummary
from messenger.store import Store

CONV = "dm:alice:bob"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "store.sqlite3") as s:
        yield s


def call_event(seq: int, outcome: str = "answered", duration: float = 0.0) -> CallEvent:
    return CallEvent(
        conversation=CONV,
        seq=seq,
        ts=1000.0 + seq,
        sender="alice",
        call_id=f"call{seq}",
        video=True,
        outcome=outcome,  # type: ignore[arg-type]
        duration=duration,
    )


def test_a_call_entry_is_listed_between_messages_with_its_summary(store: Store) -> None:
    """Answered, missed and declined calls show in order with outcome, video and duration."""
    store.timeline.apply(
        MessageEvent(conversation=CONV, seq=1, ts=1.0, sender="bob", client_id="m1", text="hi")
    )
    assert store.timeline.apply(call_event(2, "answered", 192.5))
    assert store.timeline.apply(call_event(3, "missed"))
    assert not store.timeline.apply(call_event(3, "missed"))  # replayed by sync: stored once
    views = store.timeline.messages(CONV)
    assert [v.seq for v in views] == [1, 2, 3]
    assert views[0].call is None
    assert views[1].call == CallSummary(video=True, outcome="answered", duration=192.5)
    assert (views[1].client_id, views[1].text, views[1].sender) == ("call2", "", "alice")
    last = store.timeline.last_message(CONV)
    assert last is not None and last.call is not None and last.call.outcome == "missed"
    assert store.timeline.synced_seq(CONV) == 3
    assert [m.seq for m in store.search("hi")] == [1]  # entries do not disturb search
