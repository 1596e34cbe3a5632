"""Calls through a real TURN server (coturn on loopback) with server-issued credentials."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from messenger.calls import connectivity
from messenger.calls.ice import IceConfig
from messenger.calls.manager import CallManager, CallOptions
from messenger.calls.state import CallState, EndReason
from messenger.calls.synthetic import SyntheticDevices
from tests.callkit import OPTIONS, SERVER_ENV, People, befriend, people, until, until_state
from tests.serverproc import ServerProcess
from tests.turnserver import TurnServer, running_turnserver

RELAY_ONLY = CallOptions(
    ring_timeout=OPTIONS.ring_timeout,
    connect_timeout=OPTIONS.connect_timeout,
    media_timeout=OPTIONS.media_timeout,
    relay_only=True,
    host_addresses=OPTIONS.host_addresses,
)
SHORT_TTL = 1  # seconds the credentials of the second server live


@pytest.fixture(scope="module")
def turn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TurnServer]:
    yield from running_turnserver(tmp_path_factory.mktemp("coturn"), secrets.token_hex(16))


def _server(root: Path, turn: TurnServer, ttl: int) -> ServerProcess:
    return ServerProcess(
        root,
        env={
            **SERVER_ENV,
            "MESSENGER_TURN__URLS": json.dumps([turn.url]),
            "MESSENGER_TURN__STUN_URLS": json.dumps([turn.stun_url]),
            "MESSENGER_TURN__SECRET": turn.secret,
            "MESSENGER_TURN__TTL_SECONDS": str(ttl),
        },
    )


@pytest.fixture(scope="module")
def turn_server(
    tmp_path_factory: pytest.TempPathFactory, turn: TurnServer
) -> Iterator[ServerProcess]:
    proc = _server(tmp_path_factory.mktemp("calls-turn"), turn, ttl=600)
    proc.start()
    yield proc
    proc.stop()


@pytest.fixture
async def group(
    turn_server: ServerProcess, tmp_path: Path, name: Callable[[str], str]
) -> AsyncIterator[People]:
    people = People(turn_server.url, tmp_path, name)
    yield people
    await people.close()


async def test_connection_test_reaches_stun_and_turn(group: People) -> None:
    """'Test my connection' gets a binding from STUN and an allocation from TURN."""
    person = await group.person()
    report = await person.manager.test_connection()
    assert report.ok, report
    assert {c.kind for c in report.checks} == {"stun", "turn"}
    assert "Ready for calls" in report.summary


async def test_a_relay_only_call_connects_through_turn(group: People) -> None:
    """Forced through TURN (no host candidates at all), the call connects and the tone
    arrives; the quality report says the path is relayed."""
    alice, bob = await group.contacts(options=RELAY_ONLY)
    outgoing = await alice.call(bob)
    incoming = await bob.next_incoming()
    await incoming.accept(video=False)
    await until_state(outgoing, CallState.ACTIVE, within=15)
    await until(lambda: bob.audio.frames > 50, what="sound through the relay")
    heard = bob.audio.dominant_hz()
    assert heard is not None and abs(heard - 440) < 10
    quality = await outgoing.quality()
    assert quality.path == "relay", quality
    assert quality.local_candidate is not None and quality.local_candidate.startswith("relay")
    await outgoing.hangup()
    await until_state(incoming, CallState.ENDED)


class FrozenIce(CallManager):
    """Keeps using the ICE configuration it was handed, however old (as a client does whose
    refresh keeps failing): the way to present expired credentials to the TURN server."""

    frozen: IceConfig

    async def ice_config(self) -> IceConfig:
        return self.frozen


async def test_expired_credentials_fail_with_a_clear_reason(
    tmp_path: Path, turn: TurnServer, name: Callable[[str], str]
) -> None:
    """Credentials past their time are refused by TURN: the connection test and a relay-only
    call both say so in plain words, and the callee never rings."""
    server = _server(tmp_path / "server", turn, ttl=SHORT_TTL)
    server.start()
    try:
        async with people(server.url, tmp_path, name) as group:
            alice = await group.person("a", options=RELAY_ONLY)
            bob = await group.person("b", options=RELAY_ONLY)
            await befriend(alice.client, bob.client)
            issued = await alice.manager.ice_config()
            assert issued.has_turn and issued.expires_at is not None
            await asyncio.sleep(max(0.0, issued.expires_at - time.time()) + 1.1)

            report = await connectivity.test_connection(issued)
            (turn_check,) = [c for c in report.checks if c.kind == "turn"]
            assert not turn_check.ok
            assert turn_check.detail == "TURN refused the credentials (they have expired)"
            assert report.summary.startswith("TURN refused the credentials")

            stale = FrozenIce(alice.client, SyntheticDevices(), RELAY_ONLY)
            stale.frozen = issued
            await stale.start()
            try:
                outgoing = await stale.place(bob.name, video=False)
                await until_state(outgoing, CallState.ENDED, within=10)
            finally:
                await stale.close()
            assert outgoing.end is not None and outgoing.end.reason == EndReason.FAILED
            assert "TURN refused the credentials" in outgoing.end.detail
            assert bob.incoming.empty()
    finally:
        server.stop()
