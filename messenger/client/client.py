"""The asyncio messenger session used by the GUI, the CLI, tests and benchmarks.

One ``Client`` is one account on one server. It keeps a connection up
(reconnecting with exponential backoff and full jitter), signs in again with
its session token after every reconnect, syncs every conversation from the
store's resume point, then flushes the outbox in order. Pushed events are
applied to the store and handed to subscribers exactly once, whether they came
live or through sync.

Three long-lived tasks do the work, so none of them ever waits on itself:
the supervisor (connection and sign-in), the worker (applies pushed events and
runs syncs, strictly in arrival order) and the outbox sender.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine, Iterator
from typing import Any

import aiohttp
import backoff
import msgspec

from messenger.client import connect as connecting
from messenger.client.channel import Channel
from messenger.client.credentials import Credentials
from messenger.client.errors import (
    AuthenticationFailed,
    ClientError,
    ConnectionFailed,
    NotConnected,
    SessionEnded,
)
from messenger.client.events import ConnectionStateChanged, Event
from messenger.client.known_servers import KnownServers, normalize_fingerprint
from messenger.client.outbox_sender import OutboxSender
from messenger.client.rooms import RoomActions
from messenger.client.state import ConnectionState
from messenger.client.stream import EventStream
from messenger.client.sync import Syncer
from messenger.client.tls import ssl_option
from messenger.client.transfers import Transfers
from messenger.client.transfers.api import HttpTarget, http_base
from messenger.protocol import requests as rq
from messenger.protocol import results as rs
from messenger.protocol.errors import ErrorCode, ProtocolError
from messenger.protocol.events import (
    AnyConversationEvent,
    ConversationEvent,
    DeleteEvent,
    DeliveredEvent,
    EditEvent,
    ReactionEvent,
    ReadEvent,
    ServerFrame,
)
from messenger.protocol.names import direct_conversation_id, normalize_username
from messenger.store import OutboxEntry, Store
from messenger.store.paths import server_key

log = logging.getLogger(__name__)

CLOSE_SESSION_ENDED = 4003


class _ResyncAll(msgspec.Struct, frozen=True):
    """Worker item: catch up after the sign-in of connection ``generation``."""

    generation: int


class Client(RoomActions):
    def __init__(
        self,
        url: str,
        store: Store,
        *,
        username: str,
        credentials: Credentials | None = None,
        known_servers: KnownServers | None = None,
        accept_fingerprint: str | None = None,
        device: str = "",
        request_timeout: float = 15.0,
        min_backoff: float = 0.5,
        max_backoff: float = 30.0,
        sync_page: int = 500,
    ) -> None:
        name = normalize_username(username)
        if name is None:
            raise ValueError(f"not a valid username: {username!r}")
        self.url = url
        self.server = server_key(url)
        self.username = name
        self.store = store
        self.credentials = credentials or Credentials(self.server, name)
        self.known_servers = known_servers
        self._accepted = normalize_fingerprint(accept_fingerprint) if accept_fingerprint else None
        self.device = device
        self.request_timeout = request_timeout
        self._min_backoff = min_backoff
        self._max_backoff = max_backoff

        self._state = ConnectionState.DISCONNECTED
        self._session: aiohttp.ClientSession | None = None
        self._channel: Channel | None = None
        self._generation = 0
        self._connect_lock = asyncio.Lock()
        self.hello: rs.HelloResult | None = None
        self.session_id: int | None = None
        self.failure: ClientError | None = None
        self.last_error: str | None = None  # the latest reason the connection is not up
        self._failed = asyncio.Event()
        self._authenticated = asyncio.Event()
        self._flushable = asyncio.Event()  # signed in and caught up: the outbox may go
        self._token: str | None = None
        self._password: str | None = None
        self._ending = False  # a logout we asked for: the 4003 close is expected

        self._streams: set[EventStream] = set()
        self._inbox: asyncio.Queue[ServerFrame | _ResyncAll] = asyncio.Queue()
        self._delivered_sent: dict[str, int] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._supervisor: asyncio.Task[None] | None = None
        self._workers_started = False
        self._syncer = Syncer(
            store, self._request, self._emit, self._deliver, username=name, page_limit=sync_page
        )
        self._outbox = OutboxSender(store, self._request, self._emit, username=name)
        # File uploads and downloads over the server's HTTP routes (see ``Transfers``).
        self.transfers = Transfers(
            store,
            self._emit,
            target=self._file_target,
            ready=self.wait_ready,
            online=lambda: self._state == ConnectionState.AUTHENTICATED,
            wake_outbox=self._outbox.wake,
            min_backoff=min_backoff,
            max_backoff=max_backoff,
        )

    # --- state ---------------------------------------------------------------------

    @property
    def state(self) -> ConnectionState:
        return self._state

    def _set_state(self, new: ConnectionState, error: str | None = None) -> None:
        """The one place the connection state changes: log it, keep flags, emit one event."""
        old = self._state
        if new == old:
            return
        self._state = new
        if error is not None:
            self.last_error = error
        log.info(
            "%s@%s: %s -> %s%s", self.username, self.server, old, new, f" ({error})" * bool(error)
        )
        if new == ConnectionState.AUTHENTICATED:
            self._authenticated.set()
        else:
            self._authenticated.clear()
            self._flushable.clear()
        self._emit(ConnectionStateChanged(old=old.value, new=new.value, error=error))

    # --- events --------------------------------------------------------------------

    def subscribe(self) -> EventStream:
        """A new stream of every event from now on (server pushes and client events)."""
        stream = EventStream(self._streams.discard)
        if self._state == ConnectionState.CLOSED:
            stream.end()
        else:
            self._streams.add(stream)
        return stream

    def _emit(self, event: Event) -> None:
        for stream in list(self._streams):
            stream.put(event)

    # --- connecting and signing in ------------------------------------------------------

    async def connect(self) -> rs.HelloResult:
        """Open a connection and say hello, once (no retries); a no-op when connected."""
        async with self._connect_lock:
            if self._channel is not None and not self._channel.closed and self.hello is not None:
                return self.hello
            if self._state == ConnectionState.CLOSED:
                raise ConnectionFailed("client is closed")
            if self._session is None:
                self._session = aiohttp.ClientSession(
                    timeout=aiohttp.ClientTimeout(total=None, sock_connect=10.0)
                )
            pinned = self.known_servers.get(self.server) if self.known_servers else None
            self._set_state(ConnectionState.CONNECTING)
            try:
                channel, hello = await connecting.open_channel(
                    self._session,
                    self.url,
                    self._inbox.put_nowait,
                    pinned=pinned or self._accepted,
                    request_timeout=self.request_timeout,
                )
            except ClientError as exc:
                self._set_state(ConnectionState.DISCONNECTED, str(exc))
                raise
            if self._accepted and not pinned and self.known_servers and self.url.startswith("wss"):
                # The user accepted this fingerprint and the server proved it holds
                # the key: remember it for every later connection.
                self.known_servers.pin(self.server, self._accepted)
            self._channel, self.hello = channel, hello
            self._generation += 1
            self._set_state(ConnectionState.CONNECTED)
            return hello

    async def register(self, password: str) -> rs.AuthResult:
        """Create the account (which also signs in); the password and token are remembered."""
        await self.connect()
        req = rq.Register(id="", username=self.username, password=password, device=self.device)
        result = await self.request(req)
        await self._signed_in(result, password=password)
        return result

    async def login(self, password: str) -> rs.AuthResult:
        await self.connect()
        req = rq.Login(id="", username=self.username, password=password, device=self.device)
        result = await self.request(req)
        await self._signed_in(result, password=password)
        return result

    async def authenticate(self, token: str) -> rs.AuthResult:
        """Resume a session with its token (no password needed)."""
        await self.connect()
        result = await self.request(rq.Authenticate(id="", token=token))
        await self._signed_in(result, token=token)
        return result

    def start(self, password: str | None = None) -> None:
        """Connect and sign in in the background, retrying until it works or fails for good.

        Signs in with the stored token, else with ``password`` or the stored one.
        Use ``wait_ready`` to wait for it.
        """
        if password is not None:
            self._password = password
        self._ensure_running()

    async def wait_ready(self) -> None:
        """Wait until signed in; raise the failure if the client stopped for good.

        Bound the wait with ``asyncio.timeout`` (so are all waits here).
        """
        await self._until(asyncio.ensure_future(self._authenticated.wait()))

    async def wait_synced(self) -> None:
        """Wait until signed in and caught up with the server (the outbox is flushing)."""
        await self._until(asyncio.ensure_future(self._flushable.wait()))

    async def _signed_in(
        self, result: rs.AuthResult, *, password: str | None = None, token: str | None = None
    ) -> None:
        if result.username != self.username:
            raise AuthenticationFailed(
                "wrong_account", f"signed in as {result.username}, expected {self.username}"
            )
        if result.token:
            token = result.token
            self.credentials.set_token(result.token)
        self._token = token
        if password is not None:
            self._password = password
            self.credentials.set_password(password)
        self.session_id = result.session_id
        self._set_state(ConnectionState.AUTHENTICATED)
        self._ensure_running()
        self._inbox.put_nowait(_ResyncAll(self._generation))

    async def _connect_and_sign_in(self) -> None:
        await self.connect()
        token = self._token or self.credentials.token()
        if token:
            try:
                await self.authenticate(token)
                return
            except ProtocolError as exc:
                if exc.code != ErrorCode.INVALID_TOKEN:
                    raise self._sign_in_error(exc) from exc
                log.info("stored session token no longer valid; signing in with the password")
                self._token = None
                self.credentials.forget_token()
        password = self._password or self.credentials.password()
        if not password:
            raise AuthenticationFailed(
                "no_credentials",
                f"no stored session or password for {self.username} on {self.server}",
            )
        try:
            await self.login(password)
        except ProtocolError as exc:
            raise self._sign_in_error(exc) from exc

    @staticmethod
    def _sign_in_error(exc: ProtocolError) -> ClientError:
        if exc.code in (ErrorCode.RATE_LIMITED, ErrorCode.INTERNAL_ERROR):
            return ConnectionFailed(f"sign-in deferred: {exc.message}")
        return AuthenticationFailed(exc.code.value, exc.message)

    def _delays(self) -> Iterator[float]:
        delays: Iterator[float] = backoff.expo(
            factor=self._min_backoff, max_value=self._max_backoff
        )
        next(delays)  # backoff's generators yield None first (primed by .send() in backoff)
        return delays

    async def _supervise(self) -> None:
        """Keep a signed-in connection up until the client closes or fails for good."""
        delays = self._delays()
        while self._state != ConnectionState.CLOSED:
            channel = self._channel
            if channel is None or channel.closed or self._state != ConnectionState.AUTHENTICATED:
                try:
                    await self._connect_and_sign_in()
                except ConnectionFailed as exc:
                    await self._drop_channel()
                    self._set_state(ConnectionState.DISCONNECTED, str(exc))
                    await asyncio.sleep(backoff.full_jitter(next(delays)))
                    continue
                except ClientError as exc:
                    await self._fail(exc)
                    return
                delays = self._delays()
                continue
            await channel.wait_closed()
            if self._stopping():
                return
            if channel.close_code == CLOSE_SESSION_ENDED:
                self._token = None
                self.credentials.forget_token()
                await self._fail(SessionEnded("the server ended this session (signed out)"))
                return
            self._set_state(
                ConnectionState.DISCONNECTED, f"connection closed (code {channel.close_code})"
            )

    def _stopping(self) -> bool:
        # A method, not an inline test: the state changes while we await, and
        # mypy would otherwise keep the narrowed type from before the await.
        return self._state == ConnectionState.CLOSED or self._ending

    async def _fail(self, exc: ClientError) -> None:
        log.warning("%s@%s stopped: %s", self.username, self.server, exc)
        self.failure = exc
        await self._drop_channel()
        self._set_state(ConnectionState.FAILED, str(exc))
        self._failed.set()

    async def _drop_channel(self) -> None:
        channel, self._channel = self._channel, None
        if channel is not None:
            await channel.close()

    async def _until(self, waiter: asyncio.Future[Any]) -> Any:
        """Await ``waiter``, unless the client fails for good first: then raise that failure."""
        failed = asyncio.ensure_future(self._failed.wait())
        try:
            await asyncio.wait({waiter, failed}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            failed.cancel()
            if not waiter.done():
                waiter.cancel()
        if waiter.done() and not waiter.cancelled():
            return waiter.result()
        raise self.failure or ConnectionFailed("the client stopped")

    # --- background work -------------------------------------------------------------

    def _ensure_running(self) -> None:
        idle = self._supervisor is None or self._supervisor.done()
        if idle and self._state not in (ConnectionState.CLOSED, ConnectionState.FAILED):
            self._supervisor = asyncio.create_task(self._supervise(), name="messenger-supervisor")
        if not self._workers_started:
            self._workers_started = True
            self._spawn(self._work())
            self._spawn(self._outbox.run(self._flushable))

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _work(self) -> None:
        """Apply pushed events and run syncs one at a time, in arrival order."""
        while True:
            item = await self._inbox.get()
            try:
                if isinstance(item, _ResyncAll):
                    await self._resync_all(item.generation)
                else:
                    await self._handle(item)
            except (ClientError, ProtocolError) as exc:
                # A reconnect syncs everything again, so nothing is lost here.
                log.info("sync interrupted: %s", exc)
            except Exception:
                log.exception("failed to handle %s", type(item).__name__)

    async def _resync_all(self, generation: int) -> None:
        if generation != self._generation or self._state != ConnectionState.AUTHENTICATED:
            return  # superseded by a newer connection, which queued its own
        try:
            await self._syncer.sync_all()
        finally:
            channel = self._channel
            alive = channel is not None and not channel.closed
            if generation == self._generation and alive and self._authenticated.is_set():
                self._flushable.set()

    async def _handle(self, frame: ServerFrame) -> None:
        if isinstance(frame, ConversationEvent):
            synced = self.store.timeline.synced_seq(frame.conversation)
            if frame.seq <= synced:
                return  # already applied (or synced past it)
            if frame.seq == synced + 1:
                if self.store.timeline.apply(frame):  # type: ignore[arg-type]
                    self._syncer.announce([frame])  # type: ignore[list-item]
                return
            # A gap: something between went missing (or is hidden from us); the
            # server's sync fills it and brings this event with it, in order.
            await self._syncer.sync_conversation(frame.conversation)
            return
        if isinstance(frame, DeliveredEvent):
            self.store.timeline.mark_delivered(frame.conversation, frame.user, frame.up_to)
        self._emit(frame)

    def _deliver(self, conversation: str, seq: int) -> None:
        """Tell the server (and so the sender) these messages reached this device."""
        if seq <= self._delivered_sent.get(conversation, 0):
            return
        self._delivered_sent[conversation] = seq
        self._spawn(self._send_delivered(conversation, seq))

    async def _send_delivered(self, conversation: str, seq: int) -> None:
        try:
            await self._request(rq.MarkDelivered(id="", conversation=conversation, seq=seq))
        except (ClientError, ProtocolError) as exc:
            log.debug("mark_delivered %s@%d not sent: %s", conversation, seq, exc)
            if self._delivered_sent.get(conversation) == seq:
                del self._delivered_sent[conversation]  # let the next message retry

    def _file_target(self) -> HttpTarget:
        """The file routes on this server, as this session, under the same TLS policy."""
        pinned = self.known_servers.get(self.server) if self.known_servers else None
        return HttpTarget(
            http_base(self.url),
            self._token,
            ssl_option(self.url.startswith("wss"), pinned or self._accepted),
        )

    # --- requests ----------------------------------------------------------------------

    async def _request(self, req: rq.Request) -> msgspec.Struct:
        channel = self._channel
        if channel is None or channel.closed:
            raise NotConnected(f"not connected to {self.server}")
        return await channel.request(req)

    # --- messages ----------------------------------------------------------------------

    def conversation_with(self, peer: str) -> str:
        return direct_conversation_id(self.username, peer)

    def queue_message(
        self, conversation: str, text: str, *, reply_to: int | None = None
    ) -> OutboxEntry:
        """Persist a message in the outbox (before any send attempt) and let the sender know."""
        entry = self.store.outbox.enqueue_send(conversation, text, reply_to=reply_to)
        self._outbox.wake()
        return entry

    def retry_send(self, client_id: str) -> None:
        """Send a message the server refused once more (the user chose to retry)."""
        self.store.outbox.retry(client_id)
        self._outbox.wake()

    async def wait_for_ack(self, client_id: str) -> rs.SendResult:
        """The server's acknowledgement of an outbox message, however long it takes."""
        waiter = self._outbox.waiter(client_id)
        entry = self.store.outbox.get(client_id)
        if entry is None:
            waiter.cancel()
            view = self.store.timeline.find_by_client_id(client_id)
            if view is None:
                raise KeyError(f"no outbox entry or message with client id {client_id}")
            return rs.SendResult(
                conversation=view.conversation, seq=view.seq, ts=view.ts, client_id=client_id
            )
        if entry.error_code is not None:
            waiter.cancel()
            raise ProtocolError(ErrorCode(entry.error_code), entry.error_message or "")
        result: rs.SendResult = await self._until(waiter)
        return result

    async def send_message(
        self,
        conversation: str,
        text: str,
        *,
        reply_to: int | None = None,
    ) -> rs.SendResult:
        """Queue a message and wait for its acknowledgement (bound it with ``asyncio.timeout``)."""
        entry = self.queue_message(conversation, text, reply_to=reply_to)
        return await self.wait_for_ack(entry.client_id)

    async def edit_message(self, conversation: str, target: int, text: str) -> rs.EventResult:
        result = await self.request(
            rq.Edit(id="", conversation=conversation, target=target, text=text)
        )
        self._apply_own(EditEvent, result, target=target, text=text)
        return result

    async def delete_message(self, conversation: str, target: int) -> rs.EventResult:
        result = await self.request(rq.Delete(id="", conversation=conversation, target=target))
        self._apply_own(DeleteEvent, result, target=target)
        return result

    async def react(
        self, conversation: str, target: int, emoji: str, *, add: bool = True
    ) -> rs.EventResult:
        req = rq.React(id="", conversation=conversation, target=target, emoji=emoji, add=add)
        result = await self.request(req)
        self._apply_own(ReactionEvent, result, target=target, emoji=emoji, add=add)
        return result

    async def mark_read(self, conversation: str, seq: int) -> rs.EventResult:
        result = await self.request(rq.MarkRead(id="", conversation=conversation, seq=seq))
        self._apply_own(ReadEvent, result, up_to=seq)
        return result

    def _apply_own(
        self, kind: type[AnyConversationEvent], result: rs.EventResult, **fields: Any
    ) -> None:
        """Fold our own stored event into the local history at once.

        The server pushes it to our other devices but not back to this session,
        which learns its seq from the result; a seq of 0 means nothing was stored.
        """
        if result.seq == 0:
            return
        event = kind(
            conversation=result.conversation,
            seq=result.seq,
            ts=result.ts,
            sender=self.username,
            **fields,
        )
        if self.store.timeline.apply(event):
            self._emit(event)

    # --- ending ------------------------------------------------------------------------

    async def logout(self) -> None:
        """End this session on the server and forget its token (the password stays)."""
        self._ending = True
        with contextlib.suppress(ClientError, ProtocolError):
            await self.request(rq.Logout(id=""))
        self._token = None
        self.credentials.forget_token()
        await self.close()

    async def close(self) -> None:
        if self._state == ConnectionState.CLOSED:
            return
        self._set_state(ConnectionState.CLOSED)
        await self.transfers.close()
        tasks = [*self._tasks, *([self._supervisor] if self._supervisor else [])]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self._drop_channel()
        if self._session is not None:
            await self._session.close()
        for stream in list(self._streams):
            stream.end()
        self._streams.clear()

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
