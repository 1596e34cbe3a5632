"""'Test my connection' and the plain-words reason a call could not connect.

``test_connection`` asks each STUN server for this computer's public address and opens an
allocation on each TURN server with the credentials the signaling server issued, then says
in words what worked. ``explain_failure`` runs the relevant part of that when a call's media
did not connect, so the user reads "TURN refused the credentials" rather than "ICE failed".

Import the module, not the function: pytest would collect ``test_connection`` as a test.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from messenger.calls.ice import IceConfig, is_stun, is_turn
from messenger.protocol.results import IceServer

DEFAULT_TIMEOUT = 5.0


@dataclass(frozen=True)
class Check:
    kind: Literal["stun", "turn"]
    url: str
    ok: bool
    detail: str  # plain words
    rtt_ms: float | None = None


@dataclass(frozen=True)
class ConnectionReport:
    checks: tuple[Check, ...]
    summary: str  # one sentence for a status line

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)


def _parse(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, transport) of a stun:/turn: URI, as aiortc reads it."""
    from aiortc.rtcicetransport import parse_stun_turn_uri

    parsed = parse_stun_turn_uri(url)
    return parsed["scheme"], parsed["host"], parsed["port"], parsed.get("transport") or "udp"


class _StunClient(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.responses: asyncio.Queue[bytes] = asyncio.Queue()

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        self.responses.put_nowait(data)


async def _resolve(host: str, port: int) -> tuple[str, int]:
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_DGRAM)
    if not infos:
        raise OSError(f"no address for {host}")
    address = infos[0][4]
    return str(address[0]), int(address[1])


async def check_stun(url: str, seconds: float = DEFAULT_TIMEOUT) -> Check:
    """A STUN binding request: does the server answer, and where does it see us?"""
    from aioice import stun

    try:
        _scheme, host, port, _transport = _parse(url)
    except ValueError as exc:
        return Check("stun", url, False, f"not a usable STUN address ({exc})")
    try:
        address = await _resolve(host, port)
    except OSError:
        return Check("stun", url, False, f"STUN server name {host} could not be resolved")
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.create_datagram_endpoint(_StunClient, remote_addr=address)
    started = time.monotonic()
    try:
        request = stun.Message(message_method=stun.Method.BINDING, message_class=stun.Class.REQUEST)
        deadline = started + seconds
        delay = 0.25
        while (left := deadline - time.monotonic()) > 0:
            transport.sendto(bytes(request))
            try:
                async with asyncio.timeout(min(delay, left)):
                    while True:
                        reply = stun.parse_message(await protocol.responses.get())
                        if reply.transaction_id == request.transaction_id:
                            break
            except TimeoutError:
                delay *= 2
                continue
            except ValueError:
                continue  # not STUN: keep waiting for the real answer
            rtt = (time.monotonic() - started) * 1000
            mapped = reply.attributes.get("XOR-MAPPED-ADDRESS")
            seen = f"{mapped[0]}:{mapped[1]}" if mapped else "an unknown address"
            return Check(
                "stun", url, True, f"STUN server reachable; it sees this computer as {seen}", rtt
            )
        return Check(
            "stun",
            url,
            False,
            f"STUN server unreachable: {host}:{port} did not answer in {seconds:g} s",
        )
    finally:
        transport.close()


async def check_turn(
    server: IceServer,
    url: str,
    *,
    expires_at: float | None = None,
    seconds: float = DEFAULT_TIMEOUT,
) -> Check:
    """A TURN allocation with the issued credentials: the one test that proves relaying works."""
    from aioice import stun, turn

    try:
        scheme, host, port, transport = _parse(url)
    except ValueError as exc:
        return Check("turn", url, False, f"not a usable TURN address ({exc})")
    if not server.username or not server.credential:
        return Check("turn", url, False, "the TURN server came without credentials")
    started = time.monotonic()
    try:
        async with asyncio.timeout(seconds):
            endpoint, _ = await turn.create_turn_endpoint(
                asyncio.DatagramProtocol,
                server_addr=(host, port),
                username=server.username,
                password=server.credential,
                ssl=scheme == "turns",
                transport=transport,
            )
    except stun.TransactionFailed as exc:
        code = exc.response.error_code
        if code in (401, 403, 431, 441):
            expired = expires_at is not None and time.time() >= expires_at
            return Check(
                "turn",
                url,
                False,
                "TURN refused the credentials"
                + (" (they have expired)" if expired else " (wrong or expired)"),
            )
        if code == 486:
            return Check("turn", url, False, "TURN server refused: allocation quota reached")
        return Check("turn", url, False, f"TURN server refused the allocation (error {code})")
    except (TimeoutError, stun.TransactionTimeout):
        return Check("turn", url, False, f"TURN server unreachable: {host}:{port} did not answer")
    except OSError as exc:
        return Check("turn", url, False, f"TURN server unreachable: {exc.strerror or exc}")
    except ConnectionError as exc:
        return Check("turn", url, False, f"TURN server answered oddly: {exc}")
    rtt = (time.monotonic() - started) * 1000
    try:
        relayed = endpoint.get_extra_info("sockname")
        return Check(
            "turn",
            url,
            True,
            f"TURN server accepted the credentials and relays through {relayed[0]}:{relayed[1]}",
            rtt,
        )
    finally:
        with contextlib.suppress(Exception):
            endpoint.close()


async def test_connection(
    servers: IceConfig | Sequence[IceServer], *, seconds: float = DEFAULT_TIMEOUT
) -> ConnectionReport:
    """Check every STUN and TURN server (concurrently) and sum it up in words."""
    config = servers if isinstance(servers, IceConfig) else IceConfig(tuple(servers))
    jobs = []
    for server in config.servers:
        for url in server.urls:
            if is_stun(url):
                jobs.append(check_stun(url, seconds))
            elif is_turn(url):
                jobs.append(check_turn(server, url, expires_at=config.expires_at, seconds=seconds))
    checks = tuple(await asyncio.gather(*jobs))
    return ConnectionReport(checks, _summary(config, checks))


def _summary(config: IceConfig, checks: Sequence[Check]) -> str:
    if not config.servers:
        return (
            "No STUN or TURN server configured: calls connect only where both sides "
            "can reach each other directly (the same network)."
        )
    turn_checks = [c for c in checks if c.kind == "turn"]
    stun_checks = [c for c in checks if c.kind == "stun"]
    if not turn_checks:
        stun_ok = any(c.ok for c in stun_checks)
        return "No TURN server configured: calls across strict firewalls will not connect" + (
            "." if stun_ok else "; and no STUN server answered either."
        )
    good_turn = [c for c in turn_checks if c.ok]
    if good_turn:
        return "Ready for calls: the TURN server relays when a direct path fails."
    return turn_checks[0].detail + "."


async def explain_failure(
    config: IceConfig,
    *,
    peer: str,
    relay_only: bool,
    local_candidates: int,
    seconds: float = 3.0,
) -> str:
    """Why media did not connect, in plain words (runs a quick TURN check where it helps)."""
    if relay_only and not config.has_turn:
        return "no TURN server configured, and this call may only go through one"
    if config.has_turn:
        for server in config.servers:
            for url in server.urls:
                if is_turn(url):
                    check = await check_turn(
                        server, url, expires_at=config.expires_at, seconds=seconds
                    )
                    if not check.ok:
                        return check.detail
                    return f"peer unreachable: no network path to {peer}, even through TURN"
    if local_candidates == 0:
        return "no route: this computer has no network address to call from"
    return f"peer unreachable: no direct network path to {peer}, and no TURN server configured"
