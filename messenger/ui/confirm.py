"""Asking before an action that cannot be undone (remove a contact, leave a room, ban...)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget


def confirm(
    parent: QWidget, title: str, question: str, button: str, then: Callable[[], None]
) -> QMessageBox:
    """Ask ``question`` (window-modal, Cancel the default) and call ``then`` on ``button``."""
    box = QMessageBox(QMessageBox.Icon.Question, title, question, parent=parent)
    yes = box.addButton(button, QMessageBox.ButtonRole.DestructiveRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def answered() -> None:
        if box.clickedButton() is yes:
            then()

    box.finished.connect(answered)
    box.open()
    return box
