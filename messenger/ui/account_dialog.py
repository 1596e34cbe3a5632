"""The account window: profile (name and picture), password, signed-in devices, sign out.

Every change goes to the server through the ``AccountSession``; a failure is
shown next to the form it came from, in the server's own words, and the form
keeps what the user typed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from PySide6.QtCore import QDateTime, QLocale, QSize, Qt, Signal
from PySide6.QtGui import QFont, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from messenger.protocol import results as rs
from messenger.protocol.errors import ProtocolError
from messenger.protocol.limits import MAX_DISPLAY_NAME_CHARS, MIN_PASSWORD_CHARS
from messenger.protocol.profiles import normalize_display_name
from messenger.ui.avatar_picture import AVATAR_SIZE, avatar_from_file
from messenger.ui.session import AccountSession, describe_error
from messenger.ui.theme import InlineMessage, hint_label
from messenger.ui.welcome import PasswordField

T = TypeVar("T")


def sentence(text: str) -> str:
    """Server messages are lower-case fragments; shown alone they read as sentences."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def format_time(ts: float) -> str:
    """Day, month, year and time, in the user's language and 12/24-hour habit."""
    locale = QLocale()
    time_format = locale.timeFormat(QLocale.FormatType.ShortFormat)
    return locale.toString(QDateTime.fromSecsSinceEpoch(int(ts)), f"d MMM yyyy, {time_format}")


class AccountDialog(QDialog):
    """Profile, Password and Devices tabs, and Sign out (performed by the app)."""

    sign_out_requested = Signal()

    def __init__(self, session: AccountSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setWindowTitle(f"Account: {session.username}")
        self._tasks: set[asyncio.Task[Any]] = set()
        self._busy: set[str] = set()
        self._avatar = session.cached_avatar(session.username)
        self._new_avatar: bytes | None = None  # b"" removes the picture on Save
        self._sessions: list[rs.SessionInfo] = []
        self.confirm_box: QMessageBox | None = None
        self._closed = False

        self.tabs = QTabWidget()
        self.tabs.addTab(self._profile_tab(), "&Profile")
        self.tabs.addTab(self._password_tab(), "Pass&word")
        self.tabs.addTab(self._devices_tab(), "&Devices")
        self.tabs.setAccessibleName("Account pages")
        self.tabs.currentChanged.connect(self._tab_shown)

        self.sign_out = QPushButton("Sign out…")
        self.sign_out.setAccessibleName("Sign out")
        self.sign_out.setToolTip("Sign out on this computer and forget the saved password")
        self.sign_out.setAutoDefault(False)
        self.sign_out.clicked.connect(self._confirm_sign_out)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(self.sign_out)
        bottom.addStretch()
        bottom.addWidget(close)

        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addLayout(bottom)
        self.setMinimumSize(560, 420)
        session.profile_changed.connect(self._profile_changed)
        self._show_profile()

    # --- running operations ------------------------------------------------------------

    def _start(
        self,
        what: str,
        coro: Coroutine[Any, Any, T],
        message: InlineMessage,
        done: Callable[[T], None],
    ) -> asyncio.Task[None]:
        """Run ``coro`` with its tab locked; a failure becomes ``message``'s error."""
        self._busy.add(what)
        message.clear_message()
        self._update_states()

        async def run() -> None:
            try:
                result = await coro
            except Exception as exc:
                message.show_error(sentence(describe_error(exc)))
            else:
                done(result)
            finally:
                self._busy.discard(what)
                self._update_states()

        task = asyncio.ensure_future(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def done(self, result: int) -> None:
        # Replies that arrive after the window closed have nothing left to update.
        for task in list(self._tasks):
            task.cancel()
        if not self._closed:
            self._closed = True
            self.session.profile_changed.disconnect(self._profile_changed)
        super().done(result)

    def _update_states(self) -> None:
        profile, password, devices = (k in self._busy for k in ("profile", "password", "devices"))
        for widget in (self.display_name, self.choose_picture, self.save_profile):
            widget.setEnabled(not profile)
        self.remove_picture.setEnabled(not profile and self._shown_avatar() is not None)
        for field in (self.old_password, self.new_password, self.repeat_password):
            field.setEnabled(not password)
        self.change_password.setEnabled(not password)
        selected = self._selected_session()
        self.revoke_selected.setEnabled(
            not devices and selected is not None and not selected.current
        )
        self.revoke_others.setEnabled(not devices and any(not s.current for s in self._sessions))
        self.refresh.setEnabled(not devices)

    # --- profile -----------------------------------------------------------------------

    def _profile_tab(self) -> QWidget:
        self.avatar_preview = QLabel()
        self.avatar_preview.setFrameShape(QLabel.Shape.StyledPanel)
        frame = 2 * self.avatar_preview.frameWidth()
        self.avatar_preview.setFixedSize(QSize(AVATAR_SIZE + frame, AVATAR_SIZE + frame))
        self.avatar_preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.avatar_preview.setAutoFillBackground(True)
        self.avatar_preview.setBackgroundRole(self.avatar_preview.palette().ColorRole.Base)
        self.avatar_preview.setAccessibleName("Your picture")
        self.choose_picture = QPushButton("&Choose picture…")
        self.choose_picture.setToolTip("A PNG or JPEG; it is cropped to a square")
        self.choose_picture.clicked.connect(self._pick_file)
        self.remove_picture = QPushButton("&Remove picture")
        self.remove_picture.clicked.connect(self._remove_picture)
        pictures = QHBoxLayout()
        pictures.setSpacing(6)
        pictures.addWidget(self.choose_picture)
        pictures.addWidget(self.remove_picture)
        pictures.addStretch()

        self.display_name = QLineEdit()
        self.display_name.setMaxLength(MAX_DISPLAY_NAME_CHARS)
        self.display_name.setPlaceholderText(self.session.username)
        self.display_name.setAccessibleName("Display name")
        self.display_name.setToolTip("What your contacts see instead of your username")
        username = QLabel(self.session.username)
        username.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.save_profile = QPushButton("&Save profile")
        self.save_profile.clicked.connect(self.save)
        self.profile_message = InlineMessage()

        name_label = QLabel("Display &name:")
        name_label.setBuddy(self.display_name)
        # A grid, not a QFormLayout: the wrapped hint would get clipped in a form layout.
        grid = QGridLayout()
        grid.setColumnStretch(2, 1)
        grid.setHorizontalSpacing(12)
        grid.addWidget(self.avatar_preview, 0, 0, 5, 1, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(QLabel("Username:"), 0, 1)
        grid.addWidget(username, 0, 2)
        grid.addWidget(name_label, 1, 1)
        grid.addWidget(self.display_name, 1, 2)
        grid.addWidget(hint_label("Leave it empty to show your username."), 2, 2)
        grid.addLayout(pictures, 3, 1, 1, 2)
        grid.setRowStretch(4, 1)
        save_row = QHBoxLayout()
        save_row.addWidget(self.profile_message, 1)
        save_row.addStretch()
        save_row.addWidget(self.save_profile, 0, Qt.AlignmentFlag.AlignTop)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addLayout(grid)
        layout.addStretch()
        layout.addLayout(save_row)
        return page

    def _shown_avatar(self) -> bytes | None:
        if self._new_avatar is not None:
            return self._new_avatar or None
        return self._avatar

    def _show_profile(self) -> None:
        self.display_name.setText(self.session.display_name)
        self._show_avatar()

    def _show_avatar(self) -> None:
        data = self._shown_avatar()
        pixmap = QPixmap()
        if data is not None and pixmap.loadFromData(data):
            self.avatar_preview.setPixmap(
                pixmap.scaled(
                    self.avatar_preview.contentsRect().size(),
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            )
            self.avatar_preview.setAccessibleDescription("Your current picture")
        else:
            self.avatar_preview.clear()
            self.avatar_preview.setText("No picture")
            self.avatar_preview.setAccessibleDescription("No picture")
        self._update_states()

    def _profile_changed(self, username: str) -> None:
        if username != self.session.username or "profile" in self._busy:
            return
        self._avatar = self.session.cached_avatar(username)
        if not self.display_name.isModified():
            self.display_name.setText(self.session.display_name)
        self._show_avatar()

    def _pick_file(self) -> None:
        # Not the static getOpenFileName: its nested event loop would stall the async loop.
        chooser = QFileDialog(self, "Choose a picture")
        chooser.setFileMode(QFileDialog.FileMode.ExistingFile)
        chooser.setNameFilter("Pictures (*.png *.jpg *.jpeg *.gif *.bmp *.webp)")
        chooser.fileSelected.connect(self.load_picture)
        chooser.finished.connect(chooser.deleteLater)
        chooser.open()

    def load_picture(self, path: str) -> None:
        """Use the picture at ``path`` (shown now, sent on Save)."""
        try:
            self._new_avatar = avatar_from_file(path)
        except ValueError as exc:
            self.profile_message.show_error(str(exc))
            return
        self.profile_message.show_info("Save to use this picture.")
        self._show_avatar()

    def _remove_picture(self) -> None:
        self._new_avatar = b""
        self.profile_message.show_info("Save to remove your picture.")
        self._show_avatar()

    def save(self) -> asyncio.Task[None] | None:
        """Send the display name and any new picture to the server."""
        try:
            name = normalize_display_name(self.display_name.text())
        except ProtocolError as exc:
            self.profile_message.show_error(sentence(exc.message))
            return None
        avatar = self._new_avatar

        def saved(profile: rs.Profile) -> None:
            self._avatar, self._new_avatar = profile.avatar, None
            self.display_name.setText(profile.display_name)
            self.display_name.setModified(False)
            self.profile_message.show_success("Your profile is saved.")
            self._show_avatar()

        return self._start(
            "profile",
            self.session.set_profile(display_name=name, avatar=avatar),
            self.profile_message,
            saved,
        )

    # --- password ----------------------------------------------------------------------

    def _password_tab(self) -> QWidget:
        self.old_password = PasswordField("Current password")
        self.new_password = PasswordField("New password")
        self.repeat_password = PasswordField("Repeat new password")
        self.change_password = QPushButton("C&hange password")
        self.change_password.clicked.connect(self.submit_password)
        self.password_message = InlineMessage()
        form = QFormLayout()
        form.addRow("&Current password:", self.old_password)
        form.addRow("&New password:", self.new_password)
        form.addRow("R&epeat new password:", self.repeat_password)
        form.addRow(
            "",
            hint_label(
                f"At least {MIN_PASSWORD_CHARS} characters. Your other devices are signed out"
                " when the password changes."
            ),
        )
        row = QHBoxLayout()
        row.addWidget(self.password_message, 1)
        row.addStretch()
        row.addWidget(self.change_password, 0, Qt.AlignmentFlag.AlignTop)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addLayout(form)
        layout.addStretch()
        layout.addLayout(row)
        return page

    def submit_password(self) -> asyncio.Task[None] | None:
        old, new = self.old_password.text(), self.new_password.text()
        problem = None
        if not old:
            problem = "Enter your current password."
        elif len(new) < MIN_PASSWORD_CHARS:
            problem = f"Use at least {MIN_PASSWORD_CHARS} characters for the new password."
        elif new != self.repeat_password.text():
            problem = "The new passwords do not match; type the same one twice."
        if problem is not None:
            self.password_message.show_error(problem)
            return None

        def changed(_: None) -> None:
            for field in (self.old_password, self.new_password, self.repeat_password):
                field.edit.clear()
            self.password_message.show_success(
                "Your password is changed. Your other devices were signed out."
            )

        return self._start(
            "password", self.session.change_password(old, new), self.password_message, changed
        )

    # --- devices -----------------------------------------------------------------------

    def _devices_tab(self) -> QWidget:
        self.devices = QTreeWidget()
        self.devices.setHeaderLabels(["Device", "Signed in", "Last active"])
        self.devices.setRootIsDecorated(False)
        self.devices.setAlternatingRowColors(True)
        self.devices.setAccessibleName("Devices signed in to your account")
        self.devices.itemSelectionChanged.connect(self._update_states)
        self.revoke_selected = QPushButton("Sign out &selected device")
        self.revoke_selected.clicked.connect(self._revoke_selected)
        self.revoke_others = QPushButton("Sign out &all other devices")
        self.revoke_others.clicked.connect(self.sign_out_others)
        self.refresh = QPushButton("Re&fresh")
        self.refresh.clicked.connect(self.refresh_devices)
        self.devices_message = InlineMessage()
        buttons = QHBoxLayout()
        buttons.addWidget(self.revoke_selected)
        buttons.addWidget(self.revoke_others)
        buttons.addStretch()
        buttons.addWidget(self.refresh)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(self.devices, 1)
        layout.addWidget(self.devices_message)
        layout.addLayout(buttons)
        return page

    def _tab_shown(self, index: int) -> None:
        if self.tabs.widget(index) is self.devices.parentWidget():
            self.refresh_devices()

    def refresh_devices(self) -> asyncio.Task[None]:
        return self._start("devices", self.session.sessions(), self.devices_message, self._fill)

    def _fill(self, sessions: list[rs.SessionInfo]) -> None:
        self._sessions = sorted(sessions, key=lambda s: (not s.current, -s.last_active))
        self.devices.clear()
        now = time.time()
        for info in self._sessions:
            name = info.device or "Unnamed device"
            last = (
                "Now"
                if info.current or now - info.last_active < 60
                else format_time(info.last_active)
            )
            shown = f"{name} (this device)" if info.current else name
            item = QTreeWidgetItem([shown, format_time(info.created_at), last])
            item.setData(0, Qt.ItemDataRole.UserRole, info.session_id)
            if info.current:
                font = QFont(item.font(0))
                font.setBold(True)
                item.setFont(0, font)
            self.devices.addTopLevelItem(item)
        for column in range(self.devices.columnCount()):
            self.devices.resizeColumnToContents(column)
        self._update_states()

    def _selected_session(self) -> rs.SessionInfo | None:
        items = self.devices.selectedItems()
        if not items:
            return None
        wanted = items[0].data(0, Qt.ItemDataRole.UserRole)
        return next((s for s in self._sessions if s.session_id == wanted), None)

    def _revoke_selected(self) -> None:
        selected = self._selected_session()
        if selected is not None and not selected.current:
            self._revoke([selected.session_id])

    def sign_out_others(self) -> asyncio.Task[None]:
        return self._revoke(None)

    def _revoke(self, ids: list[int] | None) -> asyncio.Task[None]:
        async def revoke_and_list() -> list[rs.SessionInfo]:
            await self.session.revoke_sessions(ids)
            return await self.session.sessions()

        return self._start("devices", revoke_and_list(), self.devices_message, self._fill)

    # --- sign out ----------------------------------------------------------------------

    def _confirm_sign_out(self) -> None:
        if self.confirm_box is None:
            self.confirm_box = self._sign_out_box()
        self.confirm_box.open()

    def _sign_out_box(self) -> QMessageBox:
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Sign out",
            f"Sign out {self.session.username} on this computer?",
            QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setInformativeText(
            "The saved password is removed from this computer. Your messages and contacts"
            " stay on the server; sign in again to see them."
        )
        confirm = box.addButton("Sign out", QMessageBox.ButtonRole.AcceptRole)
        confirm.setAccessibleName("Sign out")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setEscapeButton(QMessageBox.StandardButton.Cancel)

        def clicked(button: object) -> None:
            if button is confirm:
                self._signing_out()

        box.buttonClicked.connect(clicked)
        return box

    def _signing_out(self) -> None:
        self.sign_out_requested.emit()
        self.accept()
