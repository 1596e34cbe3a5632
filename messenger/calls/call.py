"""One call as the UI sees it: the state machine's effects carried out, media attached.

Everything the server says about this call arrives through ``_frames`` and is handled by one
task in order, so an answer is never applied before the offer it answers. Requests go out
through one sender task, in the order the state machine produced them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from messenger.calls.connectivity import explain_failure
from messenger.calls.media import FrameSink, MediaSource
from messenger.calls.state import (
    CallEnd,
    CallMachine,
    CallState,
    Changed,
    Effect,
    InvalidAction,
    Send,
    StopMedia,
)
from messenger.calls.stats import CallQuality
from messenger.client.errors import ClientError
from messenger.client.state import ConnectionState
from messenger.protocol import requests as rq
from messenger.protocol.errors import ProtocolError
from messenger.protocol.events import (
    CallAcceptedEvent,
    CallCandidateEvent,
    CallEndedEvent,
    CallIncomingEvent,
    CallRingingEvent,
    CallUpdateEvent,
    ServerFrame,
)

if TYPE_CHECKING:
    from messenger.calls.ice import IceConfig
    from messenger.calls.manager import CallManager
    from messenger.calls.peer import PeerSession
    from messenger.calls.receiver import Kind, RemoteMedia
    from messenger.calls.stats import QualityMeter
    from messenger.calls.tracks import LocalAudioTrack, LocalVideoTrack

log = logging.getLogger(__name__)

# The app's ring timer runs this much behind the server's, which decides (and tells both
# sides); ours only matters when the server never says.
RING_GRACE = 5.0
WATCHDOG_PERIOD = 0.5
UPDATE_TIMEOUT = 10.0  # a renegotiation answer that does not come by then never will
SEND_RETRY_WAIT = 10.0  # how long a request waits for a dropped connection to come back

CallFrame = (
    CallRingingEvent | CallAcceptedEvent | CallUpdateEvent | CallCandidateEvent | CallEndedEvent
)


class Call:
    """A call with one peer. ``id`` changes once if glare resolves to the peer's call."""

    def __init__(
        self, manager: CallManager, machine: CallMachine, offer: str | None = None
    ) -> None:
        self._manager = manager
        self._machine = machine
        self._offer = offer  # an incoming call's SDP offer
        self.sending_video = False
        self.remote_video = False
        self.muted = False
        self.answered_at: float | None = None  # time.monotonic() when it became active
        self.accepted_at: float | None = None  # when the answer was sent (or arrived)
        self.first_frame_at: dict[str, float] = {}  # kind -> time.monotonic() of its first frame
        self._want_video = False
        self._listeners: list[Callable[[Call], None]] = []
        self._sinks: dict[str, FrameSink | None] = {"audio": None, "video": None, "self": None}
        self._peer: PeerSession | None = None
        self._remote: RemoteMedia | None = None
        self._audio: LocalAudioTrack | None = None
        self._video: LocalVideoTrack | None = None
        self._spare_camera: MediaSource | None = None
        self._frames: asyncio.Queue[CallFrame] = asyncio.Queue()
        self._outbox: asyncio.Queue[rq.Request | None] = asyncio.Queue()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._negotiating = asyncio.Lock()
        self._update_answer: asyncio.Future[str] | None = None
        self._torn_down = asyncio.Event()
        self._ice: IceConfig | None = None
        self._placing: asyncio.Task[None] | None = None
        self._meter: QualityMeter | None = None
        self._spawn(self._process_frames(), "frames")
        self._sender = self._spawn(self._send_requests(), "sender")

    # --- what the UI reads ------------------------------------------------------------------

    @property
    def id(self) -> str:
        return self._machine.call_id

    @property
    def peer(self) -> str:
        return self._machine.peer

    @property
    def outgoing(self) -> bool:
        return self._machine.outgoing

    @property
    def video_offered(self) -> bool:
        return self._machine.video_offered

    @property
    def state(self) -> CallState:
        return self._machine.state

    @property
    def end(self) -> CallEnd | None:
        return self._machine.end

    def add_listener(self, callback: Callable[[Call], None]) -> None:
        """``callback(call)`` after every change (state, video, mute); on the event loop."""
        self._listeners.append(callback)

    def _notify(self) -> None:
        for callback in list(self._listeners):
            try:
                callback(self)
            except Exception:
                log.exception("call listener failed")

    def __repr__(self) -> str:
        return f"<Call {self.id} {'to' if self.outgoing else 'from'} {self.peer} {self.state}>"

    # --- tasks and timers --------------------------------------------------------------------

    def _spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        task = asyncio.create_task(coro, name=f"call-{name}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _start_timer(self, name: str, seconds: float, action: Callable[[], None]) -> None:
        self._stop_timer(name)
        self._timers[name] = asyncio.get_running_loop().call_later(seconds, action)

    def _stop_timer(self, name: str) -> None:
        handle = self._timers.pop(name, None)
        if handle is not None:
            handle.cancel()

    # --- effects ---------------------------------------------------------------------------

    def _apply(self, effects: list[Effect]) -> None:
        changed = False
        for effect in effects:
            match effect:
                case Send(request=request):
                    self._outbox.put_nowait(request)
                case Changed(new=new):
                    changed = True
                    self._entered(new)
                case StopMedia():
                    self._spawn(self._teardown(), "teardown")
        if changed:
            self._notify()

    def _entered(self, state: CallState) -> None:
        if state == CallState.CONNECTING:
            self._stop_timer("ring")
            self.accepted_at = self.accepted_at or time.monotonic()
            self._start_timer(
                "connect", self._manager.options.connect_timeout, self._connect_timed_out
            )
        elif state == CallState.ACTIVE:
            self._stop_timer("connect")
            self.answered_at = time.monotonic()
            self._spawn(self._watch_media(), "watchdog")
            if self._want_video != self.sending_video:
                self._spawn(self._renegotiate(), "camera")
        elif state == CallState.ENDED:
            for name in list(self._timers):
                self._stop_timer(name)
            self._outbox.put_nowait(None)  # the sender stops once the last request is out
            self._manager._ended(self)

    async def _send_requests(self) -> None:
        while (request := await self._outbox.get()) is not None:
            await self._deliver(request)

    async def _deliver(self, request: rq.Request) -> None:
        client = self._manager.client
        for attempt in range(2):
            try:
                await client.request(request)
                return
            except ProtocolError as exc:
                self._refused(request, exc)
                return
            except ClientError as exc:
                if attempt or client.state in (ConnectionState.CLOSED, ConnectionState.FAILED):
                    log.info("%s for call %s not sent: %s", type(request).__name__, self.id, exc)
                    return
                # The connection dropped: the server keeps the call for a grace period, so
                # wait for the reconnect and try once more.
                with contextlib.suppress(TimeoutError, ClientError):
                    async with asyncio.timeout(SEND_RETRY_WAIT):
                        await client.wait_ready()

    def _refused(self, request: rq.Request, exc: ProtocolError) -> None:
        log.info("call %s: server refused %s: %s", self.id, type(request).__name__, exc.message)
        if isinstance(request, rq.CallInvite | rq.CallAccept) and request.call_id == self.id:
            self._apply(self._machine.refused(exc.message))

    # --- placing and answering ---------------------------------------------------------------

    async def _place(self, video: bool) -> None:
        """Outgoing: offer, invite, and ring until answered."""
        self._want_video = video
        try:
            peer = await self._open_peer()
            audio, camera = self._local_tracks(video)
            sdp = await peer.offer(audio, camera)
        except Exception as exc:
            log.exception("could not set up the call to %s", self.peer)
            self._apply(self._machine.media_failed(f"could not set up the call: {exc}"))
            return
        if self._machine.state != CallState.CALLING:
            return  # hung up (or gave way to glare) while the offer was being made
        if not peer.local_candidate_count():
            # Nothing the peer could reach us on (e.g. TURN refused us in relay-only mode):
            # say why now instead of ringing for a call that cannot connect.
            self._spawn(self._fail_media(), "explain")
            return
        self._apply(self._machine.invite(sdp))
        self._start_timer("ring", self._manager.options.ring_timeout + RING_GRACE, self._ring_out)

    def _ring_in(self) -> None:
        """Incoming: tell the caller we ring, and stop ringing if the server never ends it."""
        self._apply(self._machine.ring())
        self._start_timer("ring", self._manager.options.ring_timeout + RING_GRACE, self._ring_out)

    def _ring_out(self) -> None:
        self._apply(self._machine.ring_timeout())

    async def accept(self, *, video: bool) -> None:
        """Answer on this device; ``video`` turns the camera on (by renegotiation when the
        caller offered a voice call)."""
        if self._machine.state != CallState.INCOMING:
            raise InvalidAction(f"cannot accept a call that is {self.state.value}")
        self._want_video = video
        offer = self._offer or ""
        try:
            peer = await self._open_peer()
            audio, camera = self._local_tracks(video and self.video_offered)
            sdp = await peer.answer(offer, audio, camera)
        except Exception as exc:
            log.info("could not answer call %s: %s", self.id, exc)
            self._apply(self._machine.media_failed(f"could not answer: {exc}"))
            return
        if self._machine.state != CallState.INCOMING:
            # The caller gave up while we were getting ready; the teardown may have run
            # before this media existed.
            if self._torn_down.is_set():
                await self._close_media(keep_sources=False)
            return
        if not peer.local_candidate_count():
            await self._fail_media()
            return
        self._refresh_flags()
        self._apply(self._machine.accept(sdp, video=video))

    async def decline(self) -> None:
        self._apply(self._machine.decline())

    async def hangup(self) -> None:
        self._apply(self._machine.hangup())

    async def _give_way(self, incoming: CallIncomingEvent) -> None:
        """Glare, and the peer's call wins: drop ours and answer theirs, as one call."""
        video = self._want_video
        placing = self._placing
        if placing is not None and not placing.done():
            placing.cancel()  # still making our offer: it is not needed any more
            with contextlib.suppress(asyncio.CancelledError):
                await placing
        for effect in self._machine.give_way():
            if isinstance(effect, Send):
                self._outbox.put_nowait(effect.request)
        await self._close_media(keep_sources=True)
        self._machine = CallMachine(
            incoming.call_id, self.peer, outgoing=False, video_offered=incoming.video
        )
        self._offer = incoming.sdp
        self._torn_down.clear()
        self._notify()
        await self.accept(video=video)

    # --- media set-up ---------------------------------------------------------------------------

    async def _open_peer(self) -> PeerSession:
        from messenger.calls.echo import EchoCanceller
        from messenger.calls.peer import PeerSession
        from messenger.calls.receiver import RemoteMedia

        options = self._manager.options
        config = await self._manager.ice_config()
        canceller = EchoCanceller.create() if options.echo_cancellation else None
        self._remote = RemoteMedia(canceller)
        self._remote.sinks["audio"] = self._sinks["audio"]
        self._remote.sinks["video"] = self._sinks["video"]
        self._remote.on_first_frame = self._first_frame
        self._peer = PeerSession(
            config,
            self._remote,
            self._connection_state,
            relay_only=options.relay_only,
            host_addresses=options.host_addresses,
        )
        self._ice = config
        if self._audio is None:
            from messenger.calls.tracks import LocalAudioTrack

            self._audio = LocalAudioTrack(self._manager.devices.audio_source(), canceller)
        else:
            self._audio.canceller = canceller
        self._audio.muted = self.muted
        return self._peer

    def _local_tracks(self, video: bool) -> tuple[LocalAudioTrack, LocalVideoTrack | None]:
        assert self._audio is not None
        return self._audio, self._camera() if video else None

    def _camera(self) -> LocalVideoTrack:
        if self._video is None:
            from messenger.calls.tracks import LocalVideoTrack

            source = self._spare_camera or self._manager.devices.video_source()
            self._spare_camera = None
            self._video = LocalVideoTrack(source)
            self._video.self_view = self._sinks["self"]
        return self._video

    def _drop_camera(self) -> None:
        if self._video is not None:
            self._video.source.close()
            self._video.stop()
            self._video = None

    def _first_frame(self, kind: Kind) -> None:
        self.first_frame_at.setdefault(kind, time.monotonic())

    def _refresh_flags(self) -> None:
        if self._peer is not None:
            self.sending_video = self._peer.sending_video
            self.remote_video = self._peer.receiving_video

    def _connection_state(self, state: str) -> None:
        if state == "connected":
            self._apply(self._machine.media_connected())
        elif state == "failed" and self._machine.state in (CallState.CONNECTING, CallState.ACTIVE):
            self._spawn(self._fail_media(), "explain")

    def _connect_timed_out(self) -> None:
        if self._machine.state == CallState.CONNECTING:
            self._spawn(self._fail_media(), "explain")

    async def _fail_media(self) -> None:
        peer, config = self._peer, self._ice
        if peer is not None and peer.dtls_failed():
            detail = (
                "the secure media connection could not be verified: the encryption "
                "fingerprint does not match (the call set-up may have been tampered with)"
            )
        elif peer is not None and config is not None:
            detail = await explain_failure(
                config,
                peer=self.peer,
                relay_only=self._manager.options.relay_only,
                local_candidates=peer.local_candidate_count(),
            )
        else:
            detail = "media could not be set up"
        if self._machine.state == CallState.ACTIVE:
            self._apply(self._machine.media_lost(detail))
        else:
            self._apply(self._machine.media_failed(detail))

    async def _watch_media(self) -> None:
        """Lost: nothing received for ``media_timeout`` seconds in an active call."""
        timeout = self._manager.options.media_timeout
        while self._machine.state == CallState.ACTIVE:
            await asyncio.sleep(WATCHDOG_PERIOD)
            last = self._remote.last_frame_at() if self._remote else None
            since = max(last or 0.0, self.answered_at or 0.0)
            if time.monotonic() - since > timeout:
                self._apply(
                    self._machine.media_lost(
                        f"nothing received from {self.peer} for {timeout:g} seconds"
                    )
                )
                return

    # --- server frames ---------------------------------------------------------------------------

    def _on_frame(self, frame: CallFrame) -> None:
        self._frames.put_nowait(frame)

    async def _process_frames(self) -> None:
        while True:
            frame = await self._frames.get()
            try:
                await self._handle(frame)
            except Exception:
                log.exception("call %s: failed to handle %s", self.id, type(frame).__name__)

    async def _handle(self, frame: ServerFrame) -> None:
        match frame:
            case CallRingingEvent():
                self._apply(self._machine.on_ringing())
            case CallAcceptedEvent(sdp=sdp):
                if self._machine.state not in (CallState.CALLING, CallState.RINGING):
                    return
                self.accepted_at = time.monotonic()
                self._apply(self._machine.on_accepted())
                await self._apply_answer(sdp)
            case CallUpdateEvent(kind="offer", sdp=sdp):
                await self._answer_update(sdp)
            case CallUpdateEvent(kind="answer", sdp=sdp):
                if self._update_answer is not None and not self._update_answer.done():
                    self._update_answer.set_result(sdp)
            case CallCandidateEvent():
                if self._peer is not None:
                    with contextlib.suppress(Exception):
                        await self._peer.add_candidate(
                            frame.candidate, frame.sdp_mid, frame.sdp_mline_index
                        )
            case CallEndedEvent(reason=reason, detail=detail):
                self._apply(self._machine.on_ended(reason, detail))

    async def _apply_answer(self, sdp: str) -> None:
        from messenger.calls.peer import SdpError

        if self._peer is None:
            return
        try:
            await self._peer.apply_answer(sdp)
        except SdpError as exc:
            self._apply(self._machine.media_failed(str(exc)))
            return
        self._refresh_flags()
        self._notify()

    # --- renegotiation -------------------------------------------------------------------------

    async def _answer_update(self, offer: str) -> None:
        from messenger.calls.peer import SdpError

        peer = self._peer
        if peer is None or self._machine.state not in (CallState.CONNECTING, CallState.ACTIVE):
            return
        if peer.has_local_offer:
            # Both renegotiated at once. The caller's offer wins: the caller ignores this
            # one, the callee drops its own and answers, then tries its change again.
            if self.outgoing:
                return
            peer.roll_back()
            if self._update_answer is not None and not self._update_answer.done():
                self._update_answer.cancel()
        camera = self._camera() if self._want_video else None
        try:
            answer = await peer.answer_update(offer, camera)
        except SdpError as exc:
            self._apply(self._machine.media_failed(str(exc)))
            return
        self._outbox.put_nowait(rq.CallUpdate(id="", call_id=self.id, kind="answer", sdp=answer))
        self._refresh_flags()
        self._notify()

    async def set_camera(self, on: bool) -> None:
        """Start or stop sending video; renegotiates once the call is connected."""
        self._want_video = on
        if self._machine.state == CallState.ACTIVE:
            await self._renegotiate()

    async def _renegotiate(self) -> None:
        from messenger.calls.peer import SdpError

        async with self._negotiating:
            for _ in range(3):  # a glare roll-back means trying again
                peer = self._peer
                if peer is None or self._machine.state != CallState.ACTIVE:
                    return
                if self._want_video == self.sending_video:
                    return
                camera = self._camera() if self._want_video else None
                offer = await peer.offer_video(camera)
                if camera is None:
                    self._drop_camera()
                loop = asyncio.get_running_loop()
                self._update_answer = loop.create_future()
                self._outbox.put_nowait(
                    rq.CallUpdate(id="", call_id=self.id, kind="offer", sdp=offer)
                )
                try:
                    async with asyncio.timeout(UPDATE_TIMEOUT):
                        answer = await self._update_answer
                except asyncio.CancelledError:
                    if self._machine.state != CallState.ACTIVE:
                        raise
                    continue  # rolled back for the peer's offer; try ours again
                except TimeoutError:
                    self._apply(
                        self._machine.media_lost(f"{self.peer} did not answer a video change")
                    )
                    return
                finally:
                    self._update_answer = None
                try:
                    await peer.apply_answer(answer)
                except SdpError as exc:
                    self._apply(self._machine.media_failed(str(exc)))
                    return
                self._refresh_flags()
                self._notify()

    # --- controls ---------------------------------------------------------------------------

    def set_muted(self, muted: bool) -> None:
        """Send silence instead of the microphone (the other side hears nothing, not a drop)."""
        self.muted = muted
        if self._audio is not None:
            self._audio.muted = muted
        self._notify()

    async def replace_source(self, source: MediaSource) -> None:
        """Switch a device mid-call without renegotiating; the replaced source is closed.

        A camera given while the camera is off is kept for when it is turned on.
        """
        if self._machine.ended:
            source.close()
            return
        if source.kind == "audio":
            if self._audio is None:
                source.close()
                return
            self._audio.replace(source).close()
        elif self._video is not None:
            self._video.replace(source).close()
        else:
            if self._spare_camera is not None:
                self._spare_camera.close()
            self._spare_camera = source
        self._notify()

    def attach_remote_video(self, sink: FrameSink | None) -> None:
        self._sinks["video"] = sink
        if self._remote is not None:
            self._remote.sinks["video"] = sink

    def attach_remote_audio(self, sink: FrameSink | None) -> None:
        self._sinks["audio"] = sink
        if self._remote is not None:
            self._remote.sinks["audio"] = sink

    def attach_local_video(self, sink: FrameSink | None) -> None:
        self._sinks["self"] = sink
        if self._video is not None:
            self._video.self_view = sink

    async def quality(self) -> CallQuality:
        peer, remote = self._peer, self._remote
        if peer is None or remote is None or self._machine.ended:
            return CallQuality()
        if self._meter is None:
            from messenger.calls.stats import QualityMeter

            self._meter = QualityMeter()
        return await self._meter.read(peer.pc, remote)

    # --- the end -----------------------------------------------------------------------------

    async def _close_media(self, *, keep_sources: bool) -> None:
        peer, remote = self._peer, self._remote
        self._peer = self._remote = None
        if remote is not None:
            await remote.stop()
        if peer is not None:
            with contextlib.suppress(Exception):
                await peer.close()
        if not keep_sources:
            if self._audio is not None:
                self._audio.source.close()
                self._audio.stop()
                self._audio = None
            self._drop_camera()
            if self._spare_camera is not None:
                self._spare_camera.close()
                self._spare_camera = None
        else:
            # A peer connection's sender stops its track on close; the next one needs fresh
            # wrappers around the same devices.
            from messenger.calls.tracks import LocalAudioTrack

            if self._audio is not None:
                self._audio = LocalAudioTrack(self._audio.source, None)
            if self._video is not None:
                self._spare_camera = self._video.source
                self._video = None

    async def _teardown(self) -> None:
        try:
            # Tasks first: one still setting up media must not add to what is closed.
            await self._cancel_tasks()
            await self._close_media(keep_sources=False)
        finally:
            self._torn_down.set()
            self._manager._closed(self)

    async def wait_closed(self) -> None:
        """Until the call has ended and its media and requests are done with."""
        await self._torn_down.wait()
        with contextlib.suppress(asyncio.CancelledError):
            await self._sender

    async def _cancel_tasks(self) -> None:
        current = asyncio.current_task()
        tasks = [t for t in self._tasks if t is not current and t is not self._sender]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
