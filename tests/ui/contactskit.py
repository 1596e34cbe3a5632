"""Helpers for the contacts panel tests: a shown panel and its rows."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex
from pytestqt.qtbot import QtBot

from messenger.ui.contacts import ContactsPanel
from messenger.ui.session import AccountSession


def shown_panel(qtbot: QtBot, session: AccountSession) -> ContactsPanel:
    panel = ContactsPanel(session)
    qtbot.addWidget(panel)
    panel.resize(360, 560)
    panel.show()
    return panel


def row(panel: ContactsPanel, username: str) -> QModelIndex:
    """The row of ``username`` as the list shows it (invalid when not shown)."""
    return panel.proxy.mapFromSource(panel.model.index_of(username))
