"""Usernames and conversation ids: pure functions shared by server and clients."""

from __future__ import annotations

import re

USERNAME_RE = re.compile(r"^[a-z0-9._-]{3,32}$")
# What to tell a person whose input fails USERNAME_RE.
INVALID_USERNAME = (
    "That is not a valid username: use 3 to 32 letters, digits, dots, dashes or underscores."
)


def normalize_username(raw: str) -> str | None:
    """Return the canonical (lower-case) username, or None when it is not valid.

    Usernames are case-insensitive: ``Alice`` and ``alice`` are one account.
    """
    name = raw.strip().lower()
    return name if USERNAME_RE.fullmatch(name) else None


def direct_conversation_id(a: str, b: str) -> str:
    """The id of the 1:1 conversation between two users, the same from both sides."""
    first, second = sorted((a.lower(), b.lower()))
    return f"dm:{first}:{second}"


def direct_members(conversation: str) -> tuple[str, str] | None:
    """The two usernames of a direct conversation id, or None if it is not one."""
    parts = conversation.split(":")
    if len(parts) != 3 or parts[0] != "dm":
        return None
    a, b = parts[1], parts[2]
    if not (USERNAME_RE.fullmatch(a) and USERNAME_RE.fullmatch(b)) or a >= b:
        return None
    return a, b


def direct_peer(conversation: str, me: str) -> str | None:
    """The other member of a direct conversation, seen from ``me``."""
    members = direct_members(conversation)
    if members is None or me not in members:
        return None
    return members[1] if members[0] == me else members[0]
