"""SQL writing conversation events: plain functions run on the writer thread.

Every write validates first and writes after, so a domain failure (NotFound,
Forbidden, ...) never leaves half an operation in the batch transaction.
"""

from __future__ import annotations

import sqlite3

from messenger.protocol.files import FileRef
from messenger.protocol.names import direct_members
from messenger.protocol.rooms import mentioned_names
from signaling_server.storage import sqlite_accounts as accounts
from signaling_server.storage import sqlite_files as files
from signaling_server.storage.errors import Conflict, Forbidden, NotAccepted, NotFound
from signaling_server.storage.event_detail import EventDetail, encode_detail
from signaling_server.storage.records import Appended, StoredEvent
from signaling_server.storage.sqlite_cache import ConvState as _Conv
from signaling_server.storage.sqlite_cache import WriterCache


def _member_conv(c: sqlite3.Connection, cache: WriterCache, key: str, user_id: int) -> _Conv:
    """The conversation, if ``user_id`` belongs to it; else Forbidden (or NotFound)."""
    conv = cache.conv(c, key)
    if conv is None:
        raise NotFound(key)
    if user_id not in conv.member_ids:
        raise Forbidden(key)
    return conv


def _create_direct(c: sqlite3.Connection, key: str, a: int, b: int, now: float) -> _Conv:
    cur = c.execute(
        "INSERT INTO conversations (key, kind, last_seq, created_at) VALUES (?, 'direct', 0, ?)",
        (key, now),
    )
    cid = int(cur.lastrowid or 0)
    c.executemany(
        "INSERT INTO members (conversation_id, user_id) VALUES (?, ?)", [(cid, a), (cid, b)]
    )
    return _Conv(cid, key, "direct", 0, [a, b])


def _blocked_by(
    c: sqlite3.Connection, cache: WriterCache, conv: _Conv, actor_id: int
) -> int | None:
    """The member who blocked ``actor_id``, whose view the actor's events are hidden from.

    Only in a direct conversation: a room is shared, and hiding one member's messages from
    another would leave holes others reply into, so a block there hides presence only.
    """
    if conv.kind != "direct":
        return None
    blockers = cache.blockers_of(c, actor_id)
    if blockers:
        for member in conv.member_ids:
            if member != actor_id and member in blockers:
                return member
    return None


def _recipients(conv: _Conv, hidden_from: int | None) -> list[int]:
    return [m for m in conv.member_ids if m != hidden_from]


def _next_seq(c: sqlite3.Connection, conv: _Conv) -> int:
    conv.last_seq += 1
    c.execute("UPDATE conversations SET last_seq = ? WHERE id = ?", (conv.last_seq, conv.id))
    return conv.last_seq


def _insert_event(
    c: sqlite3.Connection,
    conv: _Conv,
    seq: int,
    ts: float,
    sender_id: int,
    kind: str,
    *,
    client_id: str | None = None,
    text: str | None = None,
    target: int | None = None,
    emoji: str | None = None,
    flag: bool | None = None,
    reply_to: int | None = None,
    hidden_from: int | None = None,
    detail: EventDetail | None = None,
) -> None:
    c.execute(
        "INSERT INTO events (conversation_id, seq, ts, sender_id, kind, client_id, text, target,"
        " emoji, flag, reply_to, hidden_from, detail)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            conv.id,
            seq,
            ts,
            sender_id,
            kind,
            client_id,
            text,
            target,
            emoji,
            flag,
            reply_to,
            hidden_from,
            None if detail is None else encode_detail(detail),
        ),
    )


def _prior(
    c: sqlite3.Connection,
    sender_id: int,
    sender: str,
    key: str,
    client_id: str,
    text: str,
    reply_to: int | None,
    file_id: str | None = None,
) -> Appended | None:
    """A resend of an acknowledged message is answered from the original."""
    prior = c.execute(
        "SELECT cv.key, e.seq, e.ts, e.text, e.reply_to, e.deleted, e.conversation_id"
        " FROM events e JOIN conversations cv ON cv.id = e.conversation_id"
        " WHERE e.sender_id = ? AND e.client_id = ?",
        (sender_id, client_id),
    ).fetchone()
    if prior is None:
        return None
    p_key, p_seq, p_ts, p_text, p_reply, p_deleted, p_conv = prior
    if p_key != key or p_reply != reply_to or (p_text != text and not p_deleted):
        raise Conflict(client_id)
    if not p_deleted and files.attached_id(c, p_conv, p_seq) != file_id:
        raise Conflict(client_id)
    event = StoredEvent(
        conversation=key,
        seq=p_seq,
        ts=p_ts,
        sender=sender,
        kind="message",
        client_id=client_id,
        text=p_text,
        reply_to=p_reply,
    )
    return Appended(event=event, recipients=[], duplicate=True)


def _writable_conv(
    c: sqlite3.Connection, cache: WriterCache, sender_id: int, sender: str, key: str, now: float
) -> _Conv:
    conv = cache.conv(c, key)
    if conv is None:
        members = direct_members(key)
        if members is None:
            raise NotFound(key)
        if sender not in members:
            raise Forbidden(key)
        peer_name = members[1] if members[0] == sender else members[0]
        peer = accounts.user_by_name(c, peer_name)
        if peer is None:
            raise NotFound(peer_name)
        conv = _create_direct(c, key, sender_id, peer.id, now)
        cache.add_conv(conv)
    elif sender_id not in conv.member_ids:
        raise Forbidden(key)
    return conv


def append_message(
    c: sqlite3.Connection,
    cache: WriterCache,
    sender_id: int,
    sender: str,
    key: str,
    client_id: str,
    text: str,
    reply_to: int | None,
    now: float,
    file: FileRef | None = None,
) -> Appended:
    file_id = None if file is None else file.file_id
    try:
        conv = _writable_conv(c, cache, sender_id, sender, key, now)
        hidden_from = _blocked_by(c, cache, conv, sender_id)
        # Privacy applies only where the sender is not blocked: a blocked sender must
        # not learn anything, so it gets a normal ack instead of not_accepted.
        if hidden_from is None and conv.kind == "direct":
            for member in conv.member_ids:
                if (
                    member != sender_id
                    and cache.who_may_message(c, member) == "contacts"
                    and accounts.contact_state(c, member, sender_id) != "accepted"
                ):
                    raise NotAccepted(key)
        if reply_to is not None and not _is_message(c, conv.id, reply_to):
            raise NotFound(f"reply target {reply_to}")
        if file is not None:
            files.check_attachable(c, sender_id, file)
    except (NotAccepted, NotFound, Forbidden):
        # A resend of a message acknowledged before things changed still gets its ack.
        earlier = _prior(c, sender_id, sender, key, client_id, text, reply_to, file_id)
        if earlier is None:
            raise
        return earlier

    seq = conv.last_seq + 1
    mentions = _mentions(c, conv, text) if conv.kind == "room" else []
    try:
        # The unique (sender, client_id) index detects a resend: no lookup on the hot path.
        _insert_event(
            c,
            conv,
            seq,
            now,
            sender_id,
            "message",
            client_id=client_id,
            text=text,
            reply_to=reply_to,
            hidden_from=hidden_from,
            detail=EventDetail(mentions=mentions) if mentions else None,
        )
    except sqlite3.IntegrityError:
        earlier = _prior(c, sender_id, sender, key, client_id, text, reply_to, file_id)
        if earlier is None:
            raise
        return earlier
    if file is not None:
        files.attach(c, conv.id, seq, file)
    c.execute("UPDATE conversations SET last_seq = ? WHERE id = ?", (seq, conv.id))
    conv.last_seq = seq
    event = StoredEvent(
        conversation=key,
        seq=seq,
        ts=now,
        sender=sender,
        kind="message",
        client_id=client_id,
        text=text,
        reply_to=reply_to,
        file=file,
        mentions=mentions,
    )
    return Appended(event=event, recipients=_recipients(conv, hidden_from))


def _mentions(c: sqlite3.Connection, conv: _Conv, text: str) -> list[str]:
    """The room's members that ``text`` mentions: one query, and only for text with an ``@``."""
    names = mentioned_names(text)
    if not names:
        return []
    marks = ",".join("?" * len(names))
    found = {
        str(name): int(uid)
        for uid, name in c.execute(
            f"SELECT id, username FROM users WHERE username IN ({marks})", names
        )
    }
    members = set(conv.member_ids)
    return [n for n in names if found.get(n) in members]


def _is_message(c: sqlite3.Connection, conv_id: int, seq: int) -> bool:
    row = c.execute(
        "SELECT 1 FROM events WHERE conversation_id = ? AND seq = ? AND kind = 'message'",
        (conv_id, seq),
    ).fetchone()
    return row is not None


def _own_live_message(c: sqlite3.Connection, conv: _Conv, target: int, user_id: int) -> None:
    row = c.execute(
        "SELECT sender_id, deleted FROM events WHERE conversation_id = ? AND seq = ?"
        " AND kind = 'message'",
        (conv.id, target),
    ).fetchone()
    if row is None or row[1]:
        raise NotFound(f"message {target}")
    if row[0] != user_id:
        raise Forbidden("only the sender may change a message")


def _append(
    c: sqlite3.Connection,
    cache: WriterCache,
    conv: _Conv,
    user_id: int,
    user: str,
    now: float,
    kind: str,
    *,
    text: str | None = None,
    target: int | None = None,
    emoji: str | None = None,
    add: bool | None = None,
) -> Appended:
    """Give an edit, delete, reaction or read marker the next seq, store it and say who sees it."""
    hidden_from = _blocked_by(c, cache, conv, user_id)
    seq = _next_seq(c, conv)
    _insert_event(
        c, conv, seq, now, user_id, kind,
        text=text, target=target, emoji=emoji, flag=add, hidden_from=hidden_from,
    )  # fmt: skip
    event = StoredEvent(
        conversation=conv.key, seq=seq, ts=now, sender=user, kind=kind,
        text=text, target=target, emoji=emoji, add=add,
    )  # fmt: skip
    return Appended(event=event, recipients=_recipients(conv, hidden_from))


def append_edit(
    c: sqlite3.Connection,
    cache: WriterCache,
    user_id: int,
    user: str,
    key: str,
    target: int,
    text: str,
    now: float,
) -> Appended:
    conv = _member_conv(c, cache, key, user_id)
    _own_live_message(c, conv, target, user_id)
    c.execute(
        "UPDATE events SET text = ?, edited = 1 WHERE conversation_id = ? AND seq = ?",
        (text, conv.id, target),
    )
    return _append(c, cache, conv, user_id, user, now, "edit", text=text, target=target)


def append_delete(
    c: sqlite3.Connection,
    cache: WriterCache,
    user_id: int,
    user: str,
    key: str,
    target: int,
    now: float,
) -> Appended:
    conv = _member_conv(c, cache, key, user_id)
    _own_live_message(c, conv, target, user_id)
    # The content goes everywhere it was kept: the message and every edit of it.
    c.execute(
        "UPDATE events SET text = '', deleted = 1 WHERE conversation_id = ? AND seq = ?",
        (conv.id, target),
    )
    c.execute(
        "UPDATE events SET text = '' WHERE conversation_id = ? AND target = ? AND kind = 'edit'",
        (conv.id, target),
    )
    c.execute(
        "DELETE FROM reactions WHERE conversation_id = ? AND target_seq = ?", (conv.id, target)
    )
    files.detach(c, conv.id, target)
    return _append(c, cache, conv, user_id, user, now, "delete", target=target)


def append_reaction(
    c: sqlite3.Connection,
    cache: WriterCache,
    user_id: int,
    user: str,
    key: str,
    target: int,
    emoji: str,
    add: bool,
    now: float,
) -> Appended:
    conv = _member_conv(c, cache, key, user_id)
    row = c.execute(
        "SELECT deleted, hidden_from FROM events WHERE conversation_id = ? AND seq = ?"
        " AND kind = 'message'",
        (conv.id, target),
    ).fetchone()
    if row is None or row[0] or row[1] == user_id:
        raise NotFound(f"message {target}")
    params = (conv.id, target, user_id, emoji)
    exists = c.execute(
        "SELECT 1 FROM reactions WHERE conversation_id = ? AND target_seq = ? AND user_id = ?"
        " AND emoji = ?",
        params,
    ).fetchone()
    if bool(exists) == add:
        return Appended(event=None, recipients=[])
    if add:
        c.execute("INSERT INTO reactions VALUES (?, ?, ?, ?)", params)
    else:
        c.execute(
            "DELETE FROM reactions WHERE conversation_id = ? AND target_seq = ? AND user_id = ?"
            " AND emoji = ?",
            params,
        )
    return _append(
        c, cache, conv, user_id, user, now, "reaction", target=target, emoji=emoji, add=add
    )


def append_read(
    c: sqlite3.Connection,
    cache: WriterCache,
    user_id: int,
    user: str,
    key: str,
    up_to: int,
    now: float,
) -> Appended:
    conv = _member_conv(c, cache, key, user_id)
    up_to = min(up_to, conv.last_seq)
    row = c.execute(
        "SELECT read_seq FROM members WHERE conversation_id = ? AND user_id = ?",
        (conv.id, user_id),
    ).fetchone()
    if up_to <= row[0]:
        return Appended(event=None, recipients=[])
    c.execute(
        "UPDATE members SET read_seq = ?, delivered_seq = MAX(delivered_seq, ?)"
        " WHERE conversation_id = ? AND user_id = ?",
        (up_to, up_to, conv.id, user_id),
    )
    return _append(c, cache, conv, user_id, user, now, "read", target=up_to)


def set_delivered(
    c: sqlite3.Connection, cache: WriterCache, user_id: int, key: str, up_to: int
) -> tuple[list[int], int]:
    """Move the delivered marker forward (never past the head); return who to tell (empty
    when it did not move, and in a room) and the marker's new value."""
    conv = _member_conv(c, cache, key, user_id)
    up_to = min(up_to, conv.last_seq)
    cur = c.execute(
        "UPDATE members SET delivered_seq = ? WHERE conversation_id = ? AND user_id = ?"
        " AND delivered_seq < ?",
        (up_to, conv.id, user_id, up_to),
    )
    if cur.rowcount == 0 or conv.kind == "room":
        # In a room every member's device confirms every message: telling every member each
        # time would multiply a message's fan-out by the room's size. The marker is kept
        # (``room_members`` shows it); read markers, which people move, are still events.
        return [], up_to
    hidden_from = _blocked_by(c, cache, conv, user_id)
    return [m for m in _recipients(conv, hidden_from) if m != user_id], up_to
