"""SQL for call history: a finished call as an event of its direct conversation.

Run on the writer thread (``append_call``) and the reader thread (``call_id_used``).
"""

from __future__ import annotations

import logging
import sqlite3

from messenger.protocol.names import direct_conversation_id
from signaling_server.storage.records import Appended, CallRecord, StoredEvent
from signaling_server.storage.sqlite_cache import WriterCache
from signaling_server.storage.sqlite_conversations import _writable_conv

log = logging.getLogger(__name__)


def call_id_used(c: sqlite3.Connection, caller_id: int, call_id: str) -> bool:
    """Whether the caller already has an event with this id (a message or an earlier call).

    A call's entry is stored under the call id as its client id, which is unique per sender.
    """
    row = c.execute(
        "SELECT 1 FROM events WHERE sender_id = ? AND client_id = ?", (caller_id, call_id)
    ).fetchone()
    return row is not None


def append_call(
    c: sqlite3.Connection,
    cache: WriterCache,
    caller_id: int,
    caller: str,
    callee_id: int,
    callee: str,
    call_id: str,
    video: bool,
    outcome: str,
    duration: float,
    now: float,
) -> Appended:
    """Store the call's entry in the pair's conversation (created if needed), sender = caller.

    Nothing is stored while either blocks the other: a blocked caller must not learn of the
    block, and a blocker does not want the entry. Nothing is stored either when the caller
    already used the call id as a message's client id (only a misbehaving client does that;
    the check keeps the unique index from failing the whole write batch).
    """
    if callee_id in cache.blockers_of(c, caller_id) or caller_id in cache.blockers_of(c, callee_id):
        return Appended(event=None, recipients=[])
    if call_id_used(c, caller_id, call_id):
        log.warning("call id already used by its caller; no history entry", extra={"call": call_id})
        return Appended(event=None, recipients=[])
    key = direct_conversation_id(caller, callee)
    conv = _writable_conv(c, cache, caller_id, caller, key, now)
    conv.last_seq += 1
    c.execute("UPDATE conversations SET last_seq = ? WHERE id = ?", (conv.last_seq, conv.id))
    c.execute(
        "INSERT INTO events (conversation_id, seq, ts, sender_id, kind, client_id, flag,"
        " call_outcome, call_duration) VALUES (?, ?, ?, ?, 'call', ?, ?, ?, ?)",
        (conv.id, conv.last_seq, now, caller_id, call_id, video, outcome, duration),
    )
    event = StoredEvent(
        conversation=key,
        seq=conv.last_seq,
        ts=now,
        sender=caller,
        kind="call",
        client_id=call_id,
        call=CallRecord(video=video, outcome=outcome, duration=duration),
    )
    return Appended(event=event, recipients=list(conv.member_ids))
