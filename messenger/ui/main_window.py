"""The main window of one signed-in account: who I am, my contacts and rooms, the open chat."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from messenger.protocol.limits import MAX_STATUS_TEXT_CHARS
from messenger.protocol.rooms import is_room_id
from messenger.ui import presence_style
from messenger.ui.avatar import avatar_pixmap
from messenger.ui.chat.panel import ChatPanel
from messenger.ui.connection_badge import ConnectionBadge
from messenger.ui.contacts.panel import ContactsPanel
from messenger.ui.session import AccountSession


class MainWindow(QMainWindow):
    """Presents one ``AccountSession``; the app wires tray, notifications and dialogs to it.

    ``hide_on_close`` is the app's decision (tray present and the setting on),
    so this class never needs to know about the tray.
    """

    settings_requested = Signal()
    account_requested = Signal()
    search_requested = Signal()
    about_requested = Signal()
    quit_requested = Signal()
    presence_chosen = Signal(str)  # a status picked by hand (auto-away must yield to it)
    active_changed = Signal(bool)

    def __init__(self, session: AccountSession, title_suffix: str = "") -> None:
        super().__init__()
        self.session = session
        self.hide_on_close = False
        self.setWindowTitle(f"Messenger — {session.username}{title_suffix}")
        self.resize(980, 660)
        self.setMinimumSize(640, 420)

        self.contacts = ContactsPanel(session)
        self.chat = ChatPanel(session)
        self.contacts.conversation_requested.connect(self.open_chat)
        self.contacts.room_requested.connect(self.open_room)
        self.contacts.files_dropped.connect(self.send_files_to)
        self.rooms = self.contacts.rooms
        header = self.chat.header
        header.members_requested.connect(self.rooms.members)
        header.invite_requested.connect(self.rooms.invite)
        header.settings_requested.connect(self.rooms.settings)
        header.mute_requested.connect(self.rooms.set_muted)
        header.leave_requested.connect(self.rooms.leave)
        self.rooms.muted_changed.connect(lambda _room, _muted: header.refresh())

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.contacts)
        splitter.addWidget(self.chat)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([300, 680])
        splitter.setChildrenCollapsible(False)

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self._identity_bar())
        layout.addWidget(splitter, 1)
        self.setCentralWidget(central)

        self.connection = ConnectionBadge()
        self.statusBar().addPermanentWidget(self.connection)
        self.statusBar().setSizeGripEnabled(False)
        self._build_menus()

        session.connection_changed.connect(self._on_connection)
        session.own_presence_changed.connect(self._show_presence)
        session.profile_changed.connect(self._on_profile)
        session.failed.connect(self.show_problem)
        self._on_connection(session.state.value, session.client.last_error or "")
        self._show_presence(session.status, session.status_text)
        self._on_profile(session.username)

    # --- layout ------------------------------------------------------------------------

    def _identity_bar(self) -> QWidget:
        bar = QWidget()
        bar.setObjectName("identityBar")
        bar.setAutoFillBackground(True)
        bar.setBackgroundRole(bar.palette().ColorRole.Window)
        row = QHBoxLayout(bar)
        row.setContentsMargins(12, 8, 12, 8)
        row.setSpacing(10)

        self.avatar = QLabel()
        self.avatar.setFixedSize(36, 36)
        self.avatar.setAccessibleName("Your picture")
        self.name_label = QLabel()
        font = self.name_label.font()
        font.setBold(True)
        self.name_label.setFont(font)
        self.name_label.setAccessibleName("Your name")

        self.presence = QComboBox()
        self.presence.setAccessibleName("Your status")
        self.presence.setToolTip("Who sees you as available, away, busy or offline")
        for status in presence_style.SETTABLE:
            self.presence.addItem(
                presence_style.dot_icon(status),
                presence_style.LABELS[status].split(" —")[0],
                status,
            )
        self.presence.activated.connect(self._presence_picked)

        self.status_text = QLineEdit()
        self.status_text.setPlaceholderText("Set a status message")
        self.status_text.setAccessibleName("Your status message")
        self.status_text.setMaxLength(MAX_STATUS_TEXT_CHARS)
        self.status_text.setClearButtonEnabled(True)
        self.status_text.editingFinished.connect(self._status_text_edited)

        row.addWidget(self.avatar)
        row.addWidget(self.name_label)
        row.addSpacing(8)
        row.addWidget(self.presence)
        row.addWidget(self.status_text, 1)
        return bar

    def _build_menus(self) -> None:
        def action(
            text: str,
            slot: object,
            shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
        ) -> QAction:
            act = QAction(text, self)
            if shortcut is not None:
                act.setShortcut(QKeySequence(shortcut))
            act.triggered.connect(slot)
            return act

        app_menu = self.menuBar().addMenu("&Messenger")
        app_menu.addAction(action("&Search messages…", self.search_requested.emit, "Ctrl+K"))
        app_menu.addAction(action("S&ettings…", self.settings_requested.emit, "Ctrl+,"))
        app_menu.addSeparator()
        app_menu.addAction(action("&Quit", self.quit_requested.emit, QKeySequence.StandardKey.Quit))

        account = self.account_menu = self.menuBar().addMenu("&Account")
        account.addAction(action("&Add contact…", self.contacts.open_add_dialog, "Ctrl+N"))
        account.addAction(action("&Profile, password and devices…", self.account_requested.emit))

        rooms = self.rooms_menu = self.menuBar().addMenu("&Rooms")
        rooms.addAction(action("&New room…", self.rooms.new_room, "Ctrl+Shift+N"))
        rooms.addAction(action("&Join a room…", self.rooms.browse, "Ctrl+J"))

        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addAction(action("&About Messenger", self.about_requested.emit))

    # --- presence and identity -------------------------------------------------------

    def _presence_picked(self, index: int) -> None:
        status = str(self.presence.itemData(index))
        self.session.set_presence(status)
        self.presence_chosen.emit(status)

    def _status_text_edited(self) -> None:
        text = self.status_text.text().strip()
        if text != self.session.status_text:
            self.session.set_presence(self.session.status, text)

    def _show_presence(self, status: str, text: str) -> None:
        index = self.presence.findData(status)
        if index >= 0:
            self.presence.setCurrentIndex(index)
        if not self.status_text.hasFocus():
            self.status_text.setText(text)

    def _on_profile(self, username: str) -> None:
        if username != self.session.username:
            return
        self.name_label.setText(self.session.name_of(username))
        self.avatar.setPixmap(avatar_pixmap(self.session, username, 36, self.devicePixelRatio()))

    # --- connection and problems ----------------------------------------------------

    def _on_connection(self, state: str, error: str) -> None:
        self.connection.set_state(state, error)

    def show_problem(self, text: str) -> None:
        self.statusBar().showMessage(text, 10_000)

    # --- chats -------------------------------------------------------------------------

    def open_chat(self, conversation: str, peer: str) -> None:
        """Open a 1:1 chat with ``peer``, or the room whose id ``conversation`` is."""
        if is_room_id(conversation):
            self.open_room(conversation)
            return
        self.contacts.select_peer(peer)
        self.chat.open_conversation(conversation, peer)

    def open_room(self, room: str) -> None:
        """Show a room's conversation, with the room's header above it."""
        self.contacts.select_room(room)
        self.chat.open_conversation(room, "")
        self.chat.header.show_room(room)

    def send_files_to(self, conversation: str, peer: str, paths: list[Path]) -> None:
        """Files dropped on a contact or a room: open that chat and send the files there."""
        self.open_chat(conversation, peer)
        self.chat.send_files(paths)

    def bring_to_front(self) -> None:
        if self.isMinimized():
            self.showNormal()
        self.show()
        self.raise_()
        self.activateWindow()

    # --- window events ----------------------------------------------------------------

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.ActivationChange:
            active = self.isActiveWindow()
            self.chat.set_window_active(active)
            self.active_changed.emit(active)
        super().changeEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.hide_on_close:
            event.ignore()
            self.hide()
            return
        event.accept()
        self.quit_requested.emit()
