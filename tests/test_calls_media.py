"""Two real peers through the real server: what one sends is what the other receives."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from messenger.calls.state import CallState, EndReason
from tests.callkit import SERVER_ENV, People, call_entries, local_call_entries, until, until_state
from tests.serverproc import ServerProcess


@pytest.fixture(scope="module")
def calls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    proc = ServerProcess(tmp_path_factory.mktemp("calls-media"), env=SERVER_ENV)
    proc.start()
    yield proc
    proc.stop()


@pytest.fixture
async def group(
    calls_server: ServerProcess, tmp_path: Path, name: Callable[[str], str]
) -> AsyncIterator[People]:
    people = People(calls_server.url, tmp_path, name)
    yield people
    await people.close()


async def test_a_voice_call_carries_each_sides_tone_and_ends_with_a_history_entry(
    group: People,
) -> None:
    """440 Hz one way and 660 Hz the other arrive as the dominant frequencies; hang-up ends
    both sides and leaves one answered entry with its duration."""
    alice = await group.person("a", hz=440)
    bob = await group.person("b", hz=660)
    from tests.callkit import befriend

    await befriend(alice.client, bob.client)
    outgoing = await alice.call(bob)
    incoming = await bob.next_incoming()
    assert (incoming.peer, incoming.outgoing, incoming.video_offered) == (alice.name, False, False)
    await until_state(outgoing, CallState.RINGING)
    await incoming.accept(video=False)
    await until_state(outgoing, CallState.ACTIVE)
    await until_state(incoming, CallState.ACTIVE)
    await until(lambda: bob.audio.frames > 75 and alice.audio.frames > 75, what="a second of sound")

    heard_by_bob, heard_by_alice = bob.audio.dominant_hz(), alice.audio.dominant_hz()
    assert heard_by_bob is not None and abs(heard_by_bob - 440) < 10
    assert heard_by_alice is not None and abs(heard_by_alice - 660) < 10
    assert not outgoing.remote_video and not incoming.remote_video

    await outgoing.hangup()
    await until_state(incoming, CallState.ENDED)
    assert outgoing.end is not None and outgoing.end.reason == EndReason.HUNG_UP
    assert not outgoing.end.by_peer
    assert incoming.end is not None and incoming.end.reason == EndReason.HUNG_UP
    assert incoming.end.by_peer
    (entry,) = await local_call_entries(bob, alice, 1)
    assert entry.call is not None and entry.sender == alice.name
    assert (entry.call.outcome, entry.call.video) == ("answered", False)
    assert entry.call.duration > 0.5
    (mine,) = await local_call_entries(alice, bob, 1)
    assert mine.call == entry.call and mine.client_id == outgoing.id
    assert [m.call for m in await call_entries(alice, bob)] == [entry.call]


async def test_a_video_call_shows_the_pattern_in_its_colours_both_ways(group: People) -> None:
    """The caller's and the callee's test patterns arrive with their colour bars intact."""
    alice, bob = await group.contacts()
    outgoing = await alice.call(bob, video=True)
    incoming = await bob.next_incoming()
    assert incoming.video_offered
    await incoming.accept(video=True)
    await until_state(outgoing, CallState.ACTIVE)
    await until(lambda: alice.video.frames > 20 and bob.video.frames > 20, what="video frames")
    assert bob.video.colours_ok(), bob.video.colours
    assert alice.video.colours_ok(), alice.video.colours
    assert (bob.video.width, bob.video.height) == (640, 480)
    assert outgoing.sending_video and outgoing.remote_video
    assert incoming.sending_video and incoming.remote_video
    quality = await outgoing.quality()
    assert quality.path == "direct"
    assert quality.width == 640
    await incoming.hangup()
    await until_state(outgoing, CallState.ENDED)
    (entry,) = await local_call_entries(alice, bob, 1)
    assert entry.call is not None and entry.call.video
