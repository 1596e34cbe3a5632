"""The outbox keeps unsent requests in order, across restarts, until acknowledged."""

from __future__ import annotations

from pathlib import Path

from messenger.protocol.results import SendResult
from messenger.store import Store

CONV = "dm:alice:bob"


def test_entries_come_back_in_the_order_they_were_made(tmp_path: Path) -> None:
    """Messages go out in the order the user typed them."""
    with Store.open(tmp_path / "s.sqlite3") as store:
        for i in range(5):
            store.outbox.enqueue_send(CONV, f"m{i}")
        assert [e.payload["text"] for e in store.outbox.pending()] == [f"m{i}" for i in range(5)]


def test_the_outbox_survives_closing_the_store(tmp_path: Path) -> None:
    """A message queued before a crash or quit is still there on the next start."""
    path = tmp_path / "s.sqlite3"
    with Store.open(path) as store:
        entry = store.outbox.enqueue_send(CONV, "offline message", reply_to=3)
    with Store.open(path) as store:
        (again,) = store.outbox.pending()
    assert again.client_id == entry.client_id
    assert again.payload == {"text": "offline message", "reply_to": 3}


def test_an_ack_moves_the_message_into_the_timeline_and_out_of_the_outbox(tmp_path: Path) -> None:
    """Once acknowledged, the message shows as ours with the server's seq, and is not resent."""
    with Store.open(tmp_path / "s.sqlite3") as store:
        first = store.outbox.enqueue_send(CONV, "one")
        second = store.outbox.enqueue_send(CONV, "two")
        ack = SendResult(conversation=CONV, seq=1, ts=10.0, client_id=first.client_id)
        store.outbox.acknowledge_send(first, ack, sender="alice")
        assert [e.client_id for e in store.outbox.pending()] == [second.client_id]
        (view,) = store.timeline.messages(CONV)
        assert (view.seq, view.sender, view.text) == (1, "alice", "one")
        assert store.timeline.synced_seq(CONV) == 1


def test_failed_entries_stop_blocking_the_queue_but_stay_visible(tmp_path: Path) -> None:
    """A message the server refused for good is shown as failed, and the rest still go out."""
    with Store.open(tmp_path / "s.sqlite3") as store:
        bad = store.outbox.enqueue_send(CONV, "x" * 10)
        good = store.outbox.enqueue_send(CONV, "fine")
        store.outbox.record_attempt(bad.client_id)
        store.outbox.mark_failed(bad.client_id, "too_large", "text too long")
        assert [e.client_id for e in store.outbox.pending()] == [good.client_id]
        (failed,) = store.outbox.failed()
        assert (failed.error_code, failed.attempts) == ("too_large", 1)
        store.outbox.retry(bad.client_id)
        assert [e.client_id for e in store.outbox.pending()] == [bad.client_id, good.client_id]
