"""One account's window and everything wired to it: dialogs, notifications, tray, auto-away,
calls."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from messenger.account.autoaway import AutoAway
from messenger.account.notify_policy import NotificationContext, decide_notification
from messenger.account.preferences import Preferences
from messenger.protocol.events import MessageEvent
from messenger.protocol.names import direct_peer
from messenger.protocol.rooms import is_room_id
from messenger.resources import APP_ID
from messenger.ui.account_dialog import AccountDialog
from messenger.ui.calls.controller import CallController
from messenger.ui.idle import IdleMonitor
from messenger.ui.main_window import MainWindow
from messenger.ui.notifier import Notifier
from messenger.ui.search_dialog import SearchDialog
from messenger.ui.session import AccountSession
from messenger.ui.tray import TrayController

if TYPE_CHECKING:
    from messenger.calls.manager import CallOptions

# How often idle time is checked for auto-away: well below the shortest threshold (1 min).
IDLE_POLL_MS = 10_000


@dataclass(frozen=True)
class Services:
    """What the app shares between account windows."""

    prefs: Callable[[], Preferences]
    save_prefs: Callable[[Preferences], None]
    tray: TrayController
    idle: IdleMonitor
    data_dir: Path
    call_options: CallOptions | None = None  # the call engine's timeouts and network policy


class AccountUi(QObject):
    quit_requested = Signal()
    signed_out = Signal(str)  # reason, for the welcome screen

    def __init__(
        self,
        session: AccountSession,
        services: Services,
        *,
        title_suffix: str = "",
        primary: bool = True,
    ) -> None:
        super().__init__()
        self.session = session
        self.services = services
        self.primary = primary
        self.window = MainWindow(session, title_suffix)
        self.notifier = Notifier(services.tray, parent=self, desktop_entry=APP_ID)
        self.autoaway = AutoAway()
        self.calls = CallController(
            session, self.notifier, services.prefs, services.save_prefs, services.call_options
        )
        self._sign_out_task: asyncio.Future[None] | None = None

        window = self.window
        window.quit_requested.connect(self.quit_requested)
        window.settings_requested.connect(self.open_settings)
        window.account_requested.connect(self.open_account)
        window.search_requested.connect(self.open_search)
        window.about_requested.connect(self.show_about)
        window.presence_chosen.connect(self.autoaway.choose)
        window.chat.call_requested.connect(self.calls.place)
        session.signed_out.connect(self.signed_out)
        session.message_received.connect(self._on_message)
        self.notifier.activated.connect(self._open_from_notification)
        window.contacts.conversation_requested.connect(
            lambda conversation, _peer: self.notifier.withdraw(conversation)
        )
        # A room's id is its conversation's id.
        window.contacts.room_requested.connect(self.notifier.withdraw)
        if primary:
            tray = services.tray
            session.own_presence_changed.connect(lambda status, _text: tray.set_status(status))
            session.connection_changed.connect(
                lambda state, _error: tray.set_connected(state == "authenticated")
            )
            window.contacts.unread_total_changed.connect(tray.set_unread)
            tray.set_status(session.status)
            tray.set_unread(window.contacts.unread_total())

        self._idle_timer = QTimer(self)
        self._idle_timer.setInterval(IDLE_POLL_MS)
        self._idle_timer.timeout.connect(self._check_idle)
        self._idle_timer.start()
        self.prefs_changed()
        self.calls.start()

    def prefs_changed(self) -> None:
        prefs = self.services.prefs()
        self.window.hide_on_close = self.services.tray.available and prefs.close_to_tray
        self.calls.prefs_changed()

    def choose_status(self, status: str) -> None:
        """A status picked by hand (tray or window): it wins over auto-away."""
        self.autoaway.choose(status)
        self.session.set_presence(status)

    # --- auto-away -------------------------------------------------------------------

    def _check_idle(self) -> None:
        prefs = self.services.prefs()
        status = self.autoaway.update(
            idle_seconds=self.services.idle.idle_seconds(),
            current=self.session.status,
            enabled=prefs.auto_away,
            threshold_minutes=prefs.auto_away_minutes,
        )
        if status is not None:
            self.session.set_presence(status)

    # --- notifications ------------------------------------------------------------------

    def _on_message(self, event: MessageEvent) -> None:
        """Notify as the policy decides; in a room, titled with the room, quiet when it is
        muted unless the message mentions me."""
        window = self.window
        conversation = event.conversation
        client = self.session.client
        title = None
        if is_room_id(conversation):
            settings = self.session.store.timeline.room(conversation)
            title = (settings.name if settings is not None else "") or "Room"
        # The open chat knows a room's members who are not contacts by name.
        open_here = window.chat.current_conversation == conversation
        name_of = window.chat.name_of if open_here else self.session.name_of
        context = NotificationContext(
            own_username=self.session.username,
            own_status=self.session.status,
            open_conversation=window.chat.current_conversation,
            window_active=window.isActiveWindow() and window.isVisible(),
            desktop_dnd=self.notifier.desktop_dnd(),
            now=time.time(),
        )
        decision = decide_notification(
            event,
            context,
            self.services.prefs(),
            sender_name=name_of(event.sender),
            chat_title=title,
            muted=title is not None and client.room_muted(conversation),
            mentions_me=client.mentions_me(event),
        )
        if decision is None:
            return
        self.notifier.show(decision)
        self.notifier.alert(window)

    def _open_from_notification(self, conversation: str) -> None:
        peer = direct_peer(conversation, self.session.username)
        self.window.bring_to_front()
        if peer is not None:
            self.window.open_chat(conversation, peer)
        elif is_room_id(conversation):
            self.window.open_chat(conversation, "")

    # --- dialogs -----------------------------------------------------------------------

    def open_settings(self) -> None:
        # Imported on first use: its devices page loads Qt Multimedia, which start-up skips.
        from messenger.ui.settings_dialog import SettingsDialog

        dialog = SettingsDialog(
            self.services.prefs(), self.window, connection_test=self.calls.test_connection
        )
        dialog.applied.connect(self.services.save_prefs)
        dialog.open()

    def open_account(self) -> None:
        dialog = AccountDialog(self.session, self.window)
        dialog.sign_out_requested.connect(self._sign_out)
        dialog.open()

    def open_search(self) -> None:
        dialog = SearchDialog(self.session, self.window)
        dialog.open_requested.connect(
            lambda conversation, peer, _seq: self.window.open_chat(conversation, peer)
        )
        dialog.open()

    def show_about(self) -> None:
        from messenger.ui.about_dialog import AboutDialog  # rarely opened: loaded on demand

        dialog = AboutDialog(self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def _sign_out(self) -> None:
        self._sign_out_task = asyncio.ensure_future(self._do_sign_out())

    async def _do_sign_out(self) -> None:
        await self.session.sign_out()
        self.signed_out.emit("You signed out.")

    # --- end -----------------------------------------------------------------------------

    async def close(self) -> None:
        self._idle_timer.stop()
        await self.calls.close()
        await self.notifier.close()
        self.window.hide_on_close = False
        self.window.close()
        self.window.deleteLater()
        await self.session.close()
