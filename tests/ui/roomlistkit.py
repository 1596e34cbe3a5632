"""Helpers for the room list and room dialog tests: rooms made by real clients, rows, in-row
buttons, menus and confirmation boxes."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QApplication, QMenu, QMessageBox
from pytestqt.qtbot import QtBot

from messenger.ui.contacts import ContactsPanel
from messenger.ui.contacts.kinds import Role
from messenger.ui.session import AccountSession
from tests.clientkit import eventually


async def public_room(owner: AccountSession, name: str, *members: AccountSession) -> str:
    """A public room ``name`` created by ``owner`` and joined by ``members``: its id."""
    info = await owner.client.create_room(name, topic="Planning", public=True)
    for member in members:
        await member.client.join_room(info.id)
    everyone = {owner.username, *(m.username for m in members)}
    await eventually(lambda: set(owner.client.room_roles(info.id)) == everyone)
    for member in members:
        # A member's events start at its joining: the server tells who was there before.
        await member.client.room_members(info.id)
    return info.id


def room_row(panel: ContactsPanel, room: str) -> QModelIndex:
    """The row of a room as the list shows it (invalid when not shown)."""
    return panel.proxy.mapFromSource(panel.model.index_of(room))


def invitation_row(panel: ContactsPanel, room: str) -> QModelIndex:
    return panel.proxy.mapFromSource(panel.model.index_of_invitation(room))


def click_row_button(qtbot: QtBot, panel: ContactsPanel, index: QModelIndex, action: str) -> None:
    """Click the Accept or Decline button drawn in a row."""
    rect = panel.view.visualRect(index)
    button = panel.delegate.button_rects(rect, panel.view.fontMetrics())[action]
    qtbot.mouseClick(panel.view.viewport(), Qt.MouseButton.LeftButton, pos=button.center())


def trigger(menu: QMenu, text: str) -> None:
    action = next(a for a in menu.actions() if a.text() == text)
    action.trigger()


def answer_box(button_text: str) -> str:
    """Click ``button_text`` in the confirmation box on screen; returns the question asked."""
    box = next(
        w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()
    )
    question = box.text()
    next(b for b in box.buttons() if b.text() == button_text).click()
    return question


def row_kind(index: QModelIndex) -> str | None:
    return str(index.data(Role.KIND)) if index.isValid() else None
