"""CallManager: one account's calls, placed and received through its ``Client``.

It listens to the client's event stream for call frames, keeps at most one call at a time
(an incoming call while busy is declined, which the server makes rare by answering busy
itself), resolves glare, and keeps the ICE configuration fresh. Importing it is cheap:
aiortc and PyAV load when the first call sets up media.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from messenger.calls.call import Call
from messenger.calls.ice import IceConfig, fetch
from messenger.calls.media import DeviceProvider
from messenger.calls.state import CallMachine, CallState, InvalidAction, yields_to
from messenger.client.errors import ClientError
from messenger.protocol import requests as rq
from messenger.protocol.errors import ProtocolError
from messenger.protocol.events import (
    CallAcceptedEvent,
    CallCandidateEvent,
    CallEndedEvent,
    CallIncomingEvent,
    CallRingingEvent,
    CallUpdateEvent,
)
from messenger.protocol.names import normalize_username

if TYPE_CHECKING:
    from messenger.calls.connectivity import ConnectionReport
    from messenger.client import Client, EventStream

log = logging.getLogger(__name__)

CLOSE_TIMEOUT = 5.0


@dataclass(frozen=True)
class CallOptions:
    ring_timeout: float = 45.0  # the server's ring timeout decides; this is the app's backstop
    connect_timeout: float = 15.0  # answered but no media path by then: failed, with the reason
    media_timeout: float = 10.0  # nothing received for this long in an active call: lost
    relay_only: bool = False  # media only through TURN (hides this computer's addresses)
    echo_cancellation: bool = True  # echo cancellation and noise suppression on the microphone
    # Local addresses to offer ICE host candidates on; None offers every interface. Calls
    # between programs on one machine (tests, benches) use ("127.0.0.1",).
    host_addresses: tuple[str, ...] | None = None


class CallError(Exception):
    """A call cannot be placed (bad peer name, already in a call); the message says why."""


def new_call_id() -> str:
    return secrets.token_urlsafe(12)  # 16 characters of [A-Za-z0-9_-]


class CallManager:
    def __init__(
        self, client: Client, devices: DeviceProvider, options: CallOptions = CallOptions()
    ) -> None:
        self.client = client
        self.devices = devices
        self.options = options
        self.current: Call | None = None
        self._incoming: list[Callable[[Call], None]] = []
        self._ice: IceConfig | None = None
        self._ice_lock = asyncio.Lock()
        self._stream: EventStream | None = None
        self._listener: asyncio.Task[None] | None = None
        self._calls: set[Call] = set()  # every call not yet torn down

    # --- life cycle ------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen for calls; fetch the ICE servers now if signed in (else before a call)."""
        if self._stream is not None:
            return
        self._stream = self.client.subscribe()
        self._listener = asyncio.create_task(self._listen(self._stream), name="call-manager")
        with contextlib.suppress(ClientError, ProtocolError):
            await self.ice_config()

    async def close(self) -> None:
        """Hang up and stop listening; waits (briefly) for the hang-up to go out."""
        call = self.current
        if call is not None:
            await call.hangup()
        if self._stream is not None:
            self._stream.close()
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        for pending in list(self._calls):
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(CLOSE_TIMEOUT):
                    await pending.wait_closed()

    def on_incoming(self, callback: Callable[[Call], None]) -> None:
        """``callback(call)`` when a call starts ringing here (state ``incoming``)."""
        self._incoming.append(callback)

    # --- ICE ---------------------------------------------------------------------------------

    async def ice_config(self) -> IceConfig:
        """The STUN/TURN configuration, fetched again when its credentials are near expiry."""
        async with self._ice_lock:
            if self._ice is None or self._ice.stale():
                try:
                    self._ice = await fetch(self.client)
                except (ClientError, ProtocolError) as exc:
                    if self._ice is None:
                        raise
                    log.info("ICE servers not refreshed (%s); using the previous ones", exc)
            return self._ice

    async def test_connection(self) -> ConnectionReport:
        """'Test my connection': STUN and TURN reachability with fresh credentials."""
        from messenger.calls import connectivity

        try:
            config = await self.ice_config()
        except (ClientError, ProtocolError) as exc:
            return connectivity.ConnectionReport(
                (), f"Could not ask the server for its STUN and TURN servers: {exc}"
            )
        return await connectivity.test_connection(config)

    # --- calls -------------------------------------------------------------------------------

    async def place(self, peer: str, *, video: bool) -> Call:
        """Call ``peer``; returns at once with the call ``calling`` (watch its state).

        A refusal by the server (not a contact, ...) ends the call as ``failed`` with the
        server's words in ``end.detail``. Calling the peer whose call rings here answers it.
        """
        name = normalize_username(peer)
        if name is None:
            raise CallError(f"not a valid username: {peer!r}")
        if name == self.client.username:
            raise CallError("you cannot call yourself")
        current = self.current
        if current is not None:
            if current.state == CallState.INCOMING and current.peer == name:
                await current.accept(video=video)
                return current
            raise CallError(f"already in a call with {current.peer}")
        machine = CallMachine(new_call_id(), name, outgoing=True, video_offered=video)
        call = self._adopt(Call(self, machine))
        call._placing = call._spawn(call._place(video), "place")
        return call

    def _adopt(self, call: Call) -> Call:
        self.current = call
        self._calls.add(call)
        return call

    def _ended(self, call: Call) -> None:
        """The call ended: another may ring or be placed from now on."""
        if self.current is call:
            self.current = None

    def _closed(self, call: Call) -> None:
        """The call's media is torn down: nothing of it is left to wait for."""
        self._calls.discard(call)

    async def _listen(self, stream: EventStream) -> None:
        async for event in stream:
            try:
                if isinstance(event, CallIncomingEvent):
                    await self._on_incoming(event)
                elif isinstance(
                    event,
                    CallRingingEvent
                    | CallAcceptedEvent
                    | CallUpdateEvent
                    | CallCandidateEvent
                    | CallEndedEvent,
                ):
                    call = self.current
                    if call is not None and call.id == event.call_id:
                        call._on_frame(event)
            except Exception:
                log.exception("call event %s not handled", type(event).__name__)

    async def _on_incoming(self, event: CallIncomingEvent) -> None:
        current = self.current
        if current is not None and current.id == event.call_id:
            return  # a repeat
        if current is not None:
            glare = (
                current.outgoing
                and current.peer == event.caller
                and current.state in (CallState.CALLING, CallState.RINGING)
            )
            if glare:
                if yields_to(current.id, event.call_id):
                    log.info("glare with %s: answering their call", event.caller)
                    current._spawn(current._give_way(event), "glare")
                return
            log.info("call from %s while in a call: declining", event.caller)
            with contextlib.suppress(ClientError, ProtocolError):
                await self.client.request(rq.CallDecline(id="", call_id=event.call_id))
            return
        machine = CallMachine(
            event.call_id, event.caller, outgoing=False, video_offered=event.video
        )
        call = self._adopt(Call(self, machine, offer=event.sdp))
        call._ring_in()
        for callback in list(self._incoming):
            try:
                callback(call)
            except Exception:
                log.exception("incoming-call callback failed")


__all__ = ["Call", "CallError", "CallManager", "CallOptions", "InvalidAction"]
