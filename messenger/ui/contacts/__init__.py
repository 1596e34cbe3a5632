"""The contact list: model, row painting, the panel around it, and the add-contact dialog."""

from __future__ import annotations

from messenger.ui.contacts.add_dialog import AddContactDialog
from messenger.ui.contacts.panel import ContactsPanel

__all__ = ["AddContactDialog", "ContactsPanel"]
