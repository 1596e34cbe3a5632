"""The running app: settings, the embedded server, sign-in, account windows, tray.

``Shell.run`` is the app's whole life: it returns the exit code once the user
quits, after closing every session and stopping the embedded server.
"""

from __future__ import annotations

import asyncio
import linecache
import logging
from collections.abc import Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from messenger.account import autostart, preferences
from messenger.account.preferences import Preferences
from messenger.client import KnownServers
from messenger.client.credentials import keyring_problem
from messenger.store.paths import server_key
from messenger.ui.account_ui import AccountUi, Services
from messenger.ui.fingerprint_dialog import FingerprintDialog
from messenger.ui.fonts import use_color_emoji
from messenger.ui.idle import IdleMonitor
from messenger.ui.session import AccountSession
from messenger.ui.sign_in import (
    Account,
    CertificateQuestion,
    EmbeddedServer,
    SignInError,
    build_client,
    build_demo_client,
    has_stored_secret,
    sign_in,
)
from messenger.ui.theme import apply_theme
from messenger.ui.tray import TrayController
from messenger.ui.welcome import SignInRequest, WelcomeDialog

if TYPE_CHECKING:
    from messenger.localserver import LocalServer

log = logging.getLogger(__name__)


class StartFailed(Exception):
    """The app could not start (the demo's server, say): a sentence for the user."""


class Shell:
    def __init__(self, app: QApplication, data_dir: Path, *, demo: bool = False) -> None:
        self.app = app
        self.data_dir = data_dir
        self.demo = demo
        self.settings_path = data_dir / "settings.json"
        self.prefs, problem = preferences.load(self.settings_path)
        if not demo:
            # The login item is the truth: the desktop's own settings may have removed it.
            self.prefs.start_on_login = autostart.is_enabled()
        self._problems = [problem] if problem else []
        self.accounts: list[AccountUi] = []
        self.embedded = EmbeddedServer(data_dir, self.prefs.embedded_port)
        self._demo_server: LocalServer | None = None  # --demo's private server
        self.welcome: WelcomeDialog | None = None
        self._done: asyncio.Future[int] | None = None
        self._tasks: set[asyncio.Future[None]] = set()
        apply_theme(app, self.prefs.theme)
        use_color_emoji()
        self.tray = TrayController(app)
        self.tray.open_requested.connect(self.show_windows)
        self.tray.quit_requested.connect(self.quit)
        self.tray.status_chosen.connect(self._tray_status)
        self.idle = IdleMonitor(app)
        self.services = Services(
            prefs=lambda: self.prefs,
            save_prefs=self.apply_prefs,
            tray=self.tray,
            idle=self.idle,
            data_dir=data_dir,
        )

    # --- life --------------------------------------------------------------------------

    async def run(self) -> int:
        self._done = asyncio.get_running_loop().create_future()
        try:
            if self.demo:
                await self._start_demo()
            else:
                await self._start()
        except (StartFailed, SignInError) as exc:
            QMessageBox.critical(None, "Messenger", str(exc))
            return 1
        # PySide6's import hook keeps the source of every module imported after it in
        # linecache (~10 MB); nothing here needs it once start-up is over.
        linecache.clearcache()
        for problem in self._problems:
            self._tell(problem)
        code = await self._done
        await self._shutdown()
        return code

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def quit(self, code: int = 0) -> None:
        if self._done is not None and not self._done.done():
            self._done.set_result(code)

    async def _shutdown(self) -> None:
        for account in list(self.accounts):
            await account.close()
        self.accounts.clear()
        self.tray.hide()
        await self.embedded.stop()
        if self._demo_server is not None:
            await self._demo_server.stop()

    def _tell(self, text: str) -> None:
        window = self.accounts[0].window if self.accounts else None
        if window is not None:
            window.show_problem(text)
        else:
            log.warning("%s", text)

    # --- settings ----------------------------------------------------------------------

    def apply_prefs(self, prefs: Preferences) -> None:
        theme_changed = prefs.theme != self.prefs.theme
        if prefs.start_on_login != self.prefs.start_on_login and not self.demo:
            try:
                autostart.set_enabled(prefs.start_on_login)
            except OSError as exc:
                self._tell(f"Could not change starting at login: {exc}")
                prefs = msgspec.structs.replace(prefs, start_on_login=not prefs.start_on_login)
        self.prefs = prefs
        if not self.demo:
            try:
                preferences.save(self.settings_path, prefs)
            except OSError as exc:
                self._tell(f"Could not save the settings: {exc}")
        if theme_changed:
            apply_theme(self.app, prefs.theme)
            self.tray.refresh_theme()
        for account in self.accounts:
            account.prefs_changed()

    # --- normal start ------------------------------------------------------------------

    async def _start(self) -> None:
        session = await self._resume()
        if session is None:
            self.show_welcome()
            return
        self._open(session)

    async def _resume(self) -> AccountSession | None:
        """Sign in silently with the remembered account, if there is one with a stored secret."""
        name = self.prefs.last_username
        if not name or not self.prefs.remember:
            return None
        if self.prefs.server_mode == "embedded":
            await self.embedded.ensure_started()
            url, fingerprint = self.embedded.url, self.embedded.fingerprint
            self._pin_embedded()
        else:
            url, fingerprint = self.prefs.server_url, None
        if not url or not has_stored_secret(url, name):
            return None
        client = build_client(self.data_dir, Account(url, name, True, fingerprint))
        return AccountSession(client)

    def _pin_embedded(self) -> None:
        # Our own server's certificate needs no question: we made it. Pinning it
        # also replaces an old pin if the certificate was ever regenerated.
        if self.embedded.fingerprint is not None:
            KnownServers(self.data_dir / "known_servers.json").pin(
                server_key(self.embedded.url), self.embedded.fingerprint
            )

    def show_welcome(self, error: str | None = None) -> None:
        if self.welcome is None:
            self.welcome = WelcomeDialog(self.prefs, keyring_problem())
            self.welcome.submitted.connect(self._welcome_submitted)
            self.welcome.rejected.connect(self._welcome_closed)
        if error:
            self.welcome.show_error(error)
        self.welcome.show()
        self.welcome.raise_()
        self.welcome.activateWindow()

    def _welcome_closed(self) -> None:
        if not self.accounts:
            self.quit()

    def _welcome_submitted(self, request: SignInRequest) -> None:
        self._spawn(self._sign_in(request))

    async def _sign_in(self, request: SignInRequest, fingerprint: str | None = None) -> None:
        dialog = self.welcome
        assert dialog is not None
        dialog.set_busy(True)
        try:
            if request.mode == "embedded":
                await self.embedded.ensure_started()
                self._pin_embedded()
                url, fingerprint = self.embedded.url, self.embedded.fingerprint
            else:
                url = request.url
            account = Account(url, request.username, request.remember, fingerprint)
            client = await sign_in(self.data_dir, account, request.password, create=request.create)
        except CertificateQuestion as question:
            dialog.set_busy(False)
            trusted = await FingerprintDialog.ask(
                question.server, question.fingerprint, question.changed, dialog
            )
            if trusted:
                if question.changed:
                    KnownServers(self.data_dir / "known_servers.json").forget(question.server)
                await self._sign_in(request, question.fingerprint)
            return
        except SignInError as exc:
            dialog.set_busy(False)
            dialog.show_error(str(exc))
            return
        dialog.set_busy(False)
        self.apply_prefs(
            msgspec.structs.replace(
                self.prefs,
                server_mode=request.mode,
                server_url=request.url if request.mode == "remote" else self.prefs.server_url,
                last_username=client.username,
                remember=request.remember,
            )
        )
        dialog.accept()
        self.welcome = None
        self._open(AccountSession(client))

    # --- demo --------------------------------------------------------------------------

    async def _start_demo(self) -> None:
        from messenger.localserver import DemoError, LocalServer, LocalServerError, prepare_demo

        server = LocalServer(self.data_dir, host="127.0.0.1", port=0)
        self._demo_server = server
        try:
            await server.start()
            accounts = await prepare_demo(server.url, server.fingerprint)
        except (LocalServerError, DemoError) as exc:
            raise StartFailed(f"The demo could not start: {exc}") from exc
        for index, demo in enumerate(accounts):
            client = build_demo_client(
                self.data_dir, server.url, server.fingerprint, demo.username, demo.token
            )
            session = AccountSession(client)
            ui = self._open(session, title_suffix=" (demo)", primary=index == 0)
            peer = accounts[1 - index].username
            ui.window.open_chat(session.conversation_with(peer), peer)
            self._place_side_by_side(ui.window, index)

    def _place_side_by_side(self, window: QWidget, index: int) -> None:
        screen = self.app.primaryScreen().availableGeometry()
        gap = 16
        width = min(900, (screen.width() - 3 * gap) // 2)
        height = min(720, screen.height() - 2 * gap)
        window.setGeometry(
            screen.x() + gap + index * (width + gap), screen.y() + gap, width, height
        )

    # --- accounts ----------------------------------------------------------------------

    def _open(
        self, session: AccountSession, *, title_suffix: str = "", primary: bool = True
    ) -> AccountUi:
        ui = AccountUi(session, self.services, title_suffix=title_suffix, primary=primary)
        ui.quit_requested.connect(self.quit)
        ui.signed_out.connect(lambda reason, ui=ui: self._spawn(self._signed_out(ui, reason)))
        self.accounts.append(ui)
        if self.embedded.running:
            share = ui.window.account_menu.addAction("&Invite others to this server…")
            share.triggered.connect(lambda: self._show_invitation(ui.window))
        session.start()
        if self.prefs.start_minimized and self.tray.available and not self.demo:
            ui.window.hide()
        else:
            ui.window.show()
        if len(self.accounts) == 1 and not self.tray.available and self.tray.unavailable_reason:
            ui.window.show_problem(self.tray.unavailable_reason)  # said once, in the first window
        return ui

    def invitation_text(self) -> str:
        """How people on the network reach the server this computer runs, and check it is it."""
        urls = self.embedded.lan_urls or [self.embedded.url]
        lines = [
            "People on your network can sign up on this computer's server.",
            "In their Messenger, they choose “Connect to a server” and enter:",
            "",
            *(f"    {url}" for url in urls),
        ]
        if self.embedded.fingerprint:
            lines += [
                "",
                "Their app will show the server's certificate fingerprint the first time.",
                "It must read exactly:",
                "",
                f"    {self.embedded.fingerprint}",
            ]
        return "\n".join(lines)

    def _show_invitation(self, parent: QWidget) -> None:
        box = QMessageBox(QMessageBox.Icon.Information, "Invite others", "", parent=parent)
        box.setText(self.invitation_text())
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.open()

    async def _signed_out(self, ui: AccountUi, reason: str) -> None:
        if ui in self.accounts:
            self.accounts.remove(ui)
        await ui.close()
        if self.demo:
            if not self.accounts:
                self.quit()
            return
        self.show_welcome(reason)

    def show_windows(self) -> None:
        for account in self.accounts:
            account.window.bring_to_front()
        if not self.accounts and self.welcome is not None:
            self.welcome.show()

    def _tray_status(self, status: str) -> None:
        for account in self.accounts:
            if account.primary:
                account.choose_status(status)
