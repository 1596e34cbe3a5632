"""The contact list as an item model: one row per contact, section headers between groups.

Rows are kept in their final order by the model itself (requests first, then
contacts by their latest message, then sent requests, then blocked people), and
every change is applied as the smallest set of inserts, removes and moves, never
a reset: the selection and scroll position survive a message arriving.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from enum import IntEnum

from PySide6.QtCore import (
    QAbstractListModel,
    QDate,
    QLocale,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTime,
    Signal,
)

from messenger.account.roster import display_name
from messenger.protocol.names import direct_peer
from messenger.protocol.results import Contact
from messenger.ui import presence_style
from messenger.ui.calls import words as call_words
from messenger.ui.files.card import file_preview
from messenger.ui.session import AccountSession

Index = QModelIndex | QPersistentModelIndex


class Section(IntEnum):
    REQUESTS = 0
    CONTACTS = 1
    SENT = 2
    BLOCKED = 3


TITLES = {
    Section.REQUESTS: "Contact requests",
    Section.CONTACTS: "Contacts",
    Section.SENT: "Sent requests",
    Section.BLOCKED: "Blocked",
}

# What a row is: a section header, or a contact in one relationship state.
HEADER = "header"
INCOMING = "incoming"
ACCEPTED = "accepted"
OUTGOING = "outgoing"
BLOCKED = "blocked"


# How to act on a row without a mouse, for screen readers.
HINTS = {
    INCOMING: "Press Enter to accept, or open the context menu to decline.",
    ACCEPTED: "Press Enter to open the chat; the context menu has more actions.",
    OUTGOING: "Open the context menu to cancel the request.",
    BLOCKED: "Open the context menu to unblock.",
}


class Role(IntEnum):
    KIND = Qt.ItemDataRole.UserRole + 1
    SECTION = KIND + 1
    USERNAME = KIND + 2
    CONTACT = KIND + 3  # messenger.protocol.results.Contact
    CONVERSATION = KIND + 4
    UNREAD = KIND + 5
    STATUS = KIND + 6  # presence: available, away, busy, invisible, offline
    STATUS_TEXT = KIND + 7  # the contact's own words ("in a meeting")
    DETAIL = KIND + 8  # the second line: preview, presence, or the request's state
    TIME = KIND + 9  # when the last message was sent, as shown ("14:05", "Tue")
    COUNT = KIND + 10  # headers: how many rows the section holds
    COLLAPSED = KIND + 11  # headers: the section's rows are hidden


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


Entry = HeaderEntry | ContactEntry


def one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def time_text(ts: float, today: date | None = None) -> str:
    """hh:mm for today, the weekday within the last week, else the date (in the user's locale)."""
    when = datetime.fromtimestamp(ts)
    today = today or date.today()
    locale = QLocale()
    age = (today - when.date()).days
    if age <= 0:
        return locale.toString(QTime(when.hour, when.minute), QLocale.FormatType.ShortFormat)
    if age < 7:
        return locale.dayName(when.isoweekday(), QLocale.FormatType.ShortFormat)
    return locale.toString(QDate(when.year, when.month, when.day), QLocale.FormatType.ShortFormat)


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


def _sort_key(entry: ContactEntry) -> tuple[int, float, str, str]:
    if entry.section == Section.CONTACTS and entry.when is not None:
        return (0, -entry.when, entry.name.casefold(), entry.key)
    return (1, 0.0, entry.name.casefold(), entry.key)


class ContactListModel(QAbstractListModel):
    """The account's roster with each contact's conversation summary."""

    unread_total_changed = Signal(int)

    def __init__(self, session: AccountSession, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._rows: list[Entry] = []
        self._contacts: dict[str, ContactEntry] = {}
        # Unread counts of every conversation, contact or not, for the total.
        timeline = session.store.timeline
        self._unread = {
            c: timeline.unread_count(c, session.username) for c in timeline.conversations()
        }
        self._total = sum(self._unread.values())
        session.roster_changed.connect(self._on_roster_changed)
        session.conversation_changed.connect(self._on_conversation_changed)
        session.profile_changed.connect(self._on_profile_changed)
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
            case Role.USERNAME:
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

    def index_of(self, username: str) -> QModelIndex:
        for row, entry in enumerate(self._rows):
            if entry.key == username and isinstance(entry, ContactEntry):
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

    def _latest(self, conversation: str) -> tuple[str, float | None]:
        """The preview line and its time: the newest stored message, or one still being sent."""
        session = self._session
        last = session.store.timeline.last_message(conversation)
        queued = session.pending(conversation)
        newest = max(queued, key=lambda e: e.created_at, default=None)
        if newest is not None and (last is None or newest.created_at >= last.ts):
            prefix = "Not sent: " if newest.error_code else "You: "
            text = str(newest.payload.get("text", ""))
            file = newest.file
            if file is not None:
                text = file_preview(file.name, text)
            return prefix + one_line(text), newest.created_at
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
        else:
            contact = roster.get(username)
            if contact is None:
                self._contacts.pop(username, None)
            else:
                self._contacts[username] = self._entry_for(contact)
        self._sync(self._ordered())

    def _on_conversation_changed(self, conversation: str) -> None:
        session = self._session
        unread = session.store.timeline.unread_count(conversation, session.username)
        self._unread[conversation] = unread
        total = sum(self._unread.values())
        peer = direct_peer(conversation, session.username)
        current = self._contacts.get(peer) if peer else None
        if current is not None:
            self._contacts[current.key] = self._entry_for(current.contact)
            self._sync(self._ordered())
        if total != self._total:
            self._total = total
            self.unread_total_changed.emit(total)

    def _on_profile_changed(self, username: str) -> None:
        # The picture arrived or changed: only the avatar needs repainting.
        index = self.index_of(username)
        if index.isValid():
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])

    def _ordered(self) -> list[Entry]:
        groups: dict[Section, list[ContactEntry]] = {s: [] for s in Section}
        for entry in self._contacts.values():
            groups[entry.section].append(entry)
        # The "Contacts" header only earns its place when another section is shown.
        others = any(groups[s] for s in Section if s != Section.CONTACTS)
        rows: list[Entry] = []
        for section in Section:
            members = sorted(groups[section], key=_sort_key)
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
