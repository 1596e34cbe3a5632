"""The chat model on a local store with crafted history: day separators, paging through a long
conversation in a bounded window, and changes folded in without a reset."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from messenger.protocol.events import EditEvent, MessageEvent, ReactionEvent, ReadEvent
from messenger.protocol.results import Member, SendResult
from messenger.ui.chat.model import ChatModel
from messenger.ui.session import AccountSession
from tests.clientkit import make_client

ME = "alice"
PEER = "bob"
CONV = "dm:alice:bob"


@pytest.fixture
def session(qapp: QApplication, tmp_path: Path) -> Iterator[AccountSession]:
    """An account that never connects: the model reads only its local store."""
    client = make_client("ws://127.0.0.1:9/ws", ME, tmp_path)
    account = AccountSession(client)
    client.store.timeline.update_members(
        CONV,
        [
            Member(username=ME, read_seq=0, delivered_seq=0),
            Member(username=PEER, read_seq=0, delivered_seq=0),
        ],
    )
    yield account
    client.store.close()


def at(day: dt.date, hour: int) -> float:
    return dt.datetime.combine(day, dt.time(hour)).timestamp()


def add(session: AccountSession, seq: int, text: str, *, ts: float, sender: str = PEER) -> None:
    session.store.timeline.apply(
        MessageEvent(
            conversation=CONV, seq=seq, ts=ts, sender=sender, client_id=f"c{seq}", text=text
        )
    )


def shown(model: ChatModel) -> list[str]:
    return [str(model.index(i).data()) for i in range(model.rowCount())]


def seqs(model: ChatModel) -> list[int]:
    return [m.seq for m in model.messages()]


def test_day_separators_go_before_each_new_day(session: AccountSession) -> None:
    """Messages from two days show a separator before each day; recent days read as words."""
    today = dt.date.today()
    yesterday = today - dt.timedelta(days=1)
    long_ago = dt.date(2020, 3, 1)
    add(session, 1, "old", ts=at(long_ago, 9))
    add(session, 2, "first", ts=at(yesterday, 10))
    add(session, 3, "second", ts=at(yesterday, 11))
    add(session, 4, "third", ts=at(today, 9))

    model = ChatModel(session, CONV)

    rows = shown(model)
    assert rows[2:] == ["Yesterday", "first", "second", "Today", "third"]
    assert "2020" in rows[0] and rows[1] == "old"


def test_older_pages_load_in_order_within_a_bounded_window(session: AccountSession) -> None:
    """Scrolling up through 1,000 messages pages them in without duplicates, and back down again."""
    start = at(dt.date.today() - dt.timedelta(days=3), 8)
    for seq in range(1, 1001):
        add(session, seq, f"message {seq}", ts=start + seq * 200)
    model = ChatModel(session, CONV, page_size=50, window=200)
    assert seqs(model) == list(range(951, 1001))

    while model.load_older():
        loaded = seqs(model)
        assert loaded == sorted(set(loaded))
        assert model.rowCount() <= 200 + 50 + 10
    assert model.at_oldest and seqs(model)[0] == 1
    assert not model.at_newest

    while model.load_newer():
        loaded = seqs(model)
        assert loaded == list(range(loaded[0], loaded[-1] + 1))
    assert model.at_newest and seqs(model)[-1] == 1000
    days = [r for r in shown(model) if not r.startswith("message")]
    assert len(days) == len(set(days))


def test_changes_are_folded_in_without_a_reset(session: AccountSession) -> None:
    """A new message, an edit, a reaction and a read receipt update rows in place."""
    now = dt.datetime.now().timestamp()
    add(session, 1, "hi", ts=now - 60, sender=ME)
    add(session, 2, "hello", ts=now - 30)
    model = ChatModel(session, CONV)
    resets: list[bool] = []
    model.modelReset.connect(lambda: resets.append(True))
    assert model.index(1).data(ChatModel.StateRole) == "sent"

    add(session, 3, "how are you?", ts=now)
    timeline = session.store.timeline
    timeline.apply(
        EditEvent(conversation=CONV, seq=4, ts=now, sender=PEER, target=2, text="hello!")
    )
    timeline.apply(
        ReactionEvent(conversation=CONV, seq=5, ts=now, sender=PEER, target=1, emoji="👍", add=True)
    )
    timeline.apply(ReadEvent(conversation=CONV, seq=6, ts=now, sender=PEER, up_to=3))
    model.refresh()

    assert not resets
    assert shown(model)[1:] == ["hi", "hello!", "how are you?"]
    mine = model.info(1)
    assert (
        mine is not None
        and mine.state == "read"
        and [(r.emoji, r.users) for r in mine.reactions] == [("👍", 1)]
    )
    edited = model.info(2)
    assert edited is not None and edited.edited


def test_outbox_entry_becomes_the_stored_message_in_place(session: AccountSession) -> None:
    """A queued message shows as sending, then failed, and once acknowledged keeps its row."""
    model = ChatModel(session, CONV)
    entry = session.store.outbox.enqueue_send(CONV, "on my way")
    model.refresh()
    last = model.rowCount() - 1
    assert model.index(last).data() == "on my way"
    assert model.index(last).data(ChatModel.StateRole) == "sending"

    session.store.outbox.mark_failed(entry.client_id, "rate_limited", "Too many messages")
    model.refresh()
    failed = model.info(last)
    assert failed is not None and failed.state == "failed" and failed.error == "Too many messages"

    inserted: list[int] = []
    model.rowsInserted.connect(lambda _p, first, _l: inserted.append(first))
    ack = SendResult(conversation=CONV, seq=1, ts=entry.created_at, client_id=entry.client_id)
    session.store.outbox.acknowledge_send(entry, ack, ME)
    model.refresh()

    assert not inserted
    assert model.rowCount() == last + 1
    assert model.index(last).data(ChatModel.StateRole) == "sent"
    assert model.index(last).data(ChatModel.SeqRole) == 1


def test_replies_quote_the_first_line_of_the_answered_message(session: AccountSession) -> None:
    """A reply carries its quote: who wrote the answered message and its first line."""
    now = dt.datetime.now().timestamp()
    add(session, 1, "Are you coming?\nIt starts at 8", ts=now - 10)
    session.store.timeline.apply(
        MessageEvent(
            conversation=CONV, seq=2, ts=now, sender=ME, client_id="r", text="Yes", reply_to=1
        )
    )
    model = ChatModel(session, CONV)
    info = model.info(model.rowCount() - 1)
    assert info is not None and info.quote is not None
    assert (info.quote.sender_name, info.quote.text) == (PEER, "Are you coming?")
    spoken = model.index(model.rowCount() - 1).data(Qt.ItemDataRole.AccessibleTextRole)
    assert "in reply to bob" in spoken


def test_reactions_summary_is_the_stores(session: AccountSession) -> None:
    """Reaction chips count each emoji once per person and know one's own."""
    now = dt.datetime.now().timestamp()
    add(session, 1, "party tonight", ts=now)
    for seq, who in ((2, PEER), (3, ME)):
        session.store.timeline.apply(
            ReactionEvent(
                conversation=CONV, seq=seq, ts=now, sender=who, target=1, emoji="🎉", add=True
            )
        )
    model = ChatModel(session, CONV)
    info = model.info(1)
    assert info is not None
    assert [(r.emoji, r.users, r.mine) for r in info.reactions] == [("🎉", 2, True)]
