"""The first screen: where to sign in (this computer's server or another), and as whom.

The dialog only gathers and checks the form; the app performs the sign-in and
reports back through ``set_busy``, ``show_error`` and ``accept``, so a slow or
failed sign-in never loses what the user typed.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

import msgspec
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QTabBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from messenger.account.preferences import Preferences
from messenger.protocol.limits import MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS
from messenger.protocol.names import normalize_username
from messenger.ui.theme import InlineMessage, hint_label

APP_NAME = "Messenger"
TAGLINE = "Chat, share files and call, on a server you choose."


class SignInRequest(msgspec.Struct, frozen=True, kw_only=True):
    """What the user asked for; ``url`` is "" in embedded mode (the app knows its own server)."""

    mode: str  # "embedded" | "remote"
    url: str
    username: str
    password: str
    create: bool
    remember: bool


def parse_server_url(text: str) -> str:
    """The WebSocket URL of a server from what a user typed; ValueError says what is wrong.

    ``host`` and ``host:port`` mean ``wss://host[:port]/ws`` (TLS unless asked
    otherwise); a ws:// or wss:// URL with no path gets the server's ``/ws`` path.
    """
    raw = text.strip()
    if not raw:
        raise ValueError("Enter the server's address, for example chat.example.org:8765.")
    if any(ch.isspace() for ch in raw):
        raise ValueError("A server address cannot contain spaces.")
    if "://" not in raw:
        raw = f"wss://{raw}"
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError:
        raise ValueError("The port must be a number from 1 to 65535.") from None
    if parts.scheme not in ("ws", "wss"):
        secure = "wss://" if parts.scheme == "https" else "ws:// or wss://"
        raise ValueError(f"Use a {secure} address (a {parts.scheme}:// one will not work).")
    host = parts.hostname
    if not host:
        raise ValueError("The address needs a server name or IP address.")
    if parts.username is not None or parts.query or parts.fragment:
        raise ValueError("Use just the server's address, without a user name, ? or #.")
    if port == 0:
        raise ValueError("The port must be a number from 1 to 65535.")
    if not _valid_host(host):
        raise ValueError(f"{host} is not a valid server name or IP address.")
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc += f":{port}"
    path = parts.path if parts.path not in ("", "/") else "/ws"
    return f"{parts.scheme}://{netloc}{path}"


def _valid_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    labels = host.rstrip(".").split(".")
    return all(
        0 < len(label) <= 63
        and all(ch.isalnum() or ch == "-" for ch in label)
        and not label.startswith("-")
        and not label.endswith("-")
        for label in labels
    )


class PasswordField(QWidget):
    """A password line edit with a Show/Hide toggle next to it."""

    def __init__(self, accessible_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = QLineEdit()
        self.edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.edit.setMaxLength(MAX_PASSWORD_CHARS)
        self.edit.setAccessibleName(accessible_name)
        self.toggle = QToolButton()
        self.toggle.setText("Show")
        self.toggle.setCheckable(True)
        self.toggle.setAccessibleName(f"Show {accessible_name.lower()}")
        self.toggle.setToolTip("Show or hide what you typed")
        self.toggle.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.toggle.toggled.connect(self._set_visible)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit, 1)
        row.addWidget(self.toggle)
        self.setFocusProxy(self.edit)

    def _set_visible(self, shown: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        self.edit.setEchoMode(mode)
        self.toggle.setText("Hide" if shown else "Show")

    def text(self) -> str:
        return self.edit.text()


class WelcomeDialog(QDialog):
    """Sign in or create an account; stays open until the app accepts it."""

    submitted = Signal(object)  # SignInRequest

    def __init__(
        self, prefs: Preferences, keyring_problem: str | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Welcome to {APP_NAME}")
        self._keyring_problem = keyring_problem
        self._busy = False

        title = QLabel(APP_NAME)
        font = QFont(title.font())
        font.setPointSizeF(font.pointSizeF() * 1.8)
        font.setBold(True)
        title.setFont(font)
        tagline = QLabel(TAGLINE)
        tagline.setWordWrap(True)

        # --- where -------------------------------------------------------------------
        self.embedded = QRadioButton("Run a server on this computer")
        self.embedded.setAccessibleName("Run a server on this computer")
        self.embedded.setToolTip(
            "Starts a server here. Others on your network can connect to it;"
            " there is nothing else to set up."
        )
        self.remote = QRadioButton("Connect to a server")
        self.remote.setAccessibleName("Connect to a server")
        self._where = QButtonGroup(self)
        self._where.addButton(self.embedded)
        self._where.addButton(self.remote)
        self.url = QLineEdit()
        self.url.setPlaceholderText("chat.example.org:8765 or wss://chat.example.org/ws")
        self.url.setAccessibleName("Server address")
        self.url.setToolTip("host:port means a secure (wss://) connection to host:port/ws")
        self.url_error = InlineMessage()
        server_box = QGroupBox("Server")
        server_layout = QVBoxLayout(server_box)
        server_layout.addWidget(self.embedded)
        embedded_hint = hint_label("Others on your network can connect to it.")
        embedded_hint.setIndent(24)
        server_layout.addWidget(embedded_hint)
        server_layout.addWidget(self.remote)
        url_row = QVBoxLayout()
        url_row.setContentsMargins(24, 0, 0, 0)
        url_row.addWidget(self.url)
        url_row.addWidget(self.url_error)
        server_layout.addLayout(url_row)

        # --- who ---------------------------------------------------------------------
        self.tabs = QTabBar()
        self.tabs.addTab("Sign in")
        self.tabs.addTab("Create account")
        self.tabs.setAccessibleName("Sign in or create an account")
        self.tabs.setExpanding(False)
        self.username = QLineEdit()
        self.username.setAccessibleName("Username")
        self.username.setMaxLength(32)
        self.username.setToolTip("3 to 32 characters: letters, digits, dot, dash or underscore")
        self.username_error = InlineMessage()
        self.password = PasswordField("Password")
        self.repeat = PasswordField("Repeat password")
        self.password_hint = hint_label(
            f"At least {MIN_PASSWORD_CHARS} characters. A few unrelated words make a strong,"
            " memorable password."
        )
        self.password_error = InlineMessage()
        self.remember = QCheckBox("Remember me on this computer")
        self.remember.setAccessibleName("Remember me")
        self.remember.setToolTip("Keeps your sign-in in the system keyring, never in a plain file")
        self.keyring_note = QLabel()
        self.keyring_note.setWordWrap(True)
        if keyring_problem is not None:
            self.keyring_note.setText(
                f"Your password can't be saved: {keyring_problem}. You'll sign in again next time."
            )
            self.keyring_note.setAccessibleName("Password can't be saved")
            self.remember.setEnabled(False)
            self.remember.setChecked(False)
        self.keyring_note.setVisible(keyring_problem is not None)

        # A grid rather than a QFormLayout: wrapped messages in a form layout get clipped.
        form = QGridLayout()
        form.setColumnStretch(1, 1)
        username_label = QLabel("&Username:")
        username_label.setBuddy(self.username)
        password_label = QLabel("&Password:")
        password_label.setBuddy(self.password.edit)
        self._repeat_label = QLabel("&Repeat:")
        self._repeat_label.setBuddy(self.repeat.edit)
        rows: list[tuple[QWidget | None, QWidget]] = [
            (username_label, self.username),
            (None, self.username_error),
            (password_label, self.password),
            (self._repeat_label, self.repeat),
            (None, self.password_hint),
            (None, self.password_error),
            (None, self.remember),
        ]
        for row, (label, field) in enumerate(rows):
            if label is not None:
                form.addWidget(label, row, 0)
            form.addWidget(field, row, 1)

        # --- outcome -----------------------------------------------------------------
        self.error = InlineMessage()
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # "working", no fraction to show
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(6)
        self.progress.setAccessibleName("Signing in")
        self.progress.hide()
        self.submit = QPushButton("Sign in")
        self.submit.setDefault(True)
        self.submit.setAutoDefault(True)
        self.quit = QPushButton("Quit")
        self.quit.setAutoDefault(False)
        self.quit.setAccessibleName("Quit")
        buttons = QHBoxLayout()
        buttons.addWidget(self.progress, 1)
        buttons.addStretch()
        buttons.addWidget(self.quit)
        buttons.addWidget(self.submit)

        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)

        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addWidget(title)
        layout.addWidget(tagline)
        layout.addSpacing(4)
        layout.addWidget(server_box)
        layout.addWidget(self.tabs)
        layout.addLayout(form)
        layout.addWidget(self.keyring_note)
        layout.addStretch(1)
        layout.addWidget(line)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        self.setMinimumWidth(460)

        self.setTabOrder(self.embedded, self.remote)
        self.setTabOrder(self.remote, self.url)
        self.setTabOrder(self.url, self.tabs)
        self.setTabOrder(self.tabs, self.username)

        self._where.buttonToggled.connect(self._update_mode)
        self.remote.clicked.connect(self.url.setFocus)  # chose a server: type its address next
        self.tabs.currentChanged.connect(self._update_mode)
        self.submit.clicked.connect(self._submit)
        self.quit.clicked.connect(self.reject)

        self._load(prefs)

    # --- the app's side ------------------------------------------------------------------

    def set_busy(self, busy: bool) -> None:
        """While the app signs in: inputs locked, a progress bar moving."""
        self._busy = busy
        for widget in (
            self.embedded,
            self.remote,
            self.tabs,
            self.username,
            self.password,
            self.repeat,
            self.submit,
        ):
            widget.setEnabled(not busy)
        self.url.setEnabled(not busy and self.remote.isChecked())
        self.remember.setEnabled(not busy and self._keyring_problem is None)
        self.progress.setVisible(busy)
        self.progress.setAccessibleName(
            "Creating the account" if self.is_create() else "Signing in"
        )
        if busy:
            self.error.clear_message()

    def show_error(self, text: str) -> None:
        """Why the sign-in failed, under the form; the form stays filled in."""
        self.set_busy(False)
        self.error.show_error(text)
        self._fit()
        self.password.edit.setFocus()
        self.password.edit.selectAll()

    # --- the form ------------------------------------------------------------------------

    def is_create(self) -> bool:
        return self.tabs.currentIndex() == 1

    def set_create(self, create: bool) -> None:
        self.tabs.setCurrentIndex(1 if create else 0)

    def _load(self, prefs: Preferences) -> None:
        (self.remote if prefs.server_mode == "remote" else self.embedded).setChecked(True)
        self.url.setText(prefs.server_url)
        self.username.setText(prefs.last_username)
        if self._keyring_problem is None:
            self.remember.setChecked(prefs.remember)
        # A returning user signs in; a newcomer most likely wants an account.
        self.set_create(not prefs.last_username)
        self._update_mode()
        (self.password.edit if prefs.last_username else self.username).setFocus()

    def _update_mode(self) -> None:
        create = self.is_create()
        self.url.setEnabled(self.remote.isChecked() and not self._busy)
        if not self.remote.isChecked():
            self.url_error.clear_message()
        self.repeat.setVisible(create)
        self._repeat_label.setVisible(create)
        self.password_hint.setVisible(create)
        self.password_error.clear_message()
        self.submit.setText("Create account" if create else "Sign in")
        self.submit.setAccessibleName(self.submit.text())
        self._fit()

    def _fit(self) -> None:
        """Grow (or shrink) to fit messages that appeared or went, instead of clipping them."""
        layout = self.layout()
        if layout is None or not self.isVisible():
            return  # the first show sizes the window from its layout anyway
        layout.activate()
        # QWidget.adjustSize() measures wrapped text at the hint's width, not the window's.
        self.resize(self.width(), layout.totalHeightForWidth(self.width()))

    def _submit(self) -> None:
        if self._busy:
            return
        request = self._validated()
        if request is not None:
            self.error.clear_message()
            self.submitted.emit(request)

    def _validated(self) -> SignInRequest | None:
        """The request if the form is good; otherwise each problem shown next to its field."""
        first_bad: QWidget | None = None
        url = ""
        mode = "remote" if self.remote.isChecked() else "embedded"
        if mode == "remote":
            try:
                url = parse_server_url(self.url.text())
                self.url_error.clear_message()
            except ValueError as exc:
                self.url_error.show_error(str(exc))
                first_bad = self.url
        username = normalize_username(self.username.text())
        if username is None:
            self.username_error.show_error(
                "A username has 3 to 32 characters: letters, digits, dot (.), dash (-) or"
                " underscore (_)."
            )
            first_bad = first_bad or self.username
        else:
            self.username_error.clear_message()
        password = self.password.text()
        problem = self._password_problem(password)
        if problem is not None:
            self.password_error.show_error(problem)
            first_bad = first_bad or (
                self.repeat.edit if problem.startswith("The passwords") else self.password.edit
            )
        else:
            self.password_error.clear_message()
        self._fit()
        if first_bad is not None or username is None:
            (first_bad or self.username).setFocus()
            return None
        return SignInRequest(
            mode=mode,
            url=url,
            username=username,
            password=password,
            create=self.is_create(),
            remember=self.remember.isChecked() and self._keyring_problem is None,
        )

    def _password_problem(self, password: str) -> str | None:
        if not password:
            return "Enter your password."
        if not self.is_create():
            return None
        # NIST SP 800-63B: a minimum length, no composition rules.
        if len(password) < MIN_PASSWORD_CHARS:
            return f"Use at least {MIN_PASSWORD_CHARS} characters; this one has {len(password)}."
        if password != self.repeat.text():
            return "The passwords do not match; type the same one twice."
        return None
