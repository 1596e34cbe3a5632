"""ICE configuration: the STUN and TURN servers the signaling server hands out, kept fresh.

TURN credentials are time-limited (the TURN REST scheme), so the configuration is fetched
again before a call once they are near their end. aiortc uses the first STUN and the first
TURN URI it can handle; the rest are ignored.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from messenger.protocol import requests as rq
from messenger.protocol.results import IceServer, IceServersResult

if TYPE_CHECKING:
    from aiortc import RTCConfiguration, RTCPeerConnection

    from messenger.client import Client

# Fetch new credentials when less than this is left: a call set up now must still be able to
# refresh its TURN allocation in a few minutes.
REFRESH_MARGIN = 300.0


def is_turn(url: str) -> bool:
    return url.startswith(("turn:", "turns:"))


def is_stun(url: str) -> bool:
    return url.startswith(("stun:", "stuns:"))


@dataclass(frozen=True)
class IceConfig:
    servers: tuple[IceServer, ...] = ()
    expires_at: float | None = None  # unix time the TURN credentials stop working

    @classmethod
    def from_result(cls, result: IceServersResult) -> IceConfig:
        return cls(tuple(result.servers), result.expires_at)

    @property
    def has_turn(self) -> bool:
        return any(is_turn(url) for server in self.servers for url in server.urls)

    @property
    def has_stun(self) -> bool:
        return any(is_stun(url) for server in self.servers for url in server.urls)

    def stale(self, now: float | None = None) -> bool:
        now = time.time() if now is None else now
        return self.expires_at is not None and now >= self.expires_at - REFRESH_MARGIN

    def expired(self, now: float | None = None) -> bool:
        now = time.time() if now is None else now
        return self.expires_at is not None and now >= self.expires_at

    def rtc_configuration(self, *, relay_only: bool) -> RTCConfiguration:
        from aiortc import RTCBundlePolicy, RTCConfiguration, RTCIceServer
        from aiortc.rtcconfiguration import RTCIceTransportPolicy

        # An explicit (possibly empty) list: left out, aiortc would ask a public STUN server.
        servers = [
            RTCIceServer(urls=list(s.urls), username=s.username, credential=s.credential)
            for s in self.servers
        ]
        return RTCConfiguration(
            iceServers=servers,
            iceTransportPolicy=(
                RTCIceTransportPolicy.RELAY if relay_only else RTCIceTransportPolicy.ALL
            ),
            # One transport for audio and video: video added mid-call needs no new ICE.
            bundlePolicy=RTCBundlePolicy.MAX_BUNDLE,
        )


async def fetch(client: Client) -> IceConfig:
    return IceConfig.from_result(await client.request(rq.GetIceServers(id="")))


def ice_connections(pc: RTCPeerConnection) -> list[Any]:
    """The aioice connections under ``pc`` (one with max-bundle), for what aiortc hides."""
    seen: list[Any] = []
    for transceiver in pc.getTransceivers():
        connection = transceiver.receiver.transport.transport.iceGatherer._connection
        if all(connection is not c for c in seen):
            seen.append(connection)
    return seen


def offer_only(pc: RTCPeerConnection, addresses: Sequence[str]) -> None:
    """Gather host candidates on ``addresses`` only, instead of on every interface.

    aioice always offers every interface but loopback; a call between two programs on one
    machine (the tests, the bench) wants loopback and nothing else, and a privacy-minded
    user may want to keep some interfaces out of the SDP. Call it after adding the tracks
    and before the first local description; relay candidates are unaffected.
    """
    from aioice import TransportPolicy

    for connection in ice_connections(pc):
        if getattr(connection, "_offer_only", None) is not None:
            continue

        async def gather_candidates(connection: Any = connection) -> None:
            # aioice's gather_candidates with the address list swapped in.
            if connection._local_candidates_start:
                return
            connection._local_candidates_start = True
            policy_all = connection._transport_policy == TransportPolicy.ALL
            for component in sorted(connection._components):
                connection._local_candidates += await connection.get_component_candidates(
                    component=component, addresses=list(addresses) if policy_all else []
                )
            connection._local_candidates_end = True

        connection._offer_only = tuple(addresses)
        connection.gather_candidates = gather_candidates
