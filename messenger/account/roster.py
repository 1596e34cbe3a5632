"""The contact list as the server reports it, kept current from pushed events."""

from __future__ import annotations

from collections.abc import Iterable

import msgspec

from messenger.protocol.events import ContactEvent, PresenceEvent, ProfileEvent, ServerFrame
from messenger.protocol.results import Contact


def display_name(contact: Contact) -> str:
    return contact.display_name or contact.username


class Roster:
    """Contacts by username: relationship, presence and profile summary.

    ``apply`` folds one pushed event in and returns the username it changed, so
    a view can refresh one row instead of the whole list.
    """

    def __init__(self) -> None:
        self._contacts: dict[str, Contact] = {}

    def replace(self, contacts: Iterable[Contact]) -> None:
        self._contacts = {c.username: c for c in contacts}

    def update(self, contact: Contact) -> None:
        if contact.state == "none" and not contact.blocked:
            self._contacts.pop(contact.username, None)
        else:
            self._contacts[contact.username] = contact

    def apply(self, event: ServerFrame) -> str | None:
        match event:
            case PresenceEvent(user=user):
                current = self._contacts.get(user)
                if current is None:
                    return None
                self._contacts[user] = msgspec.structs.replace(
                    current, status=event.status, text=event.text, last_seen=event.last_seen
                )
                return user
            case ContactEvent(user=user):
                current = self._contacts.get(user) or Contact(username=user, state=event.state)
                changed = msgspec.structs.replace(
                    current,
                    state=event.state,
                    blocked=event.blocked,
                    display_name=event.display_name,
                    avatar_hash=event.avatar_hash,
                )
                if event.state != "accepted":
                    # Presence is only shared between accepted contacts.
                    changed = msgspec.structs.replace(changed, status="offline", text="")
                self.update(changed)
                return user
            case ProfileEvent(user=user):
                current = self._contacts.get(user)
                if current is None:
                    return None
                self._contacts[user] = msgspec.structs.replace(
                    current, display_name=event.display_name, avatar_hash=event.avatar_hash
                )
                return user
        return None

    def get(self, username: str) -> Contact | None:
        return self._contacts.get(username)

    def contacts(self) -> list[Contact]:
        return list(self._contacts.values())

    def __len__(self) -> int:
        return len(self._contacts)
