"""The contact list panel: filter box, add button and the list, with its row actions.

Every relationship change goes through ``AccountSession.contact_action``; the
list itself redraws from the roster change that follows, so the panel never
edits rows by hand. Destructive actions (remove, block, decline, cancel) ask
first, in a window-modal box that does not stop the event loop.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QContextMenuEvent,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QIcon,
    QKeyEvent,
    QKeySequence,
    QPalette,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QMenu,
    QStackedWidget,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from messenger.ui.confirm import confirm
from messenger.ui.contacts.add_dialog import AddContactDialog
from messenger.ui.contacts.delegate import ContactDelegate
from messenger.ui.contacts.filter_proxy import ContactFilterProxy
from messenger.ui.contacts.kinds import (
    ACCEPTED,
    BLOCKED,
    FOLDING,
    FORMER_ROOM,
    HEADER,
    INCOMING,
    INVITATION,
    OUTGOING,
    ROOM,
    Role,
    Section,
)
from messenger.ui.contacts.model import ContactListModel
from messenger.ui.files.drops import local_files
from messenger.ui.rooms.controller import RoomController
from messenger.ui.rooms.invitations import RoomInvitations
from messenger.ui.rooms.rights import can_manage
from messenger.ui.session import AccountSession

EMPTY_TEXT = "No contacts yet — add one with the + button"

# action -> (verb for a failure sentence, confirmation question or None, confirm button)
_ACTIONS: dict[str, tuple[str, str | None, str]] = {
    "accept": ("accept the request of {name}", None, ""),
    "decline": (
        "decline the request of {name}",
        "Decline the contact request of {name}?",
        "Decline",
    ),
    "cancel": (
        "cancel your request to {name}",
        "Cancel your contact request to {name}?",
        "Cancel request",
    ),
    "remove": (
        "remove {name}",
        "Remove {name} from your contacts? You will no longer see each other's status.",
        "Remove",
    ),
    "block": (
        "block {name}",
        "Block {name}? They will not be able to message or call you, or see you online.",
        "Block",
    ),
    "unblock": ("unblock {name}", None, ""),
}


class ContactListView(QListView):
    """The list, with Enter and Space handled as the panel wants (not as double clicks)."""

    row_entered = Signal(QModelIndex)  # Enter or Return on the current row
    menu_requested = Signal(QModelIndex, QPoint)  # a context menu at a global position
    files_dropped = Signal(QModelIndex, list)  # a contact's row, the local paths dropped on it

    def _contact_at(self, pos: QPoint) -> QModelIndex:
        """The accepted contact or room under a drag (files go only where one can write)."""
        index = self.indexAt(pos)
        writable = index.isValid() and index.data(Role.KIND) in (ACCEPTED, ROOM)
        return index if writable else QModelIndex()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if local_files(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        index = self._contact_at(event.position().toPoint())
        if index.isValid() and local_files(event.mimeData()):
            self.setCurrentIndex(index)  # shows whom the files will go to
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        index = self._contact_at(event.position().toPoint())
        paths = local_files(event.mimeData())
        if not index.isValid() or not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        self.files_dropped.emit(index, paths)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        index = self.currentIndex()
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        # Space folds a header; on a contact row it keeps its usual meaning (select).
        space = event.key() == Qt.Key.Key_Space and index.data(Role.KIND) == HEADER
        if index.isValid() and (enter or space):
            self.row_entered.emit(index)
            return
        super().keyPressEvent(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        if event.reason() == QContextMenuEvent.Reason.Mouse:
            index = self.indexAt(event.pos())
        else:  # keyboard: the menu belongs to the current row, shown beside it
            index = self.currentIndex()
        if index.isValid() and index.data(Role.KIND) != HEADER:
            self.setCurrentIndex(index)
            at = event.globalPos()
            if event.reason() != QContextMenuEvent.Reason.Mouse:
                at = self.viewport().mapToGlobal(self.visualRect(index).center())
            self.menu_requested.emit(index, at)
            event.accept()


class ContactsPanel(QWidget):
    """Contacts, rooms, contact requests and room invitations of one account, with search
    and the actions on them."""

    conversation_requested = Signal(str, str)  # conversation id, peer username
    room_requested = Signal(str)  # room id: open the room's conversation
    # conversation, peer (a room's id for a room), local paths: open and send
    files_dropped = Signal(str, str, list)
    unread_total_changed = Signal(int)

    def __init__(self, session: AccountSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._dialog: AddContactDialog | None = None
        self.setAccessibleName("Contacts")

        self.invitations = RoomInvitations(session, self)
        self.rooms = RoomController(session, self.invitations, self)
        self.rooms.room_opened.connect(self.room_requested)
        self.model = ContactListModel(session, self.invitations, self)
        self.rooms.muted_changed.connect(lambda room, _muted: self.model.refresh_room(room))
        self.proxy = ContactFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.model.unread_total_changed.connect(self.unread_total_changed)

        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Search contacts and rooms")
        self.filter.setAccessibleName("Search contacts and rooms")
        self.filter.setToolTip("Filter the list by name, username or room topic (Ctrl+F)")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._on_filter_changed)
        self.filter.returnPressed.connect(self._open_first_match)
        self.filter.installEventFilter(self)

        self.add_button = QToolButton()
        self.add_button.setText("+")
        icon = QIcon.fromTheme("contact-new", QIcon.fromTheme("list-add"))
        if not icon.isNull():
            self.add_button.setIcon(icon)
        self.add_button.setAccessibleName("Add contact")
        self.add_button.setToolTip("Add contact")
        self.add_button.setAutoRaise(True)
        self.add_button.clicked.connect(self.open_add_dialog)

        self.room_button = QToolButton()
        self.room_button.setText("#")
        self.room_button.setAccessibleName("Rooms")
        self.room_button.setToolTip("Create or join a group room")
        self.room_button.setAutoRaise(True)
        self.room_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        room_menu = QMenu(self.room_button)
        room_menu.addAction("New room…", self.rooms.new_room)
        room_menu.addAction("Join a room…", self.rooms.browse)
        self.room_button.setMenu(room_menu)

        self.delegate = ContactDelegate(session, self)
        self.delegate.action_requested.connect(self.request_action)
        self.delegate.invitation_action_requested.connect(self._invitation_action)
        self.view = ContactListView()
        self.view.setModel(self.proxy)
        self.view.setItemDelegate(self.delegate)
        self.view.setAccessibleName("Contact list")
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.setMouseTracking(True)
        self.view.setUniformItemSizes(False)
        self.view.clicked.connect(self._on_clicked)
        self.view.row_entered.connect(self._on_entered)
        self.view.menu_requested.connect(self._show_menu)
        self.view.setAcceptDrops(True)
        self.view.files_dropped.connect(
            lambda index, paths: self.files_dropped.emit(
                str(index.data(Role.CONVERSATION)),
                str(index.data(Role.USERNAME) or index.data(Role.ROOM)),
                paths,
            )
        )

        self.empty = QLabel(EMPTY_TEXT)
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.empty.setMargin(24)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.view)
        self.stack.addWidget(self.empty)

        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.filter, 1)
        top.addWidget(self.room_button)
        top.addWidget(self.add_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(6)
        layout.addLayout(top)
        layout.addWidget(self.stack, 1)

        find = QAction("Search contacts", self)
        find.setShortcut(QKeySequence(QKeySequence.StandardKey.Find))
        find.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        find.triggered.connect(self.focus_filter)
        self.addAction(find)
        self.find_action = find

        for signal in (self.proxy.rowsInserted, self.proxy.rowsRemoved, self.proxy.modelReset):
            signal.connect(self._update_empty_state)
        self._update_empty_state()

    # --- public ------------------------------------------------------------------------

    def unread_total(self) -> int:
        return self.model.unread_total()

    def select_peer(self, peer: str) -> None:
        """Make ``peer`` the current row (clearing a filter that hides it) and show it."""
        self.select(peer)

    def select_room(self, room: str) -> None:
        self.select(room)

    def select(self, key: str) -> None:
        """Make a contact (by username) or a room (by id) the current row, and show it."""
        source = self.model.index_of(key)
        if not source.isValid():
            return
        index = self.proxy.mapFromSource(source)
        if not index.isValid():
            self.filter.clear()
            index = self.proxy.mapFromSource(source)
        if index.isValid():
            self.view.setCurrentIndex(index)
            self.view.scrollTo(index)

    def focus_filter(self) -> None:
        self.filter.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter.selectAll()

    def open_add_dialog(self) -> AddContactDialog:
        if self._dialog is None:
            self._dialog = AddContactDialog(self._session, self)
        self._dialog.open()
        return self._dialog

    def request_action(self, action: str, username: str) -> None:
        """Change the relationship with ``username``, asking first when it cannot be undone."""
        verb, question, button = _ACTIONS[action]
        name = self._session.name_of(username)

        def go() -> None:
            self._session.run(
                self._session.contact_action(action, username), verb.format(name=name)
            )

        if question is None:
            go()
        else:
            confirm(self, "Contacts", question.format(name=name), button, go)

    # --- behaviour ---------------------------------------------------------------------

    def _on_filter_changed(self, text: str) -> None:
        self.proxy.set_filter_text(text)
        self._update_empty_state()

    def _open_first_match(self) -> None:
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, 0)
            if index.data(Role.KIND) in (ACCEPTED, ROOM):
                self.view.setCurrentIndex(index)
                self._open(index)
                return

    def eventFilter(self, watched: object, event: object) -> bool:
        # Down from the filter box walks into the list; Escape clears the filter.
        if (
            watched is self.filter
            and isinstance(event, QKeyEvent)
            and event.type() == event.Type.KeyPress
        ):
            if event.key() == Qt.Key.Key_Down and self.proxy.rowCount():
                self.view.setFocus()
                if not self.view.currentIndex().isValid():
                    self.view.setCurrentIndex(self.proxy.index(0, 0))
                return True
            if event.key() == Qt.Key.Key_Escape and self.filter.text():
                self.filter.clear()
                return True
        return super().eventFilter(watched, event)  # type: ignore[arg-type]

    def _on_clicked(self, index: QModelIndex) -> None:
        kind = index.data(Role.KIND)
        if kind == HEADER:
            self._toggle(index)
        elif kind in (ACCEPTED, ROOM, FORMER_ROOM):
            self._open(index)

    def _on_entered(self, index: QModelIndex) -> None:
        kind = index.data(Role.KIND)
        if kind == HEADER:
            self._toggle(index)
        elif kind in (ACCEPTED, ROOM, FORMER_ROOM):
            self._open(index)
        elif kind == INCOMING:
            self.request_action("accept", str(index.data(Role.USERNAME)))
        elif kind == INVITATION:
            self.rooms.accept_invitation(str(index.data(Role.ROOM)))
        else:  # a sent request or a blocked person: Enter offers what can be done
            rect = self.view.visualRect(index)
            self._show_menu(index, self.view.viewport().mapToGlobal(rect.center()))

    def _toggle(self, index: QModelIndex) -> None:
        section = Section(index.data(Role.SECTION))
        if section in FOLDING:
            self.proxy.toggle_section(section)

    def _open(self, index: QModelIndex) -> None:
        if index.data(Role.KIND) in (ROOM, FORMER_ROOM):
            self.room_requested.emit(str(index.data(Role.ROOM)))
            return
        self.conversation_requested.emit(
            str(index.data(Role.CONVERSATION)), str(index.data(Role.USERNAME))
        )

    def _invitation_action(self, action: str, room: str) -> None:
        if action == "accept":
            self.rooms.accept_invitation(room)
        else:
            self.rooms.decline_invitation(room)

    def _show_menu(self, index: QModelIndex, at: QPoint) -> None:
        menu = self.menu_for(index)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(at)

    def menu_for(self, index: QModelIndex) -> QMenu:
        """The actions on one row, as its context menu offers them."""
        if index.data(Role.KIND) in (ROOM, FORMER_ROOM, INVITATION):
            return self._room_menu(index)
        menu = QMenu(self)
        menu.setAccessibleName("Contact actions")
        username = str(index.data(Role.USERNAME))
        contact = index.data(Role.CONTACT)
        kind = index.data(Role.KIND)

        def add(text: str, action: str, icon: QStyle.StandardPixmap | None = None) -> None:
            item = menu.addAction(text)
            if icon is not None:
                item.setIcon(self.style().standardIcon(icon))
            item.triggered.connect(lambda: self.request_action(action, username))

        if contact.state == ACCEPTED:
            conversation = str(index.data(Role.CONVERSATION))
            open_chat = menu.addAction("Open chat")
            open_chat.triggered.connect(
                lambda: self.conversation_requested.emit(conversation, username)
            )
            menu.setDefaultAction(open_chat)
            menu.addSeparator()
        if kind == INCOMING:
            add("Accept", "accept")
            add("Decline…", "decline")
        elif kind == OUTGOING:
            add("Cancel request…", "cancel")
        if contact.state == ACCEPTED:
            add("Remove contact…", "remove")
        if kind == BLOCKED:
            add("Unblock", "unblock")
        else:
            add("Block…", "block")
        return menu

    def _room_menu(self, index: QModelIndex) -> QMenu:
        menu = QMenu(self)
        menu.setAccessibleName("Room actions")
        room = str(index.data(Role.ROOM))
        kind = index.data(Role.KIND)
        if kind == INVITATION:
            accept = menu.addAction("Accept invitation")
            accept.triggered.connect(lambda: self.rooms.accept_invitation(room))
            menu.setDefaultAction(accept)
            menu.addAction("Decline invitation…", lambda: self.rooms.decline_invitation(room))
            return menu
        open_room = menu.addAction("Open room" if kind == ROOM else "Read the history")
        open_room.triggered.connect(lambda: self.room_requested.emit(room))
        menu.setDefaultAction(open_room)
        if kind != ROOM:
            return menu
        menu.addAction("Members…", lambda: self.rooms.members(room))
        if can_manage(index.data(Role.ROLE)):
            menu.addAction("Invite…", lambda: self.rooms.invite(room))
            menu.addAction("Room settings…", lambda: self.rooms.settings(room))
        menu.addSeparator()
        mute = menu.addAction("Mute notifications")
        mute.setCheckable(True)
        mute.setChecked(bool(index.data(Role.MUTED)))
        mute.setToolTip("No notifications from this room on this device, except mentions of you")
        mute.toggled.connect(lambda on: self.rooms.set_muted(room, on))
        menu.addSeparator()
        menu.addAction("Leave room…", lambda: self.rooms.leave(room))
        return menu

    def _update_empty_state(self) -> None:
        if self.proxy.rowCount():
            self.stack.setCurrentWidget(self.view)
            return
        text = self.proxy.filter_text()
        self.empty.setText(
            f"No contacts match “{self.filter.text().strip()}”" if text else EMPTY_TEXT
        )
        self.stack.setCurrentWidget(self.empty)
