"""The contact list as an item model: one row per contact or room, headers between groups.

Rows are kept in their final order by the model itself (contact requests and room
invitations first, then rooms and contacts each by their latest message, then sent
requests, blocked people and rooms one has left), and every change is applied as the
smallest set of inserts, removes and moves, never a reset: the selection and scroll
position survive a message arriving.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    Qt,
    Signal,
)

from messenger.account.roster import display_name
from messenger.protocol.names import direct_peer
from messenger.protocol.results import Contact
from messenger.protocol.rooms import is_room_id
from messenger.ui import presence_style
from messenger.ui.calls import words as call_words
from messenger.ui.contacts.kinds import (
    ACCEPTED,
    BLOCKED,
    HEADER,
    HINTS,
    INCOMING,
    OUTGOING,
    ROOM,
    TITLES,
    Index,
    Role,
    Section,
)
from messenger.ui.contacts.room_rows import (
    InvitationEntry,
    RoomEntry,
    invitation_data,
    room_data,
    room_entry,
)
from messenger.ui.contacts.texts import one_line, time_text
from messenger.ui.files.card import file_preview
from messenger.ui.rooms.invitations import RoomInvitations
from messenger.ui.session import AccountSession


@dataclass(frozen=True)
class HeaderEntry:
    section: Section
    count: int

    @property
    def key(self) -> str:
        # "#" never occurs in a username, so header keys cannot clash with rows.
        return f"#{self.section.name}"


@dataclass(frozen=True)
class ContactEntry:
    contact: Contact
    conversation: str
    unread: int
    preview: str  # "" when the conversation is empty
    when: float | None  # time of the message the preview shows

    @property
    def key(self) -> str:
        return self.contact.username

    @property
    def kind(self) -> str:
        return BLOCKED if self.contact.blocked else self.contact.state

    @property
    def section(self) -> Section:
        return {INCOMING: Section.REQUESTS, ACCEPTED: Section.CONTACTS, OUTGOING: Section.SENT}.get(
            self.kind, Section.BLOCKED
        )

    @property
    def name(self) -> str:
        return display_name(self.contact)


Entry = HeaderEntry | ContactEntry | RoomEntry | InvitationEntry


def detail_text(entry: ContactEntry) -> str:
    """The row's second line: what a glance at the list should tell."""
    contact = entry.contact
    if entry.kind == BLOCKED:
        return "Blocked"
    if entry.kind == INCOMING:
        return "wants to add you"
    if entry.kind == OUTGOING:
        return "request sent"
    if entry.preview:
        return entry.preview
    if contact.status == "offline" and contact.last_seen:
        return f"Offline, last seen {time_text(contact.last_seen)}"
    return presence_style.LABELS.get(contact.status, "Offline")


def _sort_key(entry: ContactEntry | RoomEntry) -> tuple[int, float, str, str]:
    if entry.kind in (ACCEPTED, ROOM) and entry.when is not None:
        return (0, -entry.when, entry.name.casefold(), entry.key)
    return (1, 0.0, entry.name.casefold(), entry.key)


def _row_sort_key(entry: ContactEntry | RoomEntry | InvitationEntry) -> tuple[int, float, str, str]:
    if isinstance(entry, InvitationEntry):
        return (1, 0.0, "", "")  # oldest invitation first, as the server lists them
    return _sort_key(entry)


class ContactListModel(QAbstractListModel):
    """The account's roster and rooms, each with its conversation's summary."""

    unread_total_changed = Signal(int)

    def __init__(
        self,
        session: AccountSession,
        invitations: RoomInvitations | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._session = session
        self._invitations = invitations
        self._rows: list[Entry] = []
        self._contacts: dict[str, ContactEntry] = {}
        self._rooms: dict[str, RoomEntry] = {}
        self._invites: dict[str, InvitationEntry] = {}
        # What each conversation, contact or not, adds to the unread total.
        self._unread: dict[str, int] = {}
        for conversation in session.store.timeline.conversations():
            self._unread[conversation] = self._counted_unread(conversation)
        self._total = sum(self._unread.values())
        session.roster_changed.connect(self._on_roster_changed)
        session.conversation_changed.connect(self._on_conversation_changed)
        session.profile_changed.connect(self._on_profile_changed)
        if invitations is not None:
            invitations.changed.connect(self._on_invitations_changed)
            self._invites = {e.key: e for e in (InvitationEntry(i) for i in invitations.pending())}
        self._on_roster_changed("")

    # --- reading -----------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self._rows)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        if isinstance(self._rows[index.row()], HeaderEntry):
            return Qt.ItemFlag.ItemIsEnabled
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        entry = self._rows[index.row()]
        if isinstance(entry, HeaderEntry):
            return self._header_data(entry, role)
        if isinstance(entry, RoomEntry):
            return room_data(entry, role)
        if isinstance(entry, InvitationEntry):
            return invitation_data(entry, role, self._session.name_of)
        return self._contact_data(entry, role)

    def _header_data(self, entry: HeaderEntry, role: int) -> object:
        match role:
            case Qt.ItemDataRole.DisplayRole:
                return TITLES[entry.section]
            case Qt.ItemDataRole.AccessibleTextRole:
                return f"{TITLES[entry.section]}: {entry.count}"
            case Role.KIND:
                return HEADER
            case Role.SECTION:
                return int(entry.section)
            case Role.COUNT:
                return entry.count
        return None

    def _contact_data(self, entry: ContactEntry, role: int) -> object:
        contact = entry.contact
        match role:
            case Qt.ItemDataRole.DisplayRole:
                return entry.name
            case Qt.ItemDataRole.ToolTipRole:
                status = presence_style.LABELS.get(contact.status, "Offline")
                extra = f" — {contact.text}" if contact.text else ""
                return f"{entry.name} ({contact.username})\n{status}{extra}"
            case Qt.ItemDataRole.AccessibleTextRole:
                return self._spoken(entry)
            case Qt.ItemDataRole.AccessibleDescriptionRole:
                return HINTS.get(entry.kind, "")
            case Role.KIND:
                return entry.kind
            case Role.SECTION:
                return int(entry.section)
            case Role.USERNAME | Role.KEYWORDS:
                return contact.username
            case Role.CONTACT:
                return contact
            case Role.CONVERSATION:
                return entry.conversation
            case Role.UNREAD:
                return entry.unread
            case Role.STATUS:
                return contact.status
            case Role.STATUS_TEXT:
                return contact.text
            case Role.DETAIL:
                return detail_text(entry)
            case Role.TIME:
                return time_text(entry.when) if entry.when and entry.kind == ACCEPTED else ""
        return None

    def _spoken(self, entry: ContactEntry) -> str:
        parts = [entry.name]
        if entry.kind == ACCEPTED:
            parts.append(presence_style.LABELS.get(entry.contact.status, "Offline"))
            if entry.contact.text:
                parts.append(entry.contact.text)
            if entry.unread:
                parts.append(f"{entry.unread} unread")
        parts.append(detail_text(entry))
        return ", ".join(parts)

    def index_of(self, key: str) -> QModelIndex:
        """The row of a contact (by username) or of a room (by its id)."""
        for row, entry in enumerate(self._rows):
            if entry.key == key and isinstance(entry, ContactEntry | RoomEntry):
                return self.index(row, 0)
        return QModelIndex()

    def index_of_invitation(self, room: str) -> QModelIndex:
        for row, entry in enumerate(self._rows):
            if isinstance(entry, InvitationEntry) and entry.info.id == room:
                return self.index(row, 0)
        return QModelIndex()

    def unread_total(self) -> int:
        return self._total

    # --- keeping current ---------------------------------------------------------------

    def _entry_for(self, contact: Contact) -> ContactEntry:
        session = self._session
        conversation = session.conversation_with(contact.username)
        preview, when = self._latest(conversation)
        return ContactEntry(
            contact=contact,
            conversation=conversation,
            unread=session.store.timeline.unread_count(conversation, session.username),
            preview=preview,
            when=when,
        )

    def _queued(self, conversation: str, since: float | None) -> tuple[str, float] | None:
        """The preview of one's newest message still in the outbox, if newer than ``since``."""
        queued = self._session.pending(conversation)
        newest = max(queued, key=lambda e: e.created_at, default=None)
        if newest is None or (since is not None and newest.created_at < since):
            return None
        prefix = "Not sent: " if newest.error_code else "You: "
        text = str(newest.payload.get("text", ""))
        file = newest.file
        if file is not None:
            text = file_preview(file.name, text)
        return prefix + one_line(text), newest.created_at

    def _room_entry(self, room: str) -> RoomEntry:
        entry = room_entry(self._session, room)
        queued = self._queued(room, entry.when)
        if queued is not None:
            entry = dataclasses.replace(entry, preview=queued[0], when=queued[1])
        return entry

    def _counted_unread(self, conversation: str) -> int:
        if is_room_id(conversation):
            return room_entry(self._session, conversation).counted_unread()
        return self._session.store.timeline.unread_count(conversation, self._session.username)

    def _latest(self, conversation: str) -> tuple[str, float | None]:
        """The preview line and its time: the newest stored message, or one still being sent."""
        session = self._session
        last = session.store.timeline.last_message(conversation)
        queued = self._queued(conversation, None if last is None else last.ts)
        if queued is not None:
            return queued
        if last is None:
            return "", None
        if last.deleted:
            return "Message deleted", last.ts
        if last.call is not None:
            incoming = last.sender != session.username
            call = last.call
            text = call_words.history(call.video, call.outcome, call.duration, incoming=incoming)
            return text, last.ts
        prefix = "You: " if last.sender == session.username else ""
        text = last.text if last.file is None else file_preview(last.file.name, last.text)
        return prefix + one_line(text), last.ts

    def _on_roster_changed(self, username: str) -> None:
        roster = self._session.roster
        if not username:
            self._contacts = {c.username: self._entry_for(c) for c in roster.contacts()}
            # Names in the rooms' previews may have changed too.
            self._rooms = {
                room: self._room_entry(room)
                for room in self._session.store.timeline.conversations()
                if is_room_id(room)
            }
        else:
            contact = roster.get(username)
            if contact is None:
                self._contacts.pop(username, None)
            else:
                self._contacts[username] = self._entry_for(contact)
        self._sync(self._ordered())

    def _on_conversation_changed(self, conversation: str) -> None:
        session = self._session
        if is_room_id(conversation):
            room = self._rooms[conversation] = self._room_entry(conversation)
            self._unread[conversation] = room.counted_unread()
            self._sync(self._ordered())
        else:
            unread = session.store.timeline.unread_count(conversation, session.username)
            self._unread[conversation] = unread
            peer = direct_peer(conversation, session.username)
            current = self._contacts.get(peer) if peer else None
            if current is not None:
                self._contacts[current.key] = self._entry_for(current.contact)
                self._sync(self._ordered())
        total = sum(self._unread.values())
        if total != self._total:
            self._total = total
            self.unread_total_changed.emit(total)

    def refresh_room(self, room: str) -> None:
        """Show what changed about a room outside its history (muted on this device)."""
        self._on_conversation_changed(room)

    def _on_invitations_changed(self) -> None:
        assert self._invitations is not None  # connected only when there are invitations
        self._invites = {
            e.key: e for e in (InvitationEntry(i) for i in self._invitations.pending())
        }
        self._sync(self._ordered())

    def _on_profile_changed(self, username: str) -> None:
        # The picture arrived or changed: only the avatar needs repainting.
        index = self.index_of(username)
        if index.isValid():
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])

    def _ordered(self) -> list[Entry]:
        groups: dict[Section, list[ContactEntry | RoomEntry | InvitationEntry]] = {
            s: [] for s in Section
        }
        for entry in self._contacts.values():
            groups[entry.section].append(entry)
        for room in self._rooms.values():
            in_it = room.role is not None
            groups[Section.ROOMS if in_it else Section.FORMER_ROOMS].append(room)
        # An invitation to a room one is already in (accepted elsewhere) is no news.
        for invite in self._invites.values():
            current = self._rooms.get(invite.info.id)
            if current is None or current.role is None:
                groups[Section.INVITATIONS].append(invite)
        # The "Contacts" header only earns its place when another section is shown.
        others = any(groups[s] for s in Section if s != Section.CONTACTS)
        rows: list[Entry] = []
        for section in Section:
            members = sorted(groups[section], key=_row_sort_key)
            if not members:
                continue
            if section != Section.CONTACTS or others:
                rows.append(HeaderEntry(section, len(members)))
            rows.extend(members)
        return rows

    def _sync(self, target: list[Entry]) -> None:
        """Turn the current rows into ``target`` with removes, moves and inserts only."""
        wanted = {e.key: i for i, e in enumerate(target)}
        for row in reversed(range(len(self._rows))):
            if self._rows[row].key not in wanted:
                self.beginRemoveRows(QModelIndex(), row, row)
                del self._rows[row]
                self.endRemoveRows()
        for row, entry in enumerate(target):
            rows = self._rows
            if row < len(rows) and rows[row].key != entry.key:
                here = rows[row]
                if row + 1 < len(rows) and rows[row + 1].key == entry.key:
                    # The row here moved down (an older conversation): one move, not many.
                    dest = min(wanted[here.key] + 1, len(rows))
                    self.beginMoveRows(QModelIndex(), row, row, QModelIndex(), dest)
                    rows.insert(dest - 1, rows.pop(row))
                    self.endMoveRows()
                else:
                    found = next(
                        (j for j in range(row + 1, len(rows)) if rows[j].key == entry.key), None
                    )
                    if found is None:
                        self.beginInsertRows(QModelIndex(), row, row)
                        rows.insert(row, entry)
                        self.endInsertRows()
                        continue
                    self.beginMoveRows(QModelIndex(), found, found, QModelIndex(), row)
                    rows.insert(row, rows.pop(found))
                    self.endMoveRows()
            elif row >= len(rows):
                self.beginInsertRows(QModelIndex(), row, row)
                rows.append(entry)
                self.endInsertRows()
                continue
            if rows[row] != entry:
                rows[row] = entry
                index = self.index(row, 0)
                self.dataChanged.emit(index, index)
