"""The chat side of the main window: who one talks to, the messages, who is typing, and the
composer. Keeps one draft per conversation, so switching chats never loses what was typed.
Files dropped on the messages or the composer, picked or pasted are sent to the open chat.
A room opens the same way, by its conversation id: its members name the bubbles and the
typing notice, and the composer offers them for @-mentions.
"""

from __future__ import annotations

import functools
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, Signal
from PySide6.QtGui import QCursor, QGuiApplication, QImage, QPalette
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QMenu,
    QMessageBox,
    QStackedWidget,
    QToolButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from messenger.protocol.events import MessageEvent
from messenger.protocol.rooms import is_room_id
from messenger.text.emoji_catalog import QUICK_REACTIONS
from messenger.ui.chat.composer import DEFAULT_LIMIT, Composer, Draft, Target
from messenger.ui.chat.emoji_picker import EmojiPicker
from messenger.ui.chat.header import ChatHeader
from messenger.ui.chat.model import ChatModel
from messenger.ui.chat.room_people import RoomPeople
from messenger.ui.chat.typing_notice import TypingNotices
from messenger.ui.chat.view import ChatView
from messenger.ui.files.actions import FileActions
from messenger.ui.files.card import ACTION_LABELS, file_preview
from messenger.ui.session import AccountSession


class ChatPanel(QWidget):
    call_requested = Signal(str, bool)  # peer, with video: the header's buttons or "call back"

    def __init__(self, session: AccountSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._conversation: str | None = None
        self._peer = ""
        self._model: ChatModel | None = None
        self.people: RoomPeople | None = None  # the open room's members; None in a 1:1 chat
        self._drafts: dict[str, Draft] = {}
        self._window_active = False
        self._unseen = False  # new messages arrived while scrolled up
        self._names = ("", "")  # the names the open chat shows: the peer's and one's own

        self.header = ChatHeader(session, self)
        self.header.call_requested.connect(self.call_requested)
        line = QFrame(self)
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)

        # Messages, with a jump-to-newest button and a loading note over them.
        self.view = ChatView(self)
        self.view.context_menu_requested.connect(self._show_menu)
        self.view.reaction_clicked.connect(self.toggle_reaction)
        self.view.action_clicked.connect(self._outbox_action)
        self.view.quote_clicked.connect(self._show_message)
        self.view.call_back_clicked.connect(self._call_back)
        self.view.file_action_clicked.connect(self.file_action)
        self.view.files_dropped.connect(self.send_files)
        self.view.at_bottom_changed.connect(self._on_at_bottom_changed)
        self.view.installEventFilter(self)
        self.jump = QToolButton(self.view)
        self.jump.setText("↓")
        self.jump.setAccessibleName("Jump to the newest message")
        self.jump.setToolTip("Jump to the newest message")
        self.jump.clicked.connect(self.jump_to_newest)
        self.jump.hide()
        self.loading = QLabel("Loading earlier messages…", self.view)
        self.loading.setAutoFillBackground(True)
        self.loading.setContentsMargins(8, 2, 8, 2)
        self.loading.hide()

        self.typing_label = QLabel(self)
        self.typing_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.typing_label.setContentsMargins(14, 0, 14, 0)
        self.typing_label.setFixedHeight(self.typing_label.fontMetrics().height() + 4)
        self.typing_label.setAccessibleName("Typing")
        self._typing = TypingNotices(self)
        self._typing.changed.connect(self._update_typing)

        self.composer = Composer(self)
        self.composer.send_requested.connect(self._send)
        self.composer.edit_requested.connect(self._edit)
        self.composer.edit_last_requested.connect(self._edit_last)
        self.composer.typing.connect(self._on_typing)
        self.composer.files_chosen.connect(self.send_files)
        self.composer.image_pasted.connect(self._send_pasted)
        self.files = FileActions(session, self)
        self.files.sent.connect(self._on_file_sent)

        chat = QWidget(self)
        chat_layout = QVBoxLayout(chat)
        chat_layout.setContentsMargins(0, 0, 0, 0)
        chat_layout.setSpacing(0)
        chat_layout.addWidget(self.header)
        chat_layout.addWidget(line)
        chat_layout.addWidget(self.view, 1)
        chat_layout.addWidget(self.typing_label)
        chat_layout.addWidget(self.composer)

        self.empty = QLabel("Select a contact to start chatting", self)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.pages = QStackedWidget(self)
        self.pages.addWidget(self.empty)
        self.pages.addWidget(chat)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pages)

        self._reaction_picker: EmojiPicker | None = None
        self._reaction_row: str | None = None

        session.roster_changed.connect(self._on_roster_changed)
        session.profile_changed.connect(self._on_profile_changed)
        session.typing_changed.connect(self._on_typing_changed)
        session.message_received.connect(self._on_message_received)
        session.connection_changed.connect(self._on_connection_changed)

    # --- public API -------------------------------------------------------------------

    @property
    def current_conversation(self) -> str | None:
        return self._conversation

    @property
    def model(self) -> ChatModel | None:
        return self._model

    def open_conversation(self, conversation: str, peer: str = "") -> None:
        """Show a conversation (a room's ``peer`` is ""), keeping the draft of the one shown
        before."""
        if conversation == self._conversation:
            self.composer.focus_editor()
            return
        self._leave_conversation()
        self._conversation, self._peer = conversation, peer
        self.header.show_peer(peer)
        if is_room_id(conversation):
            self.people = RoomPeople(self._session, conversation, self)
            self.people.changed.connect(self._on_people_changed)
            self.composer.set_mention_source(self.people.candidates)
        self._update_closed()
        self._model = ChatModel(self._session, conversation, people=self.people, parent=self)
        self._model.arrived.connect(self._on_arrived)
        self._model.loading_changed.connect(self._on_loading_changed)
        self.view.setModel(self._model)
        self.composer.set_draft(self._drafts.get(conversation, Draft()))
        self._unseen = False
        self._names = (self._session.name_of(peer), self._session.name_of(self._session.username))
        self.loading.hide()
        self._update_limit()
        self._update_typing()
        self._update_jump()
        self.pages.setCurrentIndex(1)
        self.composer.focus_editor()
        self._mark_read()

    def set_window_active(self, active: bool) -> None:
        self._window_active = active
        self._mark_read()

    def jump_to_newest(self) -> None:
        if self._model is not None and not self._model.at_newest:
            self._model.load_newest()
        self.view.scroll_to_bottom()
        self._unseen = False
        self._update_jump()

    def _leave_conversation(self) -> None:
        if self._conversation is None or self._model is None:
            return
        self._drafts[self._conversation] = self.composer.draft()
        self._session.set_typing(self._conversation, False)
        if self.people is not None:
            self.composer.set_mention_source(None)
            self.people.close()
            self.people.deleteLater()
            self.people = None
        self._model.close()
        self.view.setModel(None)
        self._model.deleteLater()
        self._model = None

    # --- reading ----------------------------------------------------------------------

    def _mark_read(self) -> None:
        if self._conversation is not None and self._window_active and self.view.at_bottom:
            self._session.mark_read(self._conversation)

    def _on_arrived(self, from_others: int) -> None:
        if from_others and not self.view.at_bottom:
            self._unseen = True
            self._update_jump()
        self._mark_read()

    def _on_at_bottom_changed(self, at_bottom: bool) -> None:
        if at_bottom:
            self._unseen = False
            self._mark_read()
        self._update_jump()

    def _update_jump(self) -> None:
        self.jump.setText("↓ New messages" if self._unseen else "↓")
        self.jump.adjustSize()
        self.jump.setVisible(self._model is not None and not self.view.at_bottom)
        self._place_overlays()

    def _on_loading_changed(self, loading: bool) -> None:
        self.loading.setVisible(loading)
        self._place_overlays()

    def _place_overlays(self) -> None:
        area = self.view.viewport().geometry()
        self.jump.move(
            area.right() - self.jump.width() - 12, area.bottom() - self.jump.height() - 12
        )
        self.loading.adjustSize()
        self.loading.move(area.center().x() - self.loading.width() // 2, area.top() + 8)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.view and event.type() == QEvent.Type.Resize:
            self._place_overlays()
        return super().eventFilter(watched, event)

    def _show_message(self, seq: int) -> None:
        if self._model is None:
            return
        row = self._model.row_of_seq(seq)
        if row is not None:
            index = self._model.index(row)
            self.view.scrollTo(index, ChatView.ScrollHint.PositionAtCenter)
            self.view.setCurrentIndex(index)

    # --- header and typing -------------------------------------------------------------

    def name_of(self, username: str) -> str:
        """A name as the open chat shows it (a room also knows its non-contact members)."""
        people = self.people
        return people.name_of(username) if people is not None else self._session.name_of(username)

    def _on_people_changed(self) -> None:
        """A room's members or their names changed: names, avatars and "seen by" follow."""
        if self._model is not None:
            self._model.names_changed()
            self._model.refresh()
        self._update_typing()
        self._update_closed()

    @property
    def _left_room(self) -> bool:
        return self.people is not None and self.people.left

    def _update_closed(self) -> None:
        self.composer.set_closed("You are no longer in this room" if self._left_room else "")

    def _on_profile_changed(self, username: str) -> None:
        if self.people is not None and self.people.is_member(username):
            self._on_people_changed()  # a member's name or picture
        else:
            self._on_roster_changed(username)

    def _on_roster_changed(self, username: str) -> None:
        if self._model is None:
            return
        if self.people is not None:
            # Presence changes are far more common than renames: only a name redraws.
            if username == "" or self.people.name_changed(username):
                self._on_people_changed()
            return
        if username not in ("", self._peer, self._session.username):
            return
        self.header.refresh()
        names = (self._session.name_of(self._peer), self._session.name_of(self._session.username))
        if names != self._names:  # presence changes are far more common than renames
            self._names = names
            self._model.names_changed()

    def _on_connection_changed(self, _state: str, _error: str) -> None:
        self._update_limit()  # a server announces its limits on each connection

    def _update_limit(self) -> None:
        hello = self._session.client.hello
        self.composer.set_limit(hello.limits.max_text_chars if hello is not None else DEFAULT_LIMIT)

    def _on_typing_changed(self, conversation: str, user: str, typing: bool) -> None:
        self._typing.set(conversation, user, typing)

    def _on_message_received(self, event: MessageEvent) -> None:
        self._typing.set(event.conversation, event.sender, False)  # the message ends it

    def _update_typing(self) -> None:
        conversation = self._conversation or ""
        self.typing_label.setText(self._typing.sentence(conversation, self.name_of))

    # --- writing ----------------------------------------------------------------------

    def _on_typing(self, typing: bool) -> None:
        if self._conversation is not None:
            self._session.set_typing(self._conversation, typing)

    def _send(self, text: str, reply_to: int | None) -> None:
        if self._conversation is None or self._model is None:
            return
        self._session.send_text(self._conversation, text, reply_to)
        if not self._model.at_newest:
            self._model.load_newest()
        self._model.refresh()  # the new row shows at once, marked "sending"
        self.view.scroll_to_bottom()

    def send_files(self, paths: list[Path]) -> None:
        """Send files to the open chat; each shows as a card with its progress."""
        if self._conversation is not None and paths and not self._left_room:
            self.files.send(self._conversation, paths)

    def _send_pasted(self, image: QImage) -> None:
        if self._conversation is not None and not self._left_room:
            self.files.send_pasted(self._conversation, image)

    def _on_file_sent(self, conversation: str) -> None:
        if conversation != self._conversation or self._model is None:
            return
        if not self._model.at_newest:
            self._model.load_newest()
        self._model.refresh()
        self.view.scroll_to_bottom()

    def file_action(self, row: int, action: str) -> None:
        """A file card's action was clicked: download, open, show in folder, view..."""
        if self._model is None or self._conversation is None:
            return
        info = self._model.info(row)
        message = self._model.row_at(row).message
        if info is None or info.file is None or message is None:
            return
        self.files.act(self._conversation, message.file, info.file, action)

    def _edit(self, seq: int, text: str) -> None:
        if self._conversation is not None:
            self._session.edit(self._conversation, seq, text)

    def _edit_last(self) -> None:
        message = None if self._model is None else self._model.last_own_message()
        if message is not None:
            self.composer.start_edit(Target(message.seq, "You", message.text))

    # --- message actions ----------------------------------------------------------------

    def _show_menu(self, row: int, pos: QPoint) -> None:
        if self._model is None or self._conversation is None:
            return
        item = self._model.row_at(row)
        info = self._model.info(row)
        message = item.message
        if info is None or message is None:
            return
        menu = QMenu(self)
        if message.call is not None:
            menu.addAction("Call back", lambda: self._call_back(False))
            menu.addAction("Call back with video", lambda: self._call_back(True))
            menu.exec(pos)
            return
        stored = bool(item.seq) and not message.deleted
        if stored:
            menu.addAction("Reply", lambda: self.reply_to(row))
            react = menu.addMenu("React")
            mine = {r.emoji for r in info.reactions if r.mine}
            for emoji in QUICK_REACTIONS:
                react.addAction(
                    f"{emoji}  (remove)" if emoji in mine else emoji,
                    functools.partial(self.toggle_reaction, row, emoji),
                )
            react.addSeparator()
            react.addAction("More…", lambda: self._pick_reaction(row, pos))
        if info.file is not None:
            card = info.file
            for action in card.actions:
                menu.addAction(
                    ACTION_LABELS[action], functools.partial(self.file_action, row, action)
                )
        if not message.deleted and message.text:
            text = message.text
            menu.addAction("Copy text", lambda: _copy(text))
        if stored and info.own:
            menu.addSeparator()
            menu.addAction(
                "Edit", lambda: self.composer.start_edit(Target(message.seq, "You", message.text))
            )
            menu.addAction("Delete…", lambda: self._delete(message.seq))
        if item.pending is not None and item.pending.error_code:
            menu.addSeparator()
            menu.addAction("Retry", lambda: self._outbox_action(row, "retry"))
            menu.addAction("Discard", lambda: self._outbox_action(row, "discard"))
        menu.exec(pos)

    def _call_back(self, video: bool) -> None:
        """A call's history entry was clicked: call the peer again, if they can be called."""
        if not self._peer:
            return
        blocker = self.header.call_blocker()
        if blocker:
            QToolTip.showText(QCursor.pos(), blocker, self)
        else:
            self.call_requested.emit(self._peer, video)

    def reply_to(self, row: int) -> None:
        """Start a reply to the message in ``row`` (from its menu)."""
        if self._model is None:
            return
        message = self._model.row_at(row).message
        if message is not None and message.seq:
            name = (
                "yourself"
                if message.sender == self._session.username
                else self.name_of(message.sender)
            )
            text = message.text
            if message.file is not None:
                text = file_preview(message.file.name, text)
            self.composer.set_reply(Target(message.seq, name, text))

    def toggle_reaction(self, row: int, emoji: str) -> None:
        """React to the message in ``row`` with ``emoji``, or take one's reaction back."""
        if self._model is None or self._conversation is None:
            return
        item = self._model.row_at(row)
        info = self._model.info(row)
        if info is None or item.pending is not None or not item.seq:
            return
        mine = any(r.emoji == emoji and r.mine for r in info.reactions)
        self._session.react(self._conversation, item.seq, emoji, add=not mine)

    def _pick_reaction(self, row: int, pos: QPoint) -> None:
        if self._model is None:
            return
        if self._reaction_picker is None:
            self._reaction_picker = EmojiPicker(self)
            self._reaction_picker.picked.connect(self._react_with_picked)
        self._reaction_row = self._model.row_at(row).key
        self._reaction_picker.popup_at(pos)

    def _react_with_picked(self, emoji: str) -> None:
        if self._model is None or self._reaction_row is None:
            return
        row = self._model.row_of_key(self._reaction_row)
        if row is not None:
            self.toggle_reaction(row, emoji)

    def _delete(self, seq: int) -> None:
        if self._conversation is None:
            return
        answer = QMessageBox.question(
            self,
            "Delete message",
            "Delete this message for everyone in the chat?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer == QMessageBox.StandardButton.Yes:
            self._session.delete(self._conversation, seq)

    def _outbox_action(self, row: int, action: str) -> None:
        if self._model is None or self._conversation is None:
            return
        pending = self._model.row_at(row).pending
        if pending is None:
            return
        if action == "retry":
            self._session.retry(self._conversation, pending.client_id)
        else:
            self._session.discard(self._conversation, pending.client_id)


def _copy(text: str) -> None:
    QGuiApplication.clipboard().setText(text)
