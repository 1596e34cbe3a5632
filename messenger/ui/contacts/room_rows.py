"""The rooms' rows of the list: rooms I am in, rooms I left (read-only), invitations.

Built from the local store (name, role, unread, last message) and, for invitations, from
what the server listed; the model places them in their sections beside the contacts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt

from messenger.protocol.results import MessageView, RoomInfo
from messenger.ui.chat.notices import notice_text
from messenger.ui.contacts.kinds import FORMER_ROOM, HINTS, INVITATION, ROOM, Role, Section
from messenger.ui.contacts.texts import one_line, time_text
from messenger.ui.files.card import file_preview
from messenger.ui.rooms.rights import ROLE_LABELS
from messenger.ui.session import AccountSession


@dataclass(frozen=True)
class RoomEntry:
    room: str
    name: str
    topic: str
    public: bool
    role: str | None  # mine; None once I left or was removed
    members: int
    unread: int
    mentions: int  # unread messages that mention me
    muted: bool
    preview: str
    when: float | None

    @property
    def key(self) -> str:
        return self.room  # "room:…" never clashes with a username or a header key

    @property
    def kind(self) -> str:
        return ROOM if self.role is not None else FORMER_ROOM

    def counted_unread(self) -> int:
        """What this room adds to the unread total (the tray): muted rooms count only
        mentions of me, rooms I am no longer in count nothing (they cannot be marked read)."""
        if self.role is None:
            return 0
        return self.mentions if self.muted else self.unread

    def detail(self) -> str:
        if self.role is None and not self.preview:
            return "You are no longer in this room"
        if self.preview:
            return self.preview
        return self.topic or "No messages yet"


@dataclass(frozen=True)
class InvitationEntry:
    info: RoomInfo

    @property
    def key(self) -> str:
        return f"invitation:{self.info.id}"

    @property
    def kind(self) -> str:
        return INVITATION

    @property
    def name(self) -> str:
        return self.info.name

    def detail(self, name_of: Callable[[str], str]) -> str:
        inviter = name_of(self.info.invited_by) if self.info.invited_by else "Someone"
        count = f" · {self.info.members} members" if self.info.members > 1 else ""
        return f"{inviter} invites you{count}"


def room_entry(session: AccountSession, room: str) -> RoomEntry:
    timeline = session.store.timeline
    me = session.username
    settings = timeline.room(room)
    roles = timeline.room_roles(room)
    preview, when = room_preview(session, timeline.last_message(room))
    return RoomEntry(
        room=room,
        name=settings.name if settings is not None and settings.name else room,
        topic=settings.topic if settings is not None else "",
        public=settings.public if settings is not None else False,
        role=roles.get(me),
        members=len(roles),
        unread=timeline.unread_count(room, me),
        mentions=timeline.unread_mentions(room, me),
        muted=timeline.muted(room),
        preview=preview,
        when=when,
    )


def room_preview(session: AccountSession, last: MessageView | None) -> tuple[str, float | None]:
    """The second line of a room's row: who said what last, or what happened last."""
    if last is None:
        return "", None
    me = session.username
    # The settings before a change are not at hand here: the row says only that they changed.
    notice = notice_text(last, me, session.name_of, None)
    if notice:
        return notice, last.ts
    if last.deleted:
        return "Message deleted", last.ts
    who = "You" if last.sender == me else session.name_of(last.sender)
    text = last.text if last.file is None else file_preview(last.file.name, last.text)
    return f"{who}: {one_line(text)}", last.ts


def room_data(entry: RoomEntry, role: int) -> object:
    match role:
        case Qt.ItemDataRole.DisplayRole:
            return entry.name
        case Qt.ItemDataRole.ToolTipRole:
            lines = [f"#{entry.name}" + (" (muted)" if entry.muted else "")]
            if entry.topic:
                lines.append(entry.topic)
            mine = ROLE_LABELS.get(entry.role or "", "")
            visibility = "Public" if entry.public else "Private"
            you = f" · you: {mine}" if mine else ""
            lines.append(f"{visibility} · {entry.members} members{you}")
            return "\n".join(lines)
        case Qt.ItemDataRole.AccessibleTextRole:
            parts = [f"Room {entry.name}"]
            if entry.muted:
                parts.append("muted")
            if entry.unread and entry.role is not None:
                parts.append(f"{entry.unread} unread")
            if entry.mentions and entry.role is not None:
                parts.append(f"{entry.mentions} mentioning you")
            parts.append(entry.detail())
            return ", ".join(parts)
        case Qt.ItemDataRole.AccessibleDescriptionRole:
            return HINTS.get(entry.kind, "")
        case Role.KIND:
            return entry.kind
        case Role.SECTION:
            return int(Section.ROOMS if entry.role is not None else Section.FORMER_ROOMS)
        case Role.KEYWORDS:
            return f"{entry.name} {entry.topic}".casefold()
        case Role.ROOM | Role.CONVERSATION:
            return entry.room
        case Role.UNREAD:
            return entry.unread if entry.role is not None else 0
        case Role.MENTIONS:
            return entry.mentions if entry.role is not None else 0
        case Role.MUTED:
            return entry.muted
        case Role.ROLE:
            return entry.role
        case Role.DETAIL:
            return entry.detail()
        case Role.TIME:
            return time_text(entry.when) if entry.when else ""
    return None


def invitation_data(entry: InvitationEntry, role: int, name_of: Callable[[str], str]) -> object:
    info = entry.info
    match role:
        case Qt.ItemDataRole.DisplayRole:
            return info.name
        case Qt.ItemDataRole.ToolTipRole:
            return f"#{info.name}\n{info.topic}" if info.topic else f"#{info.name}"
        case Qt.ItemDataRole.AccessibleTextRole:
            return f"Invitation to room {info.name}, {entry.detail(name_of)}"
        case Qt.ItemDataRole.AccessibleDescriptionRole:
            return HINTS[INVITATION]
        case Role.KIND:
            return INVITATION
        case Role.SECTION:
            return int(Section.INVITATIONS)
        case Role.KEYWORDS:
            return f"{info.name} {info.topic}".casefold()
        case Role.ROOM:
            return info.id
        case Role.DETAIL:
            return entry.detail(name_of)
    return None
