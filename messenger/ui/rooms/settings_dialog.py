"""A room's name, topic and visibility, changed by its owner or admins. Only what changed is
sent; a taken name or a topic past its limit is explained under the form."""

from __future__ import annotations

import asyncio

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from messenger.protocol import limits as L
from messenger.protocol.errors import ProtocolError
from messenger.protocol.rooms import normalize_room_name
from messenger.ui.rooms.create_dialog import name_problem, topic_problem
from messenger.ui.rooms.tasks import tied_task
from messenger.ui.rooms.words import room_error
from messenger.ui.session import AccountSession, describe_error
from messenger.ui.theme import InlineMessage


class RoomSettingsDialog(QDialog):
    def __init__(self, session: AccountSession, room: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.room = room
        self._task: asyncio.Task[None] | None = None
        self.setWindowTitle("Room settings")
        self.setAccessibleName("Room settings")
        self.name = QLineEdit()
        self.name.setAccessibleName("Room name")
        self.name.setMaxLength(40)
        self.topic = QLineEdit()
        self.topic.setAccessibleName("Topic")
        self.topic.setMaxLength(L.MAX_ROOM_TOPIC_CHARS)
        self.public = QCheckBox("Public: anyone on the server can find and join it")
        self.error = InlineMessage()
        form = QFormLayout()
        form.addRow("&Name:", self.name)
        form.addRow("&Topic:", self.topic)
        form.addRow("", self.public)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.save_button = QPushButton("Save")
        self.buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.save_button.setDefault(True)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetFixedSize)
        self.name.setMinimumWidth(340)

    def open(self) -> None:
        """Show the room's settings as this device last heard them."""
        settings = self._session.store.timeline.room(self.room)
        if settings is not None:
            self.name.setText(settings.name)
            self.topic.setText(settings.topic)
            self.public.setChecked(settings.public)
        self.error.clear_message()
        self.save_button.setEnabled(True)
        super().open()
        self.name.setFocus()

    def submit(self) -> None:
        if self._task is not None and not self._task.done():
            return
        problem = name_problem(self.name.text()) or topic_problem(self.topic.text())
        if problem is not None:
            self.error.show_error(problem)
            return
        before = self._session.store.timeline.room(self.room)
        name = normalize_room_name(self.name.text())
        topic = self.topic.text().strip()
        public = self.public.isChecked()
        # Only what changed goes out: a rename alone must not rewrite the topic.
        new_name = name if before is None or name != before.name else None
        new_topic = topic if before is None or topic != before.topic else None
        new_public = public if before is None or public != before.public else None
        if new_name is None and new_topic is None and new_public is None:
            self.accept()
            return
        self.error.clear_message()
        self.save_button.setEnabled(False)
        self._task = tied_task(self, self._save(new_name, new_topic, new_public))

    async def _save(self, name: str | None, topic: str | None, public: bool | None) -> None:
        try:
            await self._session.client.update_room(self.room, name=name, topic=topic, public=public)
        except ProtocolError as exc:
            self.error.show_error(room_error(exc, name or ""))
        except Exception as exc:
            self.error.show_error(f"The settings were not saved: {describe_error(exc)}.")
        else:
            self.accept()
        finally:
            self.save_button.setEnabled(True)
