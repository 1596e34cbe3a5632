"""A room's membership and settings entries as the one-line notices a chat shows centred:
"bob joined", "alice removed carol", "alice renamed the room to “ops”".

The protocol gives the settings as they stand after a change, not what changed
(docs/protocol.md §19.4), so a settings entry is compared with the one before it.
"""

from __future__ import annotations

from collections.abc import Callable

from messenger.protocol.results import MessageView
from messenger.protocol.rooms import MemberChange, RoomSettings


def notice_text(
    view: MessageView,
    me: str,
    name_of: Callable[[str], str],
    before: RoomSettings | None,
) -> str:
    """The sentence for a notice; ``before`` is the room's settings before it, if known."""
    actor = "You" if view.sender == me else name_of(view.sender)
    if view.member is not None:
        return _member_text(view.member, actor, view.sender, me, name_of)
    room = view.room
    if room is None:
        return ""
    if view.seq == 1:
        return f"{actor} created the room “{room.name}”"
    if before is None:
        # A member's history starts at its joining: what it was before is not known here.
        about = f"“{room.name}” — {room.topic}" if room.topic else f"“{room.name}”"
        return f"{actor} updated the room: {about}"
    changes: list[str] = []
    if room.name != before.name:
        changes.append(f"renamed the room to “{room.name}”")
    if room.topic != before.topic:
        changes.append(
            f"changed the topic to “{room.topic}”" if room.topic else "removed the topic"
        )
    if room.public != before.public:
        changes.append("made the room public" if room.public else "made the room private")
    if not changes:
        return f"{actor} changed the room’s settings"
    return f"{actor} {' and '.join(changes)}"


def _member_text(
    change: MemberChange, actor: str, sender: str, me: str, name_of: Callable[[str], str]
) -> str:
    subject = "you" if change.user == me else name_of(change.user)
    subject_first = "You" if change.user == me else name_of(change.user)
    match change.action:
        case "joined":
            return f"{subject_first} joined"
        case "invited":
            return f"{actor} invited {subject}"
        case "left":
            return f"{subject_first} left"
        case "removed":
            return f"{actor} removed {subject}"
        case "banned":
            return f"{actor} banned {subject}"
        case "unbanned":
            return f"{actor} lifted the ban on {subject}"
        case "role" if change.role == "owner":
            return f"{subject_first} {'are' if change.user == me else 'is'} now the owner"
        case "role" if sender == change.user:
            # Handing a room over makes its former owner an admin by their own act.
            return f"{subject_first} {'are' if change.user == me else 'is'} now an admin"
        case "role":
            role = "an admin" if change.role == "admin" else "a member"
            return f"{actor} made {subject} {role}"
    return f"{actor} changed {subject}’s membership"
