"""Uploads and downloads in progress, kept until done so they resume after a restart.

A row is written before the first byte moves. An upload's row learns its ``sha256`` once
the file is hashed and its ``file_id`` once the server created the upload; from then on a
restart asks the server for its offset and sends only the rest. When the last byte is
in, the file message enters the outbox in the same transaction that marks the upload
done, so the message is sent exactly once whatever happens in between.
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any, Literal

import msgspec

from messenger.protocol.files import FileRef
from messenger.store.database import Database
from messenger.store.outbox import Outbox

TransferKind = Literal["upload", "download"]
# active: to be (or being) transferred; paused by the user; done; failed for good.
StoredState = Literal["active", "paused", "done", "failed"]


class TransferRecord(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    kind: TransferKind
    state: StoredState
    conversation: str  # upload: where the message goes; download: where it came from, or ""
    name: str
    size: int
    mime: str
    sha256: str | None  # upload: None until hashed
    file_id: str | None  # upload: None until the server created the upload
    path: str  # upload: the source file; download: the destination (the final one once done)
    part_path: str | None  # download: where bytes arrive until verified
    source_mtime_ns: int | None  # upload: the source's mtime when hashed
    client_id: str | None  # upload: the file message's client id
    caption: str
    reply_to: int | None
    thumbnail: bytes | None
    done_bytes: int
    error_code: str | None
    error_message: str | None
    created_at: float
    updated_at: float

    def file_ref(self) -> FileRef:
        """The reference a message carries (or, for a download, the one it names)."""
        if self.file_id is None or self.sha256 is None:
            raise ValueError(f"transfer {self.id} has no file id or hash yet")
        return FileRef(
            file_id=self.file_id,
            name=self.name,
            size=self.size,
            sha256=self.sha256,
            mime=self.mime,
            thumbnail=self.thumbnail,
        )


_COLUMNS = [f.name for f in msgspec.structs.fields(TransferRecord)]
_SELECT = f"SELECT {', '.join(_COLUMNS)} FROM transfers"


def _record(row: sqlite3.Row) -> TransferRecord:
    values: dict[str, Any] = {name: row[name] for name in _COLUMNS}
    if values["thumbnail"] is not None:
        values["thumbnail"] = bytes(values["thumbnail"])
    return TransferRecord(**values)


class TransferStore:
    def __init__(self, db: Database, outbox: Outbox) -> None:
        self._db = db
        self._outbox = outbox

    def add(self, kind: TransferKind, **fields: Any) -> TransferRecord:
        now = time.time()
        values = {"kind": kind, "state": "active", "created_at": now, "updated_at": now, **fields}
        names = ", ".join(values)
        marks = ", ".join("?" * len(values))
        with self._db.transaction(durable=True) as conn:
            cur = conn.execute(
                f"INSERT INTO transfers ({names}) VALUES ({marks})", tuple(values.values())
            )
            new_id = int(cur.lastrowid or 0)
        record = self.get(new_id)
        assert record is not None  # just inserted in this process
        return record

    def get(self, transfer_id: int) -> TransferRecord | None:
        row = self._db.conn.execute(f"{_SELECT} WHERE id = ?", (transfer_id,)).fetchone()
        return None if row is None else _record(row)

    def all(self) -> list[TransferRecord]:
        return [_record(r) for r in self._db.conn.execute(f"{_SELECT} ORDER BY id")]

    def unfinished(self) -> list[TransferRecord]:
        """Active and paused transfers, oldest first (what a restart picks up again)."""
        rows = self._db.conn.execute(f"{_SELECT} WHERE state IN ('active', 'paused') ORDER BY id")
        return [_record(r) for r in rows]

    def find_download(self, file_id: str, path: str) -> TransferRecord | None:
        """An unfinished download of ``file_id`` to ``path``, to resume instead of restart."""
        row = self._db.conn.execute(
            f"{_SELECT} WHERE kind = 'download' AND file_id = ? AND path = ?"
            " AND state IN ('active', 'paused', 'failed') ORDER BY id DESC LIMIT 1",
            (file_id, path),
        ).fetchone()
        return None if row is None else _record(row)

    def find_upload(self, conversation: str, path: str) -> TransferRecord | None:
        """An unfinished upload of ``path`` to ``conversation``, to resume instead of restart."""
        row = self._db.conn.execute(
            f"{_SELECT} WHERE kind = 'upload' AND conversation = ? AND path = ?"
            " AND state IN ('active', 'paused', 'failed') ORDER BY id DESC LIMIT 1",
            (conversation, path),
        ).fetchone()
        return None if row is None else _record(row)

    def update(self, transfer_id: int, **fields: Any) -> None:
        values = {**fields, "updated_at": time.time()}
        assignments = ", ".join(f"{name} = ?" for name in values)
        with self._db.transaction() as conn:
            conn.execute(
                f"UPDATE transfers SET {assignments} WHERE id = ?",
                (*values.values(), transfer_id),
            )

    def finish_upload(self, transfer_id: int) -> str:
        """Mark an upload done and queue its message, atomically; return the message's
        client id. Idempotent: a second call queues nothing more."""
        record = self.get(transfer_id)
        if record is None or record.client_id is None:
            raise KeyError(f"no upload {transfer_id}")
        with self._db.transaction(durable=True):
            if record.state != "done":
                self._outbox.enqueue_send(
                    record.conversation,
                    record.caption,
                    reply_to=record.reply_to,
                    client_id=record.client_id,
                    file=record.file_ref(),
                )
                self.update(
                    transfer_id,
                    state="done",
                    done_bytes=record.size,
                    error_code=None,
                    error_message=None,
                )
        return record.client_id

    def remove(self, transfer_id: int) -> None:
        with self._db.transaction() as conn:
            conn.execute("DELETE FROM transfers WHERE id = ?", (transfer_id,))
