"""SQL for files: uploads, quotas, the files messages carry and who may download them.

Plain functions run on a storage thread. The bytes themselves are the file service's
business (``signaling_server.files``); this module only knows rows.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from messenger.protocol.files import FileRef
from signaling_server.storage.errors import Forbidden, Invalid, NotFound, QuotaExceeded
from signaling_server.storage.records import FileRow

_FILE_COLUMNS = "id, uploader_id, name, mime, size, sha256, created_at, completed_at, expires_at"


def _row(r: tuple[object, ...]) -> FileRow:
    return FileRow(
        id=str(r[0]),
        uploader_id=int(r[1]),  # type: ignore[call-overload]
        name=str(r[2]),
        mime=str(r[3]),
        size=int(r[4]),  # type: ignore[call-overload]
        sha256=str(r[5]),
        created_at=float(r[6]),  # type: ignore[arg-type]
        completed_at=None if r[7] is None else float(r[7]),  # type: ignore[arg-type]
        expires_at=float(r[8]),  # type: ignore[arg-type]
    )


def file_row(c: sqlite3.Connection, file_id: str) -> FileRow | None:
    r = c.execute(f"SELECT {_FILE_COLUMNS} FROM files WHERE id = ?", (file_id,)).fetchone()
    return None if r is None else _row(r)


def create_upload(
    c: sqlite3.Connection,
    row: FileRow,
    quota_bytes: int,
    max_pending: int,
) -> FileRow:
    """Record a new upload, or refuse it if it would pass the uploader's quota.

    The quota counts every file the user uploaded at its full size, uploads in progress
    included (their declared length is reserved up front), whether or not the content is
    also stored for someone else. Checked on the writer thread, so two concurrent creations
    cannot both squeeze under it.
    """
    used, pending = c.execute(
        "SELECT COALESCE(SUM(size), 0), COUNT(*) FILTER (WHERE completed_at IS NULL)"
        " FROM files WHERE uploader_id = ?",
        (row.uploader_id,),
    ).fetchone()
    if pending >= max_pending:
        raise QuotaExceeded(
            f"{pending} unfinished uploads already; finish or cancel one first"
            f" (at most {max_pending})"
        )
    if used + row.size > quota_bytes:
        raise QuotaExceeded(
            f"this file needs {row.size} bytes and {max(quota_bytes - used, 0)} of your"
            f" {quota_bytes}-byte quota are left"
        )
    c.execute(
        f"INSERT INTO files ({_FILE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?)",
        (
            row.id,
            row.uploader_id,
            row.name,
            row.mime,
            row.size,
            row.sha256,
            row.created_at,
            row.expires_at,
        ),
    )
    return row


def touch_upload(c: sqlite3.Connection, file_id: str, expires_at: float) -> None:
    """An upload that is making progress is not abandoned: push its expiry back."""
    c.execute(
        "UPDATE files SET expires_at = ? WHERE id = ? AND completed_at IS NULL",
        (expires_at, file_id),
    )


def complete_upload(c: sqlite3.Connection, file_id: str, now: float) -> None:
    c.execute(
        "UPDATE files SET completed_at = ? WHERE id = ? AND completed_at IS NULL", (now, file_id)
    )


def delete_file(c: sqlite3.Connection, file_id: str) -> bool:
    """Remove an upload's row (and nothing else); True if it was there."""
    return c.execute("DELETE FROM files WHERE id = ?", (file_id,)).rowcount > 0


def is_referenced(c: sqlite3.Connection, file_id: str) -> bool:
    """Whether a message (not deleted) carries the file."""
    found = c.execute("SELECT 1 FROM message_files WHERE file_id = ? LIMIT 1", (file_id,))
    return found.fetchone() is not None


def blob_needed(c: sqlite3.Connection, sha256: str) -> bool:
    """Whether any complete file still has this content."""
    found = c.execute(
        "SELECT 1 FROM files WHERE sha256 = ? AND completed_at IS NOT NULL LIMIT 1", (sha256,)
    )
    return found.fetchone() is not None


def may_download(c: sqlite3.Connection, file_id: str, user_id: int) -> bool:
    """The uploader, and members of a conversation where a message they can see carries it:
    not hidden from them, and sent since they joined (a room's newcomer does not get the
    files of before, a removed member none at all)."""
    found = c.execute(
        "SELECT 1 FROM files f WHERE f.id = ? AND f.completed_at IS NOT NULL AND"
        " (f.uploader_id = ? OR EXISTS ("
        "   SELECT 1 FROM message_files mf"
        "   JOIN members m ON m.conversation_id = mf.conversation_id AND m.user_id = ?"
        "   JOIN events e ON e.conversation_id = mf.conversation_id AND e.seq = mf.seq"
        "   WHERE mf.file_id = f.id AND e.seq >= m.joined_seq"
        "   AND (e.hidden_from IS NULL OR e.hidden_from != ?)))",
        (file_id, user_id, user_id, user_id),
    )
    return found.fetchone() is not None


def check_attachable(c: sqlite3.Connection, sender_id: int, ref: FileRef) -> None:
    """A message may carry only a complete upload of its sender's, as that upload is."""
    row = file_row(c, ref.file_id)
    if row is None or not row.complete:
        raise NotFound(f"file {ref.file_id} (not uploaded, not complete, or expired)")
    if row.uploader_id != sender_id:
        raise Forbidden("a message may carry only a file its sender uploaded")
    if row.size != ref.size or row.sha256 != ref.sha256:
        raise Invalid(f"file {ref.file_id}: size and sha256 must be the upload's")


def attach(c: sqlite3.Connection, conversation_id: int, seq: int, ref: FileRef) -> None:
    c.execute(
        "INSERT INTO message_files (conversation_id, seq, file_id, name, mime, thumbnail)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (conversation_id, seq, ref.file_id, ref.name, ref.mime, ref.thumbnail),
    )


def attached_id(c: sqlite3.Connection, conversation_id: int, seq: int) -> str | None:
    """The id of the file message ``seq`` carries (to tell a resend from a conflict)."""
    r = c.execute(
        "SELECT file_id FROM message_files WHERE conversation_id = ? AND seq = ?",
        (conversation_id, seq),
    ).fetchone()
    return None if r is None else str(r[0])


def detach(c: sqlite3.Connection, conversation_id: int, seq: int) -> None:
    """A deleted message no longer carries its file (nor lets anyone download it)."""
    c.execute(
        "DELETE FROM message_files WHERE conversation_id = ? AND seq = ?", (conversation_id, seq)
    )


def attachments(
    c: sqlite3.Connection, conversation_id: int, seqs: Iterable[int]
) -> dict[int, FileRef]:
    """The files the messages ``seqs`` carry, by seq (one query for a page of messages)."""
    wanted = sorted(set(seqs))
    if not wanted:
        return {}
    rows = c.execute(
        "SELECT mf.seq, mf.file_id, mf.name, mf.mime, mf.thumbnail, f.size, f.sha256"
        " FROM message_files mf JOIN files f ON f.id = mf.file_id"
        " WHERE mf.conversation_id = ? AND mf.seq BETWEEN ? AND ?",
        (conversation_id, wanted[0], wanted[-1]),
    )
    keep = set(wanted)
    return {
        int(r[0]): FileRef(
            file_id=str(r[1]),
            name=str(r[2]),
            mime=str(r[3]),
            thumbnail=None if r[4] is None else bytes(r[4]),
            size=int(r[5]),
            sha256=str(r[6]),
        )
        for r in rows
        if r[0] in keep
    }


def abandoned(c: sqlite3.Connection, now: float, unsent_before: float) -> list[FileRow]:
    """Uploads to remove: incomplete ones past their expiry, and complete ones no message
    carries (never sent, or every message with them deleted) finished before ``unsent_before``."""
    rows = c.execute(
        f"SELECT {_FILE_COLUMNS} FROM files f WHERE"
        " (f.completed_at IS NULL AND f.expires_at < ?) OR"
        " (f.completed_at IS NOT NULL AND f.completed_at < ?"
        "  AND NOT EXISTS (SELECT 1 FROM message_files mf WHERE mf.file_id = f.id))"
        " ORDER BY f.created_at LIMIT 1000",
        (now, unsent_before),
    )
    return [_row(r) for r in rows]
