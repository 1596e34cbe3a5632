"""Group rooms: names, ids, roles and what a room's history entries say.

Pure functions and Structs shared by the server (which validates and computes) and clients
(which check input early and read events). A room's id is opaque and never changes, so a
rename touches no stored message; its *name* is the unique, human handle (``#team-x``).
"""

from __future__ import annotations

import re
from typing import Literal

import msgspec

from messenger.protocol import limits as L
from messenger.protocol.errors import ErrorCode, ProtocolError
from messenger.protocol.names import USERNAME_RE

# Like a username, but case is kept for display: unique and looked up case-insensitively.
ROOM_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,31}$")
ROOM_ID_RE = re.compile(r"^room:[0-9a-f]{16}$")
ROOM_PREFIX = "room:"
_MENTION_RE = re.compile(r"(?<![A-Za-z0-9._-])@([A-Za-z0-9._-]{3,32})")

Role = Literal["owner", "admin", "member"]
# ``role``: the subject's role changed to ``role`` (promotion, demotion, ownership handed over).
MemberAction = Literal["joined", "invited", "left", "removed", "banned", "unbanned", "role"]
ROLE_RANK: dict[str, int] = {"member": 1, "admin": 2, "owner": 3}


def normalize_room_name(raw: str) -> str | None:
    """The name as shown (surrounding whitespace and a leading ``#`` dropped), or None."""
    name = raw.strip().removeprefix("#")
    return name if ROOM_NAME_RE.fullmatch(name) else None


def room_name_key(name: str) -> str:
    """What names are unique by: ``Team`` and ``team`` are one room."""
    return name.lower()


def is_room_id(conversation: str) -> bool:
    return ROOM_ID_RE.fullmatch(conversation) is not None


def check_topic(topic: str) -> str:
    """The topic as stored (whitespace stripped), or ``ProtocolError`` when it is not one."""
    topic = topic.strip()
    if len(topic) > L.MAX_ROOM_TOPIC_CHARS:
        raise ProtocolError(
            ErrorCode.TOO_LARGE,
            f"topics are limited to {L.MAX_ROOM_TOPIC_CHARS} characters, this has {len(topic)}",
        )
    if any(ord(ch) < 32 for ch in topic):
        raise ProtocolError(ErrorCode.BAD_REQUEST, "a topic is one line with no control characters")
    return topic


def mentioned_names(text: str) -> list[str]:
    """The distinct ``@name``s in ``text`` that could be usernames, lower-cased, in order;
    at most ``MAX_MENTIONS`` of them (a message naming more is a roll call, not a mention)."""
    if "@" not in text:
        return []
    found: list[str] = []
    for raw in _MENTION_RE.findall(text):
        # A sentence may end right after a name: "thanks @bob." mentions bob.
        name = raw.rstrip(".-").lower()
        if USERNAME_RE.fullmatch(name) and name not in found:
            found.append(name)
            if len(found) == L.MAX_MENTIONS:
                break
    return found


class MemberChange(msgspec.Struct, frozen=True, kw_only=True):
    """A membership entry of a room's history: ``user`` ``action`` (by the event's sender).

    ``role`` is the subject's role after a ``joined`` or ``role`` change, else None.
    """

    user: str
    action: MemberAction
    role: Role | None = None


class RoomSettings(msgspec.Struct, frozen=True, kw_only=True):
    """A room's name, topic and visibility as they stand after a change (or at creation)."""

    name: str
    topic: str = ""
    public: bool = False
