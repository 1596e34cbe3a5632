"""Full-text search over the local message history (SQLite FTS5)."""

from __future__ import annotations

from messenger.protocol.results import MessageView
from messenger.store.database import Database
from messenger.store.timeline import row_to_view


def fts_query(text: str) -> str | None:
    """Turn what a user typed into an FTS5 query: all words, the last one as a prefix.

    Each word is quoted, so FTS5 operators and punctuation in user input are
    matched literally instead of raising a syntax error.
    """
    words = [w.replace('"', '""') for w in text.split()]
    if not words:
        return None
    quoted = [f'"{w}"' for w in words]
    quoted[-1] += "*"  # search as you type: "hel" finds "hello"
    return " ".join(quoted)


def search_messages(
    db: Database, text: str, *, conversation: str | None = None, limit: int = 50
) -> list[MessageView]:
    """Messages whose text or file name matches every word of ``text``, newest first."""
    query = fts_query(text)
    if query is None:
        return []
    sql = (
        "SELECT m.conversation, m.seq, m.ts, m.sender, m.client_id, m.text, m.reply_to, "
        "m.edited, m.deleted, m.reactions, m.call, m.file, m.mentions, m.notice FROM messages_fts "
        "JOIN messages AS m ON m.id = messages_fts.rowid WHERE messages_fts MATCH ?"
    )
    params: list[object] = [query]
    if conversation is not None:
        sql += " AND m.conversation = ?"
        params.append(conversation)
    sql += " ORDER BY m.ts DESC, m.seq DESC LIMIT ?"
    params.append(limit)
    return [row_to_view(r) for r in db.conn.execute(sql, params)]
