"""What the list's rows are and the item-data roles they answer, shared by the model, its
room rows, the delegate, the filter and the panel."""

from __future__ import annotations

from enum import IntEnum

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

Index = QModelIndex | QPersistentModelIndex


class Section(IntEnum):
    REQUESTS = 0
    INVITATIONS = 1
    ROOMS = 2
    CONTACTS = 3
    SENT = 4
    BLOCKED = 5
    FORMER_ROOMS = 6


TITLES = {
    Section.REQUESTS: "Contact requests",
    Section.INVITATIONS: "Room invitations",
    Section.ROOMS: "Rooms",
    Section.CONTACTS: "Contacts",
    Section.SENT: "Sent requests",
    Section.BLOCKED: "Blocked",
    Section.FORMER_ROOMS: "Rooms you left",
}

# Sections folded until opened (their header shows an arrow).
FOLDING = (Section.BLOCKED, Section.FORMER_ROOMS)

# What a row is: a section header, a contact in one relationship state, or a room.
HEADER = "header"
INCOMING = "incoming"
ACCEPTED = "accepted"
OUTGOING = "outgoing"
BLOCKED = "blocked"
ROOM = "room"
FORMER_ROOM = "former_room"  # left or removed: the history stays, read-only
INVITATION = "invitation"


# How to act on a row without a mouse, for screen readers.
HINTS = {
    INCOMING: "Press Enter to accept, or open the context menu to decline.",
    ACCEPTED: "Press Enter to open the chat; the context menu has more actions.",
    OUTGOING: "Open the context menu to cancel the request.",
    BLOCKED: "Open the context menu to unblock.",
    ROOM: "Press Enter to open the room; the context menu has more actions.",
    FORMER_ROOM: "Press Enter to read the room's history.",
    INVITATION: "Press Enter to join, or open the context menu to decline.",
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
    KEYWORDS = KIND + 12  # what the filter box matches besides the name
    ROOM = KIND + 13  # rooms and invitations: the room's id
    MUTED = KIND + 14  # rooms: notifications muted on this device
    MENTIONS = KIND + 15  # rooms: unread messages that mention me
    ROLE = KIND + 16  # rooms: my role (owner, admin, member), None once I left
