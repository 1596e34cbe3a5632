"""What the writer thread keeps in memory between writes: conversations, blocks, privacy.

Why: a message is the hot path, and looking up the conversation, its members,
blocks and the recipient's privacy setting took five statements per message.
Only the writer thread uses this cache, and every write that changes what it
holds (blocking, privacy, membership) runs on that same thread and updates it,
so it is never stale. A rolled-back batch clears it, since the in-memory
sequence counters may have run ahead of what was committed.
"""

from __future__ import annotations

import sqlite3


class ConvState:
    __slots__ = ("id", "key", "kind", "last_seq", "member_ids")

    def __init__(self, cid: int, key: str, kind: str, last_seq: int, member_ids: list[int]):
        self.id = cid
        self.key = key
        self.kind = kind
        self.last_seq = last_seq
        self.member_ids = member_ids


def load_conv(c: sqlite3.Connection, key: str) -> ConvState | None:
    row = c.execute("SELECT id, kind, last_seq FROM conversations WHERE key = ?", (key,)).fetchone()
    if row is None:
        return None
    members = [
        r[0] for r in c.execute("SELECT user_id FROM members WHERE conversation_id = ?", (row[0],))
    ]
    return ConvState(row[0], key, row[1], row[2], members)


class WriterCache:
    def __init__(self) -> None:
        self._convs: dict[str, ConvState] = {}
        self._blockers: dict[int, frozenset[int]] = {}  # blocked user -> who blocked them
        self._privacy: dict[int, str] = {}

    def clear(self) -> None:
        self._convs.clear()
        self._blockers.clear()
        self._privacy.clear()

    def conv(self, c: sqlite3.Connection, key: str) -> ConvState | None:
        conv = self._convs.get(key)
        if conv is None:
            conv = load_conv(c, key)
            if conv is not None:
                self._convs[key] = conv
        return conv

    def add_conv(self, conv: ConvState) -> None:
        self._convs[conv.key] = conv

    def blockers_of(self, c: sqlite3.Connection, user_id: int) -> frozenset[int]:
        found = self._blockers.get(user_id)
        if found is None:
            found = frozenset(
                r[0]
                for r in c.execute("SELECT blocker_id FROM blocks WHERE blocked_id = ?", (user_id,))
            )
            self._blockers[user_id] = found
        return found

    def forget_blocks(self, blocked_id: int) -> None:
        self._blockers.pop(blocked_id, None)

    def who_may_message(self, c: sqlite3.Connection, user_id: int) -> str:
        who = self._privacy.get(user_id)
        if who is None:
            row = c.execute("SELECT who_may_message FROM users WHERE id = ?", (user_id,)).fetchone()
            who = "everyone" if row is None else str(row[0])
            self._privacy[user_id] = who
        return who

    def forget_privacy(self, user_id: int) -> None:
        self._privacy.pop(user_id, None)
