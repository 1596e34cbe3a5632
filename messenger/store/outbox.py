"""Requests waiting for the server's acknowledgement, in the order the user made them.

An entry is written (durably) before the first send attempt, so a message typed
while offline, or in flight when the client crashed, survives and goes out on
the next connection. It leaves the outbox only when its acknowledgement is
applied, in the same transaction that records the message in the timeline.
Resending is safe: the server answers a repeated ``client_id`` with the
original acknowledgement.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import msgspec

from messenger.protocol.events import MessageEvent
from messenger.protocol.files import FileRef
from messenger.protocol.results import SendResult
from messenger.store.database import Database
from messenger.store.timeline import Timeline

SEND = "send"


class OutboxEntry(msgspec.Struct, frozen=True, kw_only=True):
    id: int  # local, increasing: the send order
    client_id: str
    conversation: str
    kind: str  # the request type, e.g. "send"
    payload: dict[str, Any]  # the request's fields other than id/type/conversation/client_id
    created_at: float
    attempts: int = 0
    # Set when the server refused the entry for good (forbidden, too large...):
    # it stays for the user to see and is no longer sent.
    error_code: str | None = None
    error_message: str | None = None

    @property
    def file(self) -> FileRef | None:
        """A file message's file (kept in the payload as JSON)."""
        raw = self.payload.get("file")
        return None if raw is None else msgspec.convert(raw, FileRef)


_COLUMNS = (
    "id, client_id, conversation, kind, payload, created_at, attempts, error_code, error_message"
)


def _entry(row: Any) -> OutboxEntry:
    return OutboxEntry(
        id=row["id"],
        client_id=row["client_id"],
        conversation=row["conversation"],
        kind=row["kind"],
        payload=msgspec.json.decode(row["payload"]),
        created_at=row["created_at"],
        attempts=row["attempts"],
        error_code=row["error_code"],
        error_message=row["error_message"],
    )


def new_client_id() -> str:
    return uuid.uuid4().hex


class Outbox:
    def __init__(self, db: Database, timeline: Timeline) -> None:
        self._db = db
        self._timeline = timeline

    def enqueue(
        self,
        kind: str,
        conversation: str,
        payload: dict[str, Any],
        *,
        client_id: str | None = None,
    ) -> OutboxEntry:
        cid = client_id or new_client_id()
        with self._db.transaction(durable=True) as conn:
            conn.execute(
                "INSERT INTO outbox(client_id, conversation, kind, payload, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (cid, conversation, kind, msgspec.json.encode(payload).decode(), time.time()),
            )
        entry = self.get(cid)
        assert entry is not None  # just inserted in this process
        return entry

    def enqueue_send(
        self,
        conversation: str,
        text: str,
        *,
        reply_to: int | None = None,
        client_id: str | None = None,
        file: FileRef | None = None,
    ) -> OutboxEntry:
        payload: dict[str, Any] = {"text": text, "reply_to": reply_to}
        if file is not None:
            payload["file"] = msgspec.to_builtins(file)
        return self.enqueue(SEND, conversation, payload, client_id=client_id)

    def get(self, client_id: str) -> OutboxEntry | None:
        row = self._db.conn.execute(
            f"SELECT {_COLUMNS} FROM outbox WHERE client_id = ?", (client_id,)
        ).fetchone()
        return None if row is None else _entry(row)

    def pending(self) -> list[OutboxEntry]:
        """Entries still to send, oldest first."""
        rows = self._db.conn.execute(
            f"SELECT {_COLUMNS} FROM outbox WHERE error_code IS NULL ORDER BY id"
        )
        return [_entry(r) for r in rows]

    def failed(self) -> list[OutboxEntry]:
        rows = self._db.conn.execute(
            f"SELECT {_COLUMNS} FROM outbox WHERE error_code IS NOT NULL ORDER BY id"
        )
        return [_entry(r) for r in rows]

    def record_attempt(self, client_id: str) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "UPDATE outbox SET attempts = attempts + 1 WHERE client_id = ?", (client_id,)
            )

    def mark_failed(self, client_id: str, code: str, message: str) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "UPDATE outbox SET error_code = ?, error_message = ? WHERE client_id = ?",
                (code, message, client_id),
            )

    def retry(self, client_id: str) -> None:
        """Put a failed entry back in line (it keeps its place in the order)."""
        with self._db.transaction() as conn:
            conn.execute(
                "UPDATE outbox SET error_code = NULL, error_message = NULL WHERE client_id = ?",
                (client_id,),
            )

    def discard(self, client_id: str) -> None:
        with self._db.transaction() as conn:
            conn.execute("DELETE FROM outbox WHERE client_id = ?", (client_id,))

    def acknowledge_send(self, entry: OutboxEntry, ack: SendResult, sender: str) -> MessageEvent:
        """Record the acknowledged message as our own and drop the entry, atomically."""
        event = MessageEvent(
            conversation=ack.conversation,
            seq=ack.seq,
            ts=ack.ts,
            sender=sender,
            client_id=ack.client_id,
            text=str(entry.payload.get("text", "")),
            reply_to=entry.payload.get("reply_to"),
            file=entry.file,
        )
        with self._db.transaction(durable=True) as conn:
            self._timeline.apply(event)
            conn.execute("DELETE FROM outbox WHERE client_id = ?", (entry.client_id,))
        return event
