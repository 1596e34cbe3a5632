"""The rows of a chat: day separators and messages, and what the delegate needs to draw one.

A row's ``key`` stays the same for the life of what it shows: a message keeps its key from the
moment it is typed (an outbox entry) through its acknowledgement (a stored message), so the
view can keep its place and the delegate its cached layout across that change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

from messenger.protocol.results import CallSummary, MessageView
from messenger.store.outbox import OutboxEntry
from messenger.store.transfers import TransferRecord
from messenger.ui.files.card import FileCard


def day_of(ts: float) -> dt.date:
    """The local calendar day of a server timestamp."""
    return dt.datetime.fromtimestamp(ts).date()


@dataclass(frozen=True, slots=True)
class Row:
    key: str
    day: dt.date
    # Day separators have neither; a message row always has ``message``, and ``pending`` too
    # while it waits in the outbox (``message.seq`` is then 0).
    message: MessageView | None = None
    pending: OutboxEntry | None = None
    # Fetched from the server's history, not held in the local store.
    from_server: bool = False
    # A file still uploading: its message enters the outbox (same key) once the bytes are in.
    upload: TransferRecord | None = None

    @property
    def is_local(self) -> bool:
        """Not stored on the server yet: an outbox entry or a file being uploaded."""
        return self.pending is not None or self.upload is not None

    @property
    def is_day(self) -> bool:
        return self.message is None

    @property
    def seq(self) -> int:
        return 0 if self.message is None else self.message.seq


def message_key(sender: str, client_id: str) -> str:
    return f"m:{sender}:{client_id}"


def message_row(view: MessageView, *, from_server: bool = False) -> Row:
    # A room's membership and settings entries have no client id: their seq names them.
    key = message_key(view.sender, view.client_id) if view.client_id else f"n:{view.seq}"
    return Row(
        key=key,
        day=day_of(view.ts),
        message=view,
        from_server=from_server,
    )


def pending_row(entry: OutboxEntry, sender: str) -> Row:
    """An outbox entry shown as the message it will become."""
    reply_to = entry.payload.get("reply_to")
    view = MessageView(
        conversation=entry.conversation,
        seq=0,
        ts=entry.created_at,
        sender=sender,
        client_id=entry.client_id,
        text=str(entry.payload.get("text", "")),
        reply_to=reply_to if isinstance(reply_to, int) else None,
        file=entry.file,
    )
    return Row(
        key=message_key(sender, entry.client_id), day=day_of(view.ts), message=view, pending=entry
    )


def upload_row(record: TransferRecord, sender: str) -> Row:
    """A file being uploaded, shown as the message it will become (its file on the row)."""
    client_id = record.client_id or f"upload-{record.id}"
    view = MessageView(
        conversation=record.conversation,
        seq=0,
        ts=record.created_at,
        sender=sender,
        client_id=client_id,
        text=record.caption,
        reply_to=record.reply_to,
    )
    return Row(key=message_key(sender, client_id), day=day_of(view.ts), message=view, upload=record)


def day_row(day: dt.date) -> Row:
    return Row(key=f"d:{day.isoformat()}", day=day)


def with_days(rows: Iterable[Row], previous: dt.date | None) -> Iterator[Row]:
    """``rows`` with a day separator before the first message of each new day."""
    for row in rows:
        if row.day != previous:
            yield day_row(row.day)
            previous = row.day
        yield row


class Quote(NamedTuple):
    """The message a reply answers, as the reply shows it."""

    seq: int
    sender_name: str
    text: str  # its first line, or a note that it was deleted or is not available


class Reaction(NamedTuple):
    emoji: str
    users: int
    mine: bool
    names: str  # who reacted, for the tooltip


class MessageInfo(NamedTuple):
    """Everything the delegate draws for one message; equal infos draw identically."""

    key: str
    own: bool
    sender_name: str
    text: str
    ts: float
    state: str  # "" for others' messages; sending, failed, sent, delivered or read
    edited: bool
    deleted: bool
    quote: Quote | None
    reactions: tuple[Reaction, ...]
    continues: bool  # same sender as the message above, shortly before: no name, less space
    error: str  # why the server refused it (failed outbox entries)
    call: CallSummary | None = None  # a call's history entry: ``text`` says how it went
    file: FileCard | None = None  # a file message's card; ``text`` is then its caption
    # In a room: the sender's username (its colour and avatar), drawn beside others' bubbles.
    room_sender: str = ""
    mentions: frozenset[str] = frozenset()  # usernames whose ``@name`` is drawn as a mention
    mentions_me: bool = False  # the message mentions me: its bubble is tinted and marked
    seen_by: tuple[str, ...] = ()  # one's own room message: the names of who has read it
    notice: bool = False  # a room's membership or settings entry: ``text`` is its sentence
