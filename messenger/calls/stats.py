"""Call quality: round-trip time, loss, bitrate, frame rate, resolution and the path taken.

aiortc's ``getStats`` gives RTCP-based figures (round-trip time and loss reported by the
other side, byte and packet counts). What it lacks is derived here: bitrates from the byte
counts between two readings, frame rate and resolution from the frames the call decoded, and
the path (direct, through STUN, relayed by TURN) from the candidate pair ICE selected.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from messenger.calls.ice import ice_connections

if TYPE_CHECKING:
    from aiortc import RTCPeerConnection

    from messenger.calls.receiver import RemoteMedia

Path = Literal["direct", "stun", "relay"]


@dataclass(frozen=True)
class CallQuality:
    rtt_ms: float | None = None  # round trip, from RTCP receiver reports
    loss: float | None = None  # fraction (0..1) of our packets the other side lost lately
    received_loss: float | None = None  # fraction of the other side's packets we lost
    send_kbps: float | None = None
    receive_kbps: float | None = None
    fps: float | None = None  # remote video as decoded here
    width: int | None = None
    height: int | None = None
    path: Path | None = None
    local_candidate: str | None = None  # e.g. "relay 127.0.0.1:50000/udp"
    remote_candidate: str | None = None

    @property
    def bars(self) -> int:
        """0..4 for a signal-strength style indicator (4: good; 0: nothing measured yet)."""
        if self.rtt_ms is None and self.loss is None:
            return 0
        rtt, loss = self.rtt_ms or 0.0, max(self.loss or 0.0, self.received_loss or 0.0)
        if rtt < 150 and loss < 0.01:
            return 4
        if rtt < 300 and loss < 0.03:
            return 3
        if rtt < 500 and loss < 0.08:
            return 2
        return 1


@dataclass
class _Sample:
    at: float
    sent: int
    received: int


def _describe(candidate: Any) -> str:
    return f"{candidate.type} {candidate.host}:{candidate.port}/{candidate.transport}"


def selected_pair(pc: RTCPeerConnection) -> tuple[Any, Any] | None:
    """(local, remote) aioice candidates of the nominated pair, if ICE has one."""
    for connection in ice_connections(pc):
        nominated = getattr(connection, "_nominated", {})
        for pair in nominated.values():
            return pair.local_candidate, pair.remote_candidate
    return None


def path_of(local_type: str, remote_type: str) -> Path:
    if "relay" in (local_type, remote_type):
        return "relay"
    if local_type in ("srflx", "prflx") or remote_type in ("srflx", "prflx"):
        return "stun"
    return "direct"


class QualityMeter:
    """Reads ``getStats`` and keeps the previous reading, so bitrates are per interval."""

    def __init__(self) -> None:
        self._last: _Sample | None = None

    async def read(self, pc: RTCPeerConnection, remote: RemoteMedia) -> CallQuality:
        from aiortc.stats import (
            RTCInboundRtpStreamStats,
            RTCRemoteInboundRtpStreamStats,
            RTCTransportStats,
        )

        report = await pc.getStats()
        rtts: list[float] = []
        losses: list[float] = []
        received = lost = sent_bytes = received_bytes = 0
        for stats in report.values():
            if isinstance(stats, RTCRemoteInboundRtpStreamStats):
                # None until the first RTCP receiver report has come back.
                if stats.roundTripTime is not None:
                    rtts.append(stats.roundTripTime)
                if stats.fractionLost is not None:
                    losses.append(stats.fractionLost)
            elif isinstance(stats, RTCInboundRtpStreamStats):
                received += stats.packetsReceived
                lost += max(stats.packetsLost, 0)
            elif isinstance(stats, RTCTransportStats):
                # Whole packets on the wire (media, RTCP, DTLS): what the network carries.
                sent_bytes += stats.bytesSent
                received_bytes += stats.bytesReceived
        now = time.monotonic()
        send_kbps = receive_kbps = None
        if self._last is not None and now > self._last.at:
            span = now - self._last.at
            send_kbps = (sent_bytes - self._last.sent) * 8 / span / 1000
            receive_kbps = (received_bytes - self._last.received) * 8 / span / 1000
        self._last = _Sample(now, sent_bytes, received_bytes)

        video = remote.counters["video"]
        pair = selected_pair(pc)
        return CallQuality(
            rtt_ms=max(rtts) * 1000 if rtts else None,
            loss=max(losses) if losses else None,
            received_loss=lost / (received + lost) if received + lost else None,
            send_kbps=send_kbps,
            receive_kbps=receive_kbps,
            fps=video.fps(now) if video.frames else None,
            width=video.width or None,
            height=video.height or None,
            path=path_of(pair[0].type, pair[1].type) if pair else None,
            local_candidate=_describe(pair[0]) if pair else None,
            remote_candidate=_describe(pair[1]) if pair else None,
        )
