"""How calls end, through the real server: both sides agree, and history says what happened."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from messenger.calls.ice import offer_only
from messenger.calls.manager import CallError
from messenger.calls.state import CallState, EndReason
from messenger.calls.synthetic import ToneSource
from messenger.calls.tracks import LocalAudioTrack
from messenger.client import EventStream
from messenger.protocol import requests as rq
from messenger.protocol.events import CallAcceptedEvent, CallEndedEvent
from tests.callkit import (
    SERVER_ENV,
    People,
    befriend,
    call_entries,
    local_call_entries,
    until,
    until_state,
)
from tests.clientkit import next_matching
from tests.serverproc import ServerProcess


@pytest.fixture(scope="module")
def calls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    proc = ServerProcess(tmp_path_factory.mktemp("calls-flow"), env=SERVER_ENV)
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


async def test_declined_call_ends_on_both_sides_as_declined(group: People) -> None:
    """The callee declines: the caller hears 'declined', history says declined."""
    alice, bob = await group.contacts()
    outgoing = await alice.call(bob)
    incoming = await bob.next_incoming()
    await incoming.decline()
    await until_state(outgoing, CallState.ENDED)
    assert outgoing.end is not None and outgoing.end.reason == EndReason.DECLINED
    assert outgoing.end.by_peer
    assert incoming.end is not None and incoming.end.reason == EndReason.DECLINED
    (entry,) = await local_call_entries(alice, bob, 1)
    assert entry.call is not None and entry.call.outcome == "declined"
    assert entry.sender == alice.name
    assert alice.manager.current is None and bob.manager.current is None


async def test_caller_cancels_while_it_rings(group: People) -> None:
    """The caller gives up before an answer: the callee stops ringing; a missed call remains."""
    alice, bob = await group.contacts()
    outgoing = await alice.call(bob)
    incoming = await bob.next_incoming()
    await until_state(outgoing, CallState.RINGING)
    await outgoing.hangup()
    await until_state(incoming, CallState.ENDED)
    assert outgoing.end is not None and outgoing.end.reason == EndReason.CANCELLED
    assert incoming.end is not None and incoming.end.reason == EndReason.CANCELLED
    assert incoming.end.by_peer
    (entry,) = await local_call_entries(bob, alice, 1)
    assert entry.call is not None and entry.call.outcome == "missed"


async def test_unanswered_call_times_out_as_missed(group: People) -> None:
    """Nobody answers: after the server's ring timeout both sides end as missed."""
    alice, bob = await group.contacts()
    outgoing = await alice.call(bob, video=True)
    incoming = await bob.next_incoming()
    await until_state(outgoing, CallState.ENDED, within=10)
    await until_state(incoming, CallState.ENDED, within=5)
    assert outgoing.end is not None and outgoing.end.reason == EndReason.MISSED
    assert incoming.end is not None and incoming.end.reason == EndReason.MISSED
    (entry,) = await local_call_entries(bob, alice, 1)
    assert entry.call is not None and (entry.call.outcome, entry.call.video) == ("missed", True)


async def test_calling_someone_in_a_call_is_busy(group: People) -> None:
    """Bob talks to Carol; Alice's call gets 'busy' at once and leaves a missed call."""
    alice, bob = await group.contacts()
    carol = await group.person("c")
    await befriend(carol.client, bob.client)
    talking = await carol.call(bob)
    answering = await bob.next_incoming()
    await answering.accept(video=False)
    await until_state(talking, CallState.ACTIVE)

    outgoing = await alice.call(bob)
    await until_state(outgoing, CallState.ENDED)
    assert outgoing.end is not None and outgoing.end.reason == EndReason.BUSY
    assert bob.incoming.empty()  # it never rang
    assert bob.manager.current is answering and answering.state == CallState.ACTIVE
    (entry,) = await local_call_entries(alice, bob, 1)
    assert entry.call is not None and entry.call.outcome == "missed"
    await talking.hangup()


async def test_do_not_disturb_answers_busy(group: People) -> None:
    """Presence 'busy' (do not disturb) does not ring."""
    alice, bob = await group.contacts()
    await bob.client.request(rq.SetPresence(id="", status="busy", text=""))
    outgoing = await alice.call(bob)
    await until_state(outgoing, CallState.ENDED)
    assert outgoing.end is not None and outgoing.end.reason == EndReason.BUSY
    assert bob.incoming.empty()


async def test_glare_resolves_to_one_call(group: People) -> None:
    """Both call each other at once: one call survives on both sides, and it connects."""
    alice, bob = await group.contacts()
    from_alice, from_bob = await asyncio.gather(
        alice.manager.place(bob.name, video=False), bob.manager.place(alice.name, video=False)
    )
    alice.attach(from_alice)
    bob.attach(from_bob)
    await until_state(from_alice, CallState.ACTIVE)
    await until_state(from_bob, CallState.ACTIVE)
    assert from_alice.id == from_bob.id  # the same call on both sides
    assert {from_alice.outgoing, from_bob.outgoing} == {True, False}
    assert alice.incoming.empty() and bob.incoming.empty()  # nothing rang
    await until(lambda: alice.audio.frames > 25 and bob.audio.frames > 25, what="sound")
    await from_bob.hangup()
    await until_state(from_alice, CallState.ENDED)
    (entry,) = await local_call_entries(alice, bob, 1)  # the dropped call left nothing
    assert entry.call is not None and entry.call.outcome == "answered"
    assert entry.client_id == from_alice.id


async def test_calling_the_peer_whose_call_rings_answers_it(group: People) -> None:
    """Pressing 'call' on the contact who is calling us takes their call."""
    alice, bob = await group.contacts()
    outgoing = await alice.call(bob)
    await bob.next_incoming()
    same = await bob.manager.place(alice.name, video=False)
    assert same.id == outgoing.id and not same.outgoing
    await until_state(outgoing, CallState.ACTIVE)
    await outgoing.hangup()
    with pytest.raises(CallError):
        await alice.manager.place("not a name!", video=False)


async def test_a_call_to_a_non_contact_is_refused(group: People) -> None:
    """The server refuses; the call ends as failed, in the server's words; nothing rings."""
    alice = await group.person("a")
    stranger = await group.person("s")
    outgoing = await alice.call(stranger)
    await until_state(outgoing, CallState.ENDED)
    assert outgoing.end is not None and outgoing.end.reason == EndReason.FAILED
    assert "contacts" in outgoing.end.detail
    await asyncio.sleep(0.3)
    assert stranger.incoming.empty()


async def test_a_call_from_a_blocked_user_never_rings(group: People) -> None:
    """Bob blocked Alice: his devices never ring, Alice's call ends unanswered, no entry."""
    alice, bob = await group.contacts()
    await bob.client.request(rq.ContactChange(id="", action="block", username=alice.name))
    outgoing = await alice.call(bob)
    await until_state(outgoing, CallState.ENDED, within=10)
    assert outgoing.end is not None and outgoing.end.reason == EndReason.MISSED
    assert bob.incoming.empty()
    assert await call_entries(alice, bob) == []


async def test_video_is_added_to_a_voice_call_and_removed_again(group: People) -> None:
    """Camera on mid-call renegotiates: the pattern arrives; camera off stops it."""
    alice, bob = await group.contacts()
    outgoing = await alice.call(bob)
    incoming = await bob.next_incoming()
    await incoming.accept(video=False)
    await until_state(outgoing, CallState.ACTIVE)
    assert not incoming.remote_video

    changes: list[bool] = []
    incoming.add_listener(lambda call: changes.append(call.remote_video))
    await outgoing.set_camera(True)
    assert outgoing.sending_video
    await until(lambda: incoming.remote_video and bob.video.frames > 15, what="video at Bob")
    assert bob.video.colours_ok(), bob.video.colours
    assert not alice.video.frames  # Bob's camera stayed off

    await incoming.set_camera(True)  # and the other direction, on the same m-line
    await until(lambda: outgoing.remote_video and alice.video.frames > 15, what="video at Alice")
    assert alice.video.colours_ok()

    await outgoing.set_camera(False)
    assert not outgoing.sending_video
    await until(lambda: not incoming.remote_video, what="Bob seeing the camera go off")
    stopped_at = bob.video.frames
    await asyncio.sleep(0.5)
    assert bob.video.frames <= stopped_at + 2  # a frame or two were already on their way
    assert True in changes and changes[-1] is False
    assert outgoing.state == incoming.state == CallState.ACTIVE
    await outgoing.hangup()


async def test_mute_sends_silence_and_the_call_stays_up(group: People) -> None:
    """Muted, the other side receives silence (no tone), and the call is not taken as lost."""
    alice, bob = await group.contacts()
    outgoing = await alice.call(bob)
    incoming = await bob.next_incoming()
    await incoming.accept(video=False)
    await until_state(outgoing, CallState.ACTIVE)
    outgoing.set_muted(True)
    await asyncio.sleep(2.5)  # past the 2 s of audio the recorder keeps
    assert bob.audio.dominant_hz() is None
    assert incoming.state == CallState.ACTIVE
    outgoing.set_muted(False)
    await asyncio.sleep(1.5)
    heard = bob.audio.dominant_hz()
    assert heard is not None and abs(heard - 440) < 10
    await outgoing.hangup()


async def test_device_switch_mid_call_keeps_the_call(group: People) -> None:
    """Replacing the microphone changes what the other side hears, without renegotiation."""
    alice, bob = await group.contacts()
    outgoing = await alice.call(bob)
    incoming = await bob.next_incoming()
    await incoming.accept(video=False)
    await until_state(outgoing, CallState.ACTIVE)
    await outgoing.replace_source(ToneSource(1000))
    await asyncio.sleep(2.5)
    heard = bob.audio.dominant_hz()
    assert heard is not None and abs(heard - 1000) < 10
    assert incoming.state == CallState.ACTIVE
    await outgoing.hangup()


async def test_media_path_breaking_ends_both_sides_as_lost(group: People) -> None:
    """The media path dies while signaling stays up (a firewall, a NAT rebinding): the
    watchdog ends the call as lost on both sides, and history keeps it as answered."""
    alice, bob = await group.contacts()
    outgoing = await alice.call(bob)
    incoming = await bob.next_incoming()
    await incoming.accept(video=False)
    await until_state(outgoing, CallState.ACTIVE)
    await asyncio.sleep(0.5)
    peer = incoming._peer
    assert peer is not None
    await peer.pc.close()  # media stops, and nobody is told
    await until_state(outgoing, CallState.ENDED, within=10)
    await until_state(incoming, CallState.ENDED, within=10)
    assert outgoing.end is not None and outgoing.end.reason == EndReason.LOST
    assert incoming.end is not None and incoming.end.reason == EndReason.LOST
    (entry,) = await local_call_entries(alice, bob, 1)
    assert entry.call is not None and entry.call.outcome == "answered"


async def test_a_tampered_fingerprint_fails_the_call_with_a_clear_reason(group: People) -> None:
    """An offer whose DTLS fingerprint was changed in transit (a man in the middle) never
    carries media: the callee's call fails and says why."""
    from aiortc import RTCPeerConnection, RTCSessionDescription

    mallory, bob = await group.contacts()
    stream: EventStream = mallory.client.subscribe()
    pc = RTCPeerConnection((await mallory.manager.ice_config()).rtc_configuration(relay_only=False))
    pc.addTrack(LocalAudioTrack(ToneSource(), None))
    offer_only(pc, ["127.0.0.1"])
    await pc.setLocalDescription(await pc.createOffer())
    sdp = pc.localDescription.sdp
    tampered = re.sub(
        r"(a=fingerprint:sha-256 )([0-9A-F:]+)",
        lambda m: (
            m.group(1) + m.group(2).translate(str.maketrans("0123456789ABCDEF", "123456789ABCDEF0"))
        ),
        sdp,
    )
    assert tampered != sdp
    await mallory.client.request(
        rq.CallInvite(id="", call_id="tampered-1", to=bob.name, sdp=tampered, video=False)
    )
    incoming = await bob.next_incoming()
    await incoming.accept(video=False)
    accepted = await next_matching(stream, lambda e: isinstance(e, CallAcceptedEvent))
    assert isinstance(accepted, CallAcceptedEvent)
    await pc.setRemoteDescription(RTCSessionDescription(sdp=accepted.sdp, type="answer"))
    await until_state(incoming, CallState.ENDED, within=10)
    assert incoming.end is not None and incoming.end.reason == EndReason.FAILED
    assert "fingerprint" in incoming.end.detail
    ended = await next_matching(stream, lambda e: isinstance(e, CallEndedEvent))
    assert isinstance(ended, CallEndedEvent) and ended.reason == "failed"
    assert "fingerprint" in ended.detail
    assert bob.audio.frames == 0
    await pc.close()


async def test_every_device_rings_and_the_first_to_answer_takes_the_call(group: People) -> None:
    """Bob is signed in twice: both ring; the one that answers talks, the other stops."""
    alice, bob = await group.contacts()
    bob_laptop = await group.person(username=bob.name, hz=660)
    outgoing = await alice.call(bob)
    on_phone = await bob.next_incoming()
    on_laptop = await bob_laptop.next_incoming()
    assert on_phone.id == on_laptop.id == outgoing.id
    await on_laptop.accept(video=False)
    await until_state(on_phone, CallState.ENDED)
    assert on_phone.end is not None and on_phone.end.reason == EndReason.ANSWERED_ELSEWHERE
    await until_state(outgoing, CallState.ACTIVE)
    await until(lambda: bob_laptop.audio.frames > 25, what="sound on the laptop")
    assert bob.audio.frames == 0
    await on_laptop.hangup()
    await until_state(outgoing, CallState.ENDED)


async def test_an_unreadable_offer_fails_the_answer_with_a_reason(group: People) -> None:
    """A hostile or broken client's offer cannot be answered: the callee's call fails in
    words, nothing crashes, and the next call works."""
    mallory, bob = await group.contacts()
    await mallory.client.request(
        rq.CallInvite(id="", call_id="garbage-1", to=bob.name, sdp="v=0\r\nm=nonsense\r\n")
    )
    incoming = await bob.next_incoming()
    await incoming.accept(video=False)
    await until_state(incoming, CallState.ENDED)
    assert incoming.end is not None and incoming.end.reason == EndReason.FAILED
    assert incoming.end.detail.startswith("could not answer")
    assert bob.manager.current is None
    outgoing = await mallory.call(bob)
    await (await bob.next_incoming()).accept(video=False)
    await until_state(outgoing, CallState.ACTIVE)
    await outgoing.hangup()
