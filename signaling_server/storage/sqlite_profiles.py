"""SQL for user profiles (display name, avatar): plain functions run on a storage thread."""

from __future__ import annotations

import sqlite3

from messenger.protocol.profiles import avatar_hash
from signaling_server.storage.records import ProfileRow


def profile(c: sqlite3.Connection, user_id: int) -> ProfileRow:
    row = c.execute(
        "SELECT display_name, avatar, avatar_hash FROM profiles WHERE user_id = ?", (user_id,)
    ).fetchone()
    if row is None:
        return ProfileRow(user_id=user_id)
    name, avatar, digest = row
    return ProfileRow(
        user_id=user_id,
        display_name=str(name),
        avatar=None if avatar is None else bytes(avatar),
        avatar_hash=None if digest is None else str(digest),
    )


def summary(c: sqlite3.Connection, user_id: int) -> tuple[str, str | None]:
    """Display name and avatar hash, without reading the picture."""
    row = c.execute(
        "SELECT display_name, avatar_hash FROM profiles WHERE user_id = ?", (user_id,)
    ).fetchone()
    return ("", None) if row is None else (str(row[0]), row[1])


def set_profile(
    c: sqlite3.Connection,
    user_id: int,
    display_name: str | None,
    avatar: bytes | None,
    now: float,
) -> tuple[ProfileRow, bool]:
    """Apply the given fields (None keeps one, ``b""`` removes the avatar).

    Returns the profile now stored and whether anything changed, so an update that
    repeats the current values announces nothing.
    """
    before = profile(c, user_id)
    name = before.display_name if display_name is None else display_name
    if avatar is None:
        picture, digest = before.avatar, before.avatar_hash
    elif avatar:
        # The hash is derived here, next to the bytes it names, so the two never disagree.
        picture, digest = avatar, avatar_hash(avatar)
    else:
        picture, digest = None, None
    after = ProfileRow(user_id=user_id, display_name=name, avatar=picture, avatar_hash=digest)
    if after == before:
        return before, False
    c.execute(
        "INSERT INTO profiles (user_id, display_name, avatar, avatar_hash, updated_at)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET"
        " display_name = excluded.display_name, avatar = excluded.avatar,"
        " avatar_hash = excluded.avatar_hash, updated_at = excluded.updated_at",
        (user_id, name, picture, digest, now),
    )
    return after, True
