"""One signed-in account as the UI sees it: the Qt face of ``messenger.client.Client``.

Every view talks to the account through this object: it turns the client's
event stream into Qt signals and offers the account's operations as plain
methods that run on the qasync loop. It holds no protocol logic of its own;
that lives in ``messenger.client`` and ``messenger.account``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal

from messenger.account.roster import Roster
from messenger.client import (
    Client,
    ClientError,
    ConnectionState,
    ConnectionStateChanged,
    MessageAcked,
    SendFailed,
    SessionEnded,
    Synced,
)
from messenger.client.transfers import TransferUpdate
from messenger.client.transfers.api import TransferError
from messenger.protocol import requests as rq
from messenger.protocol import results as rs
from messenger.protocol.errors import ProtocolError
from messenger.protocol.events import (
    ContactEvent,
    ConversationEvent,
    DeliveredEvent,
    MessageEvent,
    PresenceEvent,
    ProfileEvent,
    RoomInvitedEvent,
    ServerFrame,
    SessionRevokedEvent,
    TypingEvent,
)
from messenger.protocol.files import FileRef
from messenger.protocol.results import MessageView
from messenger.store.outbox import OutboxEntry
from messenger.ui.files.book import TransferBook

log = logging.getLogger(__name__)

T = TypeVar("T")

# Delivery states of one's own messages, as the chat view shows them.
SENDING = "sending"
FAILED = "failed"
SENT = "sent"
DELIVERED = "delivered"
READ = "read"

# Typing notifications are repeated while typing so the peer's indicator does not expire.
TYPING_REPEAT_SECONDS = 4.0


class AccountSession(QObject):
    """Signals carry plain values (strings, msgspec Structs) so views need no client imports."""

    connection_changed = Signal(str, str)  # ConnectionState value, error text ("" if none)
    roster_changed = Signal(str)  # the username whose row changed; "" means reload everything
    conversation_changed = Signal(str)  # messages, receipts or outbox of a conversation changed
    message_received = Signal(object)  # MessageEvent from someone else, as it arrives live
    typing_changed = Signal(str, str, bool)  # conversation, user, typing
    own_presence_changed = Signal(str, str)  # status, status text
    profile_changed = Signal(str)  # username whose display name or avatar changed
    signed_out = Signal(str)  # the session ended (revoked, signed out elsewhere): reason
    failed = Signal(str)  # an operation failed: a sentence for the status line
    transfer_changed = Signal(object)  # TransferUpdate: an upload's or download's progress
    room_invited = Signal(object)  # RoomInvitedEvent: someone invites me to a room

    def __init__(self, client: Client, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.client = client
        self.store = client.store
        self.username = client.username
        self.roster = Roster()
        self.status = "available"
        self.status_text = ""
        self.display_name = ""
        self._avatars: dict[str, bytes | None] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._pump: asyncio.Task[None] | None = None
        self._typing_sent: dict[str, float] = {}
        self._closed = False
        self.transfers = TransferBook()

    # --- lifecycle ---------------------------------------------------------------------

    def start(self) -> None:
        """Begin listening to the client and keep it connected (it may already be signed in)."""
        if self._pump is None:
            self.transfers.load(self.client.transfers.all())
            stream = self.client.subscribe()
            self._pump = asyncio.ensure_future(self._pump_events(stream))
            self.client.start()
            # Uploads and downloads left running when the app last quit: each waits until
            # the client is signed in (it may already be), then asks the server where it stands.
            self.client.transfers.resume_all()

    @property
    def state(self) -> ConnectionState:
        return self.client.state

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for task in list(self._tasks):
            task.cancel()
        await self.client.close()
        if self._pump is not None:
            self._pump.cancel()
            try:
                await self._pump
            except asyncio.CancelledError:
                pass
            except Exception:
                # Closing is not the place to fail: whatever stopped the pump, the
                # session is going away and its store must still be closed.
                log.debug("event pump ended with an error", exc_info=True)
        self.store.close()

    async def sign_out(self) -> None:
        """End the session on the server and remove every stored secret of this account."""
        await self.client.logout()
        self.client.credentials.forget()
        await self.close()

    def run(self, coro: Coroutine[Any, Any, T], what: str) -> asyncio.Task[T]:
        """Run an operation in the background; a failure becomes one ``failed`` sentence."""
        task: asyncio.Task[T] = asyncio.ensure_future(coro)
        self._tasks.add(task)

        def done(t: asyncio.Task[T]) -> None:
            self._tasks.discard(t)
            if t.cancelled():
                return
            exc = t.exception()
            if exc is not None:
                self.failed.emit(f"Could not {what}: {describe_error(exc)}")

        task.add_done_callback(done)
        return task

    # --- the event pump ----------------------------------------------------------------

    async def _pump_events(self, stream: Any) -> None:
        async for event in stream:
            try:
                self._on_event(event)
            except Exception:
                log.exception("failed to present %s", type(event).__name__)

    def _on_event(self, event: Any) -> None:
        match event:
            case ConnectionStateChanged():
                self.connection_changed.emit(event.new, event.error or "")
                if event.new == ConnectionState.AUTHENTICATED.value:
                    self.run(self.refresh(), "load your contacts")
                elif event.new == ConnectionState.FAILED.value:
                    failure = self.client.failure
                    if isinstance(failure, SessionEnded):
                        self.signed_out.emit(str(failure))
            case ConversationEvent():
                self.conversation_changed.emit(event.conversation)
                if isinstance(event, MessageEvent) and event.sender != self.username:
                    self.message_received.emit(event)
            case DeliveredEvent():
                self.conversation_changed.emit(event.conversation)
            case MessageAcked() | SendFailed():
                self.conversation_changed.emit(event.conversation)
            case Synced():
                self.conversation_changed.emit(event.conversation)
            case TypingEvent():
                if event.user != self.username:
                    self.typing_changed.emit(event.conversation, event.user, event.typing)
            case PresenceEvent() if event.user == self.username:
                self._set_own_presence(event.status, event.text)
            case PresenceEvent() | ContactEvent():
                changed = self.roster.apply(event)
                if changed is not None:
                    self.roster_changed.emit(changed)
            case ProfileEvent():
                self._avatars.pop(event.user, None)
                if event.user == self.username:
                    self.display_name = event.display_name
                changed = self.roster.apply(event)
                self.profile_changed.emit(event.user)
                if changed is not None:
                    self.roster_changed.emit(changed)
            case RoomInvitedEvent():
                self.room_invited.emit(event)
            case SessionRevokedEvent():
                self.signed_out.emit(event.reason)
            case TransferUpdate():
                self.transfers.apply(event)
                self.transfer_changed.emit(event)
            case ServerFrame():
                pass  # replies are the channel's business; nothing else to show

    async def refresh(self) -> None:
        """Reload the contact list and one's own profile (after every sign-in)."""
        contacts = await self.client.request(rq.ListContacts(id=""))
        self.roster.replace(contacts.contacts)
        self.roster_changed.emit("")
        me = await self.client.request(rq.GetProfile(id="", username=self.username))
        self.display_name = me.display_name
        self._avatars[self.username] = me.avatar
        self.profile_changed.emit(self.username)
        # The server forgets presence when the last connection goes: say it again.
        await self.client.request(
            rq.SetPresence(id="", status=self.status, text=self.status_text)  # type: ignore[arg-type]
        )

    # --- presence and profile ----------------------------------------------------------

    def _set_own_presence(self, status: str, text: str) -> None:
        if (status, text) != (self.status, self.status_text):
            self.status, self.status_text = status, text
            self.own_presence_changed.emit(status, text)

    def set_presence(self, status: str, text: str | None = None) -> None:
        """Change one's own presence; shown at once, sent when connected."""
        text = self.status_text if text is None else text
        self._set_own_presence(status, text)
        if self.client.state == ConnectionState.AUTHENTICATED:
            self.run(
                self.client.request(rq.SetPresence(id="", status=status, text=text)),  # type: ignore[arg-type]
                "change your status",
            )

    async def set_profile(
        self, *, display_name: str | None = None, avatar: bytes | None = None
    ) -> rs.Profile:
        profile = await self.client.request(
            rq.SetProfile(id="", display_name=display_name, avatar=avatar)
        )
        self.display_name = profile.display_name
        self._avatars[self.username] = profile.avatar
        self.profile_changed.emit(self.username)
        return profile

    def cached_avatar(self, username: str) -> bytes | None:
        """The avatar if already fetched; otherwise fetch it, then emit ``profile_changed``."""
        if username in self._avatars:
            return self._avatars[username]
        self._avatars[username] = None  # one fetch at a time
        contact = self.roster.get(username)
        if username != self.username and (contact is None or contact.avatar_hash is None):
            return None
        if self.client.state == ConnectionState.AUTHENTICATED:
            self.run(self._fetch_avatar(username), f"load the picture of {username}")
        else:
            del self._avatars[username]
        return None

    async def _fetch_avatar(self, username: str) -> None:
        profile = await self.client.request(rq.GetProfile(id="", username=username))
        self._avatars[username] = profile.avatar
        self.profile_changed.emit(username)

    def name_of(self, username: str) -> str:
        if username == self.username:
            return self.display_name or username
        contact = self.roster.get(username)
        return (contact.display_name if contact else "") or username

    # --- contacts ----------------------------------------------------------------------

    async def contact_action(self, action: str, username: str) -> rs.Contact:
        result = await self.client.request(
            rq.ContactChange(id="", action=action, username=username)  # type: ignore[arg-type]
        )
        self.roster.update(result.contact)
        self.roster_changed.emit(result.contact.username)
        return result.contact

    # --- conversations -----------------------------------------------------------------

    def conversation_with(self, peer: str) -> str:
        return self.client.conversation_with(peer)

    def send_text(self, conversation: str, text: str, reply_to: int | None = None) -> OutboxEntry:
        """Queue a message durably (it survives a crash or being offline) and show it at once."""
        entry = self.client.queue_message(conversation, text, reply_to=reply_to)
        self._typing_sent.pop(conversation, None)
        self.conversation_changed.emit(conversation)
        return entry

    def send_file(
        self, conversation: str, path: Path, *, thumbnail: bytes | None = None
    ) -> TransferUpdate:
        """Upload a file and send it as a message; raises ``TransferError`` for a path that
        is not a readable file. Shown at once as a card with its progress."""
        update = self.client.transfers.send_file(conversation, path, thumbnail=thumbnail)
        self.transfers.apply(update)
        self.conversation_changed.emit(conversation)
        return update

    def download(self, conversation: str, file: FileRef) -> TransferUpdate:
        """Fetch a file into the Downloads folder (never over an existing file)."""
        update = self.client.transfers.download(file, conversation=conversation)
        self.transfers.apply(update)
        self.transfer_changed.emit(update)
        return update

    def retry_transfer(self, transfer_id: int) -> None:
        """Try a failed or paused transfer again, from where it stopped."""
        self.transfers.apply(self.client.transfers.resume(transfer_id))

    def cancel_transfer(self, transfer_id: int) -> None:
        """Stop a transfer: an upload is withdrawn (its message never goes), a download's
        partial file removed. The ``cancelled`` update removes its card."""
        self.run(self.client.transfers.cancel(transfer_id), "cancel the transfer")

    def pending(self, conversation: str) -> list[OutboxEntry]:
        """Messages of this conversation still in the outbox (sending, or failed for good)."""
        return [
            e
            for e in self.client.store.outbox.pending() + self.client.store.outbox.failed()
            if e.conversation == conversation and e.kind == "send"
        ]

    def retry(self, conversation: str, client_id: str) -> None:
        self.client.retry_send(client_id)
        self.conversation_changed.emit(conversation)

    def discard(self, conversation: str, client_id: str) -> None:
        self.client.store.outbox.discard(client_id)
        self.conversation_changed.emit(conversation)

    def edit(self, conversation: str, seq: int, text: str) -> None:
        self.run(
            self.client.edit_message(conversation, seq, text),
            "edit the message",
        )

    def delete(self, conversation: str, seq: int) -> None:
        self.run(
            self.client.delete_message(conversation, seq),
            "delete the message",
        )

    def react(self, conversation: str, seq: int, emoji: str, add: bool = True) -> None:
        self.run(
            self.client.react(conversation, seq, emoji, add=add),
            "react to the message",
        )

    def mark_read(self, conversation: str) -> None:
        """Mark everything shown in an open chat as read (here and on one's other devices)."""
        last = self.store.timeline.last_message(conversation)
        if last is None or self.store.timeline.read_seq(conversation, self.username) >= last.seq:
            return
        if self.client.state != ConnectionState.AUTHENTICATED:
            return  # marked on the next open after reconnecting
        self.run(
            self.client.mark_read(conversation, last.seq),
            "mark the chat as read",
        )

    def set_typing(self, conversation: str, typing: bool) -> None:
        """Tell the peer we type; repeated at most every few seconds while typing goes on."""
        loop = asyncio.get_running_loop()
        now = loop.time()
        last = self._typing_sent.get(conversation)
        if typing and last is not None and now - last < TYPING_REPEAT_SECONDS:
            return
        if not typing and last is None:
            return
        if typing:
            self._typing_sent[conversation] = now
        else:
            self._typing_sent.pop(conversation, None)
        if self.client.state == ConnectionState.AUTHENTICATED:
            with contextlib.suppress(RuntimeError):
                self.run(
                    self.client.request(rq.Typing(id="", conversation=conversation, typing=typing)),
                    "send the typing notice",
                )

    def receipt_marks(self, conversation: str) -> tuple[int, int]:
        """(delivered, read): the highest seq every other member has received and read."""
        others = [
            m for m in self.store.timeline.members(conversation) if m.username != self.username
        ]
        if not others:
            return 0, 0
        return min(m.delivered_seq for m in others), min(m.read_seq for m in others)

    def delivery_state(self, view: MessageView) -> str:
        """sent, delivered or read for one's own stored message, from the peers' markers."""
        return receipt_state(view.seq, *self.receipt_marks(view.conversation))

    async def fetch_history(self, conversation: str, before: int) -> list[MessageView]:
        """Older messages from the server, for when the local cache has none before ``before``."""
        result = await self.client.request(
            rq.History(id="", conversation=conversation, before=before, limit=100)
        )
        return result.messages

    # --- account -----------------------------------------------------------------------

    async def change_password(self, old: str, new: str) -> None:
        await self.client.request(rq.ChangePassword(id="", old_password=old, new_password=new))
        if self.client.credentials.password() is not None:
            self.client.credentials.set_password(new)

    async def sessions(self) -> list[rs.SessionInfo]:
        return (await self.client.request(rq.ListSessions(id=""))).sessions

    async def revoke_sessions(self, session_ids: list[int] | None = None) -> list[int]:
        result = await self.client.request(rq.RevokeSessions(id="", session_ids=session_ids))
        return result.revoked


def receipt_state(seq: int, delivered: int, read: int) -> str:
    """The state of one's own stored message ``seq`` given the peers' receipt marks."""
    if read >= seq:
        return READ
    if delivered >= seq:
        return DELIVERED
    return SENT


def describe_error(exc: BaseException) -> str:
    """A sentence a person can act on, for errors from the client or the server."""
    if isinstance(exc, ProtocolError):
        return exc.message
    if isinstance(exc, ClientError):
        return str(exc)
    if isinstance(exc, TransferError):
        return exc.message
    if isinstance(exc, asyncio.TimeoutError | TimeoutError):
        return "the server did not answer in time"
    return f"unexpected error ({type(exc).__name__}: {exc})"
