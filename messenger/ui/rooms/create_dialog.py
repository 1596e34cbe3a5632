"""Create a room: a name (checked against the server's rule as it is typed), a topic, and
whether anyone may find and join it. What only the server knows (the name is taken) comes
back as a sentence under the form; the dialog closes when the room exists.
"""

from __future__ import annotations

import asyncio

from PySide6.QtCore import Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from messenger.protocol import limits as L
from messenger.protocol.errors import ProtocolError
from messenger.protocol.rooms import check_topic, normalize_room_name
from messenger.ui.rooms.tasks import tied_task
from messenger.ui.rooms.words import NAME_RULE, room_error
from messenger.ui.session import AccountSession, describe_error
from messenger.ui.theme import InlineMessage


def name_problem(raw: str) -> str | None:
    """Why ``raw`` cannot name a room, in a sentence; None when it can."""
    if not raw.strip().removeprefix("#"):
        return "Enter a name for the room."
    if normalize_room_name(raw) is None:
        return f"That name cannot be used: a room's name has {NAME_RULE}."
    return None


def topic_problem(raw: str) -> str | None:
    try:
        check_topic(raw)
    except ProtocolError as exc:
        return f"That topic cannot be used: {exc.message}."
    return None


class CreateRoomDialog(QDialog):
    created = Signal(str)  # the new room's id

    def __init__(self, session: AccountSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._task: asyncio.Task[None] | None = None
        self.setWindowTitle("New room")
        self.setAccessibleName("New room")

        self.name = QLineEdit()
        self.name.setPlaceholderText("team-x")
        self.name.setAccessibleName("Room name")
        self.name.setMaxLength(40)  # room for a "#" and spaces the rule then drops
        rule = QLabel(f"{NAME_RULE[0].upper()}{NAME_RULE[1:]}. Unique on the server.")
        rule.setWordWrap(True)
        rule.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.topic = QLineEdit()
        self.topic.setPlaceholderText("What the room is about (optional)")
        self.topic.setAccessibleName("Topic")
        self.topic.setMaxLength(L.MAX_ROOM_TOPIC_CHARS)
        self.public = QCheckBox("Public: anyone on the server can find and join it")
        self.public.setToolTip("A private room is joined by invitation only")
        self.error = InlineMessage()

        form = QFormLayout()
        form.addRow("&Name:", self.name)
        form.addRow("", rule)
        form.addRow("&Topic:", self.topic)
        form.addRow("", self.public)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.create_button = QPushButton("Create room")
        self.buttons.addButton(self.create_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.name.textEdited.connect(lambda _text: self.error.clear_message())
        self.topic.textEdited.connect(lambda _text: self.error.clear_message())

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.create_button.setDefault(True)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetFixedSize)
        self.name.setMinimumWidth(340)

    def open(self) -> None:
        """Show the dialog fresh: empty fields, private, the cursor in the name."""
        self.name.clear()
        self.topic.clear()
        self.public.setChecked(False)
        self.error.clear_message()
        self._set_busy(False)
        super().open()
        self.name.setFocus()

    def submit(self) -> None:
        if self._task is not None and not self._task.done():
            return  # a double click: the first request is on its way
        problem = name_problem(self.name.text())
        field = self.name
        if problem is None:
            problem, field = topic_problem(self.topic.text()), self.topic
        if problem is not None:
            self.error.show_error(problem)
            field.setFocus()
            return
        name = normalize_room_name(self.name.text())
        assert name is not None  # name_problem said it is valid
        self.error.clear_message()  # an older refusal no longer applies
        self._set_busy(True)
        self._task = tied_task(
            self, self._create(name, self.topic.text().strip(), self.public.isChecked())
        )

    async def _create(self, name: str, topic: str, public: bool) -> None:
        try:
            info = await self._session.client.create_room(name, topic=topic, public=public)
        except ProtocolError as exc:
            self._fail(room_error(exc, name))
        except Exception as exc:  # shown, never raised: the dialog stays usable
            self._fail(f"The room could not be created: {describe_error(exc)}.")
        else:
            self._set_busy(False)
            self.accept()
            self.created.emit(info.id)

    def _fail(self, sentence: str) -> None:
        self._set_busy(False)
        if self.isVisible():
            self.error.show_error(sentence)
            self.name.setFocus()
            self.name.selectAll()

    def _set_busy(self, busy: bool) -> None:
        self.create_button.setEnabled(not busy)
        for field in (self.name, self.topic):
            field.setReadOnly(busy)
        self.public.setEnabled(not busy)
        self.create_button.setText("Creating…" if busy else "Create room")
