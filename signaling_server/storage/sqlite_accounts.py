"""SQL for accounts, sessions, contacts and blocks: plain functions run on a storage thread."""

from __future__ import annotations

import sqlite3

from signaling_server.storage import sqlite_profiles as profiles
from signaling_server.storage.errors import NotFound, UsernameTaken
from signaling_server.storage.records import ContactRow, Session, User

_USER_COLS = "id, username, password_hash, who_may_message, created_at, last_seen"
_SESSION_COLS = "id, user_id, device, created_at, last_active, expires_at"


def _user(row: tuple[object, ...] | None) -> User | None:
    if row is None:
        return None
    i, name, ph, who, created, seen = row
    return User(
        id=int(i),  # type: ignore[call-overload]
        username=str(name),
        password_hash=str(ph),
        who_may_message=str(who),
        created_at=float(created),  # type: ignore[arg-type]
        last_seen=None if seen is None else float(seen),  # type: ignore[arg-type]
    )


def _session(row: tuple[object, ...]) -> Session:
    i, uid, device, created, active, expires = row
    return Session(
        id=int(i),  # type: ignore[call-overload]
        user_id=int(uid),  # type: ignore[call-overload]
        device=str(device),
        created_at=float(created),  # type: ignore[arg-type]
        last_active=float(active),  # type: ignore[arg-type]
        expires_at=float(expires),  # type: ignore[arg-type]
    )


def create_user(c: sqlite3.Connection, username: str, password_hash: str, now: float) -> User:
    if c.execute("SELECT 1 FROM users WHERE username = ?", (username,)).fetchone():
        raise UsernameTaken(username)
    cur = c.execute(
        "INSERT INTO users (username, password_hash, created_at) VALUES (?, ?, ?)",
        (username, password_hash, now),
    )
    user = _user(
        c.execute(f"SELECT {_USER_COLS} FROM users WHERE id = ?", (cur.lastrowid,)).fetchone()
    )
    assert user is not None
    return user


def user_by_name(c: sqlite3.Connection, username: str) -> User | None:
    return _user(
        c.execute(f"SELECT {_USER_COLS} FROM users WHERE username = ?", (username,)).fetchone()
    )


def user_by_id(c: sqlite3.Connection, user_id: int) -> User | None:
    return _user(c.execute(f"SELECT {_USER_COLS} FROM users WHERE id = ?", (user_id,)).fetchone())


def set_password_hash(c: sqlite3.Connection, user_id: int, password_hash: str) -> None:
    c.execute("UPDATE users SET password_hash = ? WHERE id = ?", (password_hash, user_id))


def set_privacy(c: sqlite3.Connection, user_id: int, who: str) -> None:
    c.execute("UPDATE users SET who_may_message = ? WHERE id = ?", (who, user_id))


def set_last_seen(c: sqlite3.Connection, user_id: int, ts: float) -> None:
    c.execute("UPDATE users SET last_seen = ? WHERE id = ?", (ts, user_id))


def create_session(
    c: sqlite3.Connection, user_id: int, token_hash: str, device: str, now: float, expires_at: float
) -> Session:
    cur = c.execute(
        "INSERT INTO sessions (user_id, token_hash, device, created_at, last_active, expires_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (user_id, token_hash, device, now, now, expires_at),
    )
    return _session(
        c.execute(f"SELECT {_SESSION_COLS} FROM sessions WHERE id = ?", (cur.lastrowid,)).fetchone()
    )


def session_by_token(c: sqlite3.Connection, token_hash: str) -> Session | None:
    row = c.execute(
        f"SELECT {_SESSION_COLS} FROM sessions WHERE token_hash = ?", (token_hash,)
    ).fetchone()
    return None if row is None else _session(row)


def touch_session(c: sqlite3.Connection, session_id: int, now: float) -> None:
    c.execute("UPDATE sessions SET last_active = ? WHERE id = ?", (now, session_id))


def list_sessions(c: sqlite3.Connection, user_id: int) -> list[Session]:
    rows = c.execute(
        f"SELECT {_SESSION_COLS} FROM sessions WHERE user_id = ? ORDER BY id", (user_id,)
    ).fetchall()
    return [_session(r) for r in rows]


def delete_sessions(
    c: sqlite3.Connection, user_id: int, session_ids: list[int] | None, keep: int | None
) -> list[int]:
    """Delete the user's listed sessions (all when None) except ``keep``; return the ids gone."""
    owned = [r[0] for r in c.execute("SELECT id FROM sessions WHERE user_id = ?", (user_id,))]
    wanted = set(owned) if session_ids is None else set(session_ids) & set(owned)
    if keep is not None:
        wanted.discard(keep)
    doomed = sorted(wanted)
    c.executemany("DELETE FROM sessions WHERE id = ?", [(i,) for i in doomed])
    return doomed


def expired_sessions(c: sqlite3.Connection, session_ids: list[int], now: float) -> list[int]:
    """Of the given sessions, those that no longer exist or have expired."""
    gone: list[int] = []
    for start in range(0, len(session_ids), 500):
        chunk = session_ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        alive = {
            r[0]
            for r in c.execute(
                f"SELECT id FROM sessions WHERE id IN ({marks}) AND expires_at > ?", (*chunk, now)
            )
        }
        gone.extend(i for i in chunk if i not in alive)
    return gone


# --- contacts and blocks ---------------------------------------------------------------


def contact_state(c: sqlite3.Connection, user_id: int, peer_id: int) -> str:
    row = c.execute(
        "SELECT state FROM contacts WHERE user_id = ? AND peer_id = ?", (user_id, peer_id)
    ).fetchone()
    return "none" if row is None else str(row[0])


def set_contact_state(
    c: sqlite3.Connection, user_id: int, peer_id: int, state: str, now: float
) -> None:
    if state == "none":
        c.execute("DELETE FROM contacts WHERE user_id = ? AND peer_id = ?", (user_id, peer_id))
    else:
        c.execute(
            "INSERT INTO contacts (user_id, peer_id, state, updated_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (user_id, peer_id) DO UPDATE SET state = excluded.state,"
            " updated_at = excluded.updated_at",
            (user_id, peer_id, state, now),
        )


def is_blocked(c: sqlite3.Connection, blocker_id: int, blocked_id: int) -> bool:
    return (
        c.execute(
            "SELECT 1 FROM blocks WHERE blocker_id = ? AND blocked_id = ?", (blocker_id, blocked_id)
        ).fetchone()
        is not None
    )


def set_blocked(
    c: sqlite3.Connection, blocker_id: int, blocked_id: int, blocked: bool, now: float
) -> None:
    if blocked:
        c.execute(
            "INSERT OR IGNORE INTO blocks (blocker_id, blocked_id, created_at) VALUES (?, ?, ?)",
            (blocker_id, blocked_id, now),
        )
    else:
        c.execute(
            "DELETE FROM blocks WHERE blocker_id = ? AND blocked_id = ?", (blocker_id, blocked_id)
        )


def relation(c: sqlite3.Connection, user_id: int, peer_id: int) -> ContactRow:
    peer = user_by_id(c, peer_id)
    if peer is None:
        raise NotFound(str(peer_id))
    display_name, avatar_hash = profiles.summary(c, peer_id)
    return ContactRow(
        peer_id=peer_id,
        username=peer.username,
        state=contact_state(c, user_id, peer_id),
        blocked=is_blocked(c, user_id, peer_id),
        blocked_by=is_blocked(c, peer_id, user_id),
        last_seen=peer.last_seen,
        display_name=display_name,
        avatar_hash=avatar_hash,
    )


def list_contacts(c: sqlite3.Connection, user_id: int) -> list[ContactRow]:
    """Everyone the user has a relationship with: a contact state or a block, either way."""
    rows = c.execute(
        """
        SELECT u.id, u.username, u.last_seen,
               COALESCE((SELECT state FROM contacts
                         WHERE user_id = :me AND peer_id = u.id), 'none'),
               EXISTS (SELECT 1 FROM blocks WHERE blocker_id = :me AND blocked_id = u.id),
               EXISTS (SELECT 1 FROM blocks WHERE blocker_id = u.id AND blocked_id = :me),
               COALESCE(p.display_name, ''), p.avatar_hash
        FROM users u LEFT JOIN profiles p ON p.user_id = u.id
        WHERE u.id IN (SELECT peer_id FROM contacts WHERE user_id = :me
                       UNION SELECT blocked_id FROM blocks WHERE blocker_id = :me)
        ORDER BY u.username
        """,
        {"me": user_id},
    ).fetchall()
    return [
        ContactRow(
            peer_id=r[0],
            username=r[1],
            last_seen=r[2],
            state=r[3],
            blocked=bool(r[4]),
            blocked_by=bool(r[5]),
            display_name=r[6],
            avatar_hash=r[7],
        )
        for r in rows
    ]


def presence_audience(c: sqlite3.Connection, user_id: int) -> list[int]:
    """Who sees ``user_id``'s presence: accepted contacts with no block either way."""
    return [
        r[0]
        for r in c.execute(
            "SELECT peer_id FROM contacts WHERE user_id = :me AND state = 'accepted'"
            " AND NOT EXISTS (SELECT 1 FROM blocks"
            "                 WHERE blocker_id = :me AND blocked_id = peer_id)"
            " AND NOT EXISTS (SELECT 1 FROM blocks"
            "                 WHERE blocker_id = peer_id AND blocked_id = :me)",
            {"me": user_id},
        )
    ]
