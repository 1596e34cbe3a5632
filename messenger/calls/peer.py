"""One RTCPeerConnection per call: offer and answer, renegotiation, and why it failed.

aiortc does not trickle: a local description is ready once every candidate is gathered, so
each SDP this produces carries its candidates and no ``call_candidate`` is ever needed
(candidates trickled by another client are still applied). Audio always has a transceiver;
video gets one when either side first turns a camera on, and turning it off later changes
the direction (an m-line is never removed, per JSEP).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from aiortc import RTCPeerConnection, RTCRtpTransceiver, RTCSessionDescription
from aiortc.mediastreams import MediaStreamTrack
from aiortc.sdp import candidate_from_sdp

from messenger.calls.ice import IceConfig, ice_connections, offer_only
from messenger.calls.receiver import RemoteMedia

log = logging.getLogger(__name__)

SENDS = ("sendonly", "sendrecv")
RECEIVES = ("recvonly", "sendrecv")


class SdpError(Exception):
    """The other side's session description could not be used (malformed or incompatible)."""


class PeerSession:
    def __init__(
        self,
        config: IceConfig,
        remote: RemoteMedia,
        on_connection_state: Callable[[str], None],
        *,
        relay_only: bool,
        host_addresses: Sequence[str] | None,
    ) -> None:
        self.pc = RTCPeerConnection(config.rtc_configuration(relay_only=relay_only))
        self._host_addresses = host_addresses
        self._remote = remote

        @self.pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            remote.add(track)

        @self.pc.on("connectionstatechange")
        def on_state() -> None:
            on_connection_state(self.pc.connectionState)

    # --- descriptions ---------------------------------------------------------------------

    async def _local(self, kind: str) -> str:
        if self._host_addresses is not None:
            offer_only(self.pc, self._host_addresses)
        description = await (self.pc.createOffer() if kind == "offer" else self.pc.createAnswer())
        await self.pc.setLocalDescription(description)
        return str(self.pc.localDescription.sdp)

    async def _remote_description(self, sdp: str, kind: str) -> None:
        try:
            await self.pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type=kind))
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise SdpError(f"the other side's call setup could not be read ({exc})") from exc
        except Exception as exc:  # aiortc's InvalidStateError, OperationError (no common codec)
            raise SdpError(f"the other side's call setup does not fit ({exc})") from exc

    async def offer(self, audio: MediaStreamTrack, video: MediaStreamTrack | None) -> str:
        """The first offer, with our tracks (audio always, video when the camera is on)."""
        self.pc.addTrack(audio)
        if video is not None:
            self.pc.addTrack(video)
        return await self._local("offer")

    async def answer(
        self, offer: str, audio: MediaStreamTrack, video: MediaStreamTrack | None
    ) -> str:
        """Answer the first offer, sending ``video`` only where the offer has video."""
        await self._remote_description(offer, "offer")
        self.pc.addTrack(audio)
        if video is not None and self._video() is not None:
            self.pc.addTrack(video)
        return await self._local("answer")

    async def apply_answer(self, sdp: str) -> None:
        await self._remote_description(sdp, "answer")

    async def answer_update(self, offer: str, video: MediaStreamTrack | None) -> str:
        """Answer a renegotiation offer; a video m-line new to us gets our camera if it is on."""
        await self._remote_description(offer, "offer")
        transceiver = self._video()
        if video is not None and transceiver is not None and transceiver.sender.track is None:
            transceiver.sender.replaceTrack(video)
            transceiver.direction = "sendrecv"
        return await self._local("answer")

    async def offer_video(self, video: MediaStreamTrack | None) -> str:
        """A renegotiation offer that starts sending ``video`` or (None) stops sending it."""
        transceiver = self._video()
        if video is not None:
            if transceiver is None:
                self.pc.addTrack(video)
            else:
                transceiver.sender.replaceTrack(video)
                transceiver.direction = "sendrecv"
        elif transceiver is not None:
            transceiver.sender.replaceTrack(None)
            transceiver.direction = "recvonly"
        return await self._local("offer")

    def roll_back(self) -> None:
        """Drop our unanswered offer so the other side's offer can be applied (glare).

        aiortc has no rollback; these are the two fields JSEP's rollback restores. Changes
        to our transceivers stay and go into the answer, which is what we wanted anyway.
        """
        self.pc._RTCPeerConnection__signalingState = "stable"  # type: ignore[attr-defined]
        self.pc._RTCPeerConnection__pendingLocalDescription = None  # type: ignore[attr-defined]

    async def add_candidate(self, candidate: str, mid: str | None, index: int | None) -> None:
        parsed = candidate_from_sdp(candidate.removeprefix("candidate:"))
        parsed.sdpMid = mid
        parsed.sdpMLineIndex = index
        await self.pc.addIceCandidate(parsed)

    # --- what was negotiated ---------------------------------------------------------------

    def _video(self) -> RTCRtpTransceiver | None:
        return next((t for t in self.pc.getTransceivers() if t.kind == "video"), None)

    @property
    def has_local_offer(self) -> bool:
        return self.pc.signalingState == "have-local-offer"

    @property
    def sending_video(self) -> bool:
        transceiver = self._video()
        return (
            transceiver is not None
            and transceiver.currentDirection in SENDS
            and transceiver.sender.track is not None
        )

    @property
    def receiving_video(self) -> bool:
        transceiver = self._video()
        return transceiver is not None and transceiver.currentDirection in RECEIVES

    def local_candidate_count(self) -> int:
        return sum(len(c.local_candidates) for c in ice_connections(self.pc))

    def dtls_failed(self) -> bool:
        """ICE found a path but the DTLS handshake failed (e.g. the fingerprint did not match)."""
        for transceiver in self.pc.getTransceivers():
            dtls: Any = transceiver.receiver.transport
            if dtls.state == "failed" and dtls.transport.state in ("completed", "checking"):
                return True
        return False

    async def close(self) -> None:
        await self.pc.close()
