"""Call signaling against the real server: ringing, answering, ending, relaying, history."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import aiohttp
import pytest

from messenger.protocol.limits import MAX_CANDIDATE_CHARS, MAX_SDP_CHARS
from tests.serverproc import ServerProcess
from tests.wire import Wire, befriend, dm

Names = Callable[[str], str]

RING_SECONDS = 3.0
GRACE_SECONDS = 2.0
TALK_SECONDS = 0.3
OFFER = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
ANSWER = "v=0\r\no=- 2 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
CANDIDATE = "candidate:1 1 udp 2130706431 127.0.0.1 50000 typ host"


@pytest.fixture(scope="module")
def calls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One server with short ring and reconnect timeouts for every test here."""
    proc = ServerProcess(
        tmp_path_factory.mktemp("calls-server"),
        env={
            "MESSENGER_CALLS__RING_TIMEOUT_SECONDS": str(RING_SECONDS),
            "MESSENGER_CALLS__RECONNECT_GRACE_SECONDS": str(GRACE_SECONDS),
        },
    )
    proc.start()
    yield proc
    proc.stop()


@pytest.fixture
async def people(calls_server: ServerProcess, name: Names) -> AsyncIterator[Callable[..., Any]]:
    """Signs in users (a second call with the same name is a second device); closes them."""
    opened: list[Wire] = []

    async def sign_in(username: str | None = None) -> Wire:
        wire = await Wire.user(calls_server.url, username or name("u"))
        opened.append(wire)
        return wire

    yield sign_in
    for wire in opened:
        await wire.close()


async def _contacts(sign_in: Callable[..., Any]) -> tuple[Wire, Wire]:
    a: Wire = await sign_in()
    b: Wire = await sign_in()
    await befriend(a, b)
    return a, b


def _id() -> str:
    return uuid.uuid4().hex


async def _invite(caller: Wire, callee: str, call_id: str, video: bool = False) -> dict[str, Any]:
    return await caller.request("call_invite", call_id=call_id, to=callee, sdp=OFFER, video=video)


async def _ring(caller: Wire, callee: Wire, video: bool = False) -> str:
    """Place a call and wait until it rings on ``callee``."""
    call_id = _id()
    assert (await _invite(caller, callee.username, call_id, video))["result"] == {}
    incoming = await callee.next_event("call_incoming")
    assert incoming["call_id"] == call_id
    return call_id


async def _answered(caller: Wire, callee: Wire) -> str:
    call_id = await _ring(caller, callee)
    await callee.call("call_accept", call_id=call_id, sdp=ANSWER)
    assert (await caller.next_event("call_accepted"))["call_id"] == call_id
    return call_id


async def _ended(wire: Wire, call_id: str, timeout: float = 5.0) -> dict[str, Any]:
    event = await wire.next_event("call_ended", timeout=timeout)
    assert event["call_id"] == call_id
    return event


async def _next_without(wire: Wire, type_: str, never: str | None) -> dict[str, Any]:
    """The next ``type_`` event, failing if a ``never`` event comes before it."""
    while True:
        event = await wire.next_event()
        assert never is None or event["type"] != never, event
        if event["type"] == type_:
            return event


async def _history_entry(
    wire: Wire, peer: str, call_id: str, never: str | None = None
) -> dict[str, Any]:
    """The call's entry as pushed live; it is the same in sync, history and the last message.

    ``never``: an event type that must not arrive before the entry (e.g. a ring).
    """
    pushed = await _next_without(wire, "call", never)
    assert pushed["call_id"] == call_id
    conv = dm(wire.username, peer)
    synced = (await wire.call("sync", conversation=conv))["events"]
    assert synced[-1] == pushed
    page = (await wire.call("history", conversation=conv))["messages"]
    view = page[-1]
    assert (view["seq"], view["client_id"], view["text"]) == (pushed["seq"], call_id, "")
    assert view["call"] == {
        "video": pushed["video"],
        "outcome": pushed["outcome"],
        "duration": pushed["duration"],
    }
    listed = (await wire.call("conversations"))["conversations"]
    assert next(c for c in listed if c["id"] == conv)["last_message"] == view
    return pushed


async def _calls_in_progress(server: ServerProcess) -> int:
    async with (
        aiohttp.ClientSession() as session,
        session.get(server.http_url + "/health") as resp,
    ):
        body = await resp.json()
    return int(body["calls"])


async def _gone(watcher: Wire, user: Wire) -> None:
    """Wait until ``watcher`` sees ``user`` offline: the server has noticed the close."""
    await user.close()
    while True:
        event = await watcher.next_event("presence")
        if (event["user"], event["status"]) == (user.username, "offline"):
            return


async def _no_call_entries(wire: Wire, peer: str) -> None:
    events = (await wire.call("sync", conversation=dm(wire.username, peer)))["events"]
    assert [e for e in events if e["type"] == "call"] == []


# --- who may call whom ----------------------------------------------------------------------


async def test_only_contacts_can_be_called(people: Callable[..., Any], name: Names) -> None:
    """Strangers, pending requests, unknown names, oneself and blocked contacts are refused."""
    a: Wire = await people()
    stranger: Wire = await people()
    pending: Wire = await people()
    await a.call("contact", action="request", username=pending.username)
    blocked: Wire = await people()
    await befriend(a, blocked)
    await a.call("contact", action="block", username=blocked.username)
    for to in (stranger.username, pending.username, name("ghost"), a.username, blocked.username):
        refused = await _invite(a, to, _id())
        assert refused["code"] == "not_accepted", to
        assert refused["message"] == "you can call only your contacts"
    await stranger.no_event("call_incoming", wait=0.3)
    await pending.no_event("call_incoming", wait=0.1)
    await blocked.no_event("call_incoming", wait=0.1)


async def test_blocked_caller_never_rings(
    people: Callable[..., Any], calls_server: ServerProcess
) -> None:
    """A call from a user the callee blocked is answered normally but rings nowhere, then ends
    as missed after the ring timeout, and leaves no history on either side."""
    a, b = await _contacts(people)
    await b.call("contact", action="block", username=a.username)
    call_id = _id()
    assert (await _invite(a, b.username, call_id))["result"] == {}
    # The blocked caller's candidates are taken like any others: nothing gives the block away.
    await a.call("call_candidate", call_id=call_id, candidate=CANDIDATE)
    ended = await _ended(a, call_id, timeout=RING_SECONDS + 5)
    assert ended["reason"] == "missed"
    await b.no_event("call_incoming", wait=0.2)
    await a.no_event("call", wait=0.5)
    await _no_call_entries(a, b.username)
    await _no_call_entries(b, a.username)
    assert await _calls_in_progress(calls_server) == 0


# --- callee not reachable -------------------------------------------------------------------


async def test_offline_callee_is_missed_at_once(people: Callable[..., Any]) -> None:
    """With no device of the callee online the caller hears 'missed' right away, and the
    callee finds the missed call in its history when it comes back."""
    a, b = await _contacts(people)
    await _gone(a, b)
    call_id = _id()
    assert (await _invite(a, b.username, call_id, video=True))["result"] == {}
    # Well before the ring timeout: nothing was ringing, so there is nothing to wait for.
    assert (await _ended(a, call_id, timeout=RING_SECONDS - 1))["reason"] == "missed"
    entry = await _history_entry(a, b.username, call_id)
    assert (entry["sender"], entry["outcome"], entry["video"]) == (a.username, "missed", True)
    back: Wire = await people(b.username)
    events = (await back.call("sync", conversation=dm(a.username, b.username)))["events"]
    assert events[-1] == entry


async def test_callee_in_another_call_is_busy(
    people: Callable[..., Any], calls_server: ServerProcess
) -> None:
    """Calling someone who is talking to someone else gives 'busy' and a missed-call entry;
    their ongoing call is not disturbed."""
    a, b = await _contacts(people)
    c: Wire = await people()
    await befriend(c, b)
    talking = await _answered(c, b)
    call_id = _id()
    assert (await _invite(a, b.username, call_id))["result"] == {}
    assert (await _ended(a, call_id))["reason"] == "busy"
    assert (await _history_entry(a, b.username, call_id))["outcome"] == "missed"
    entry = await _history_entry(b, a.username, call_id, never="call_incoming")
    assert entry["outcome"] == "missed"
    await c.call("call_candidate", call_id=talking, candidate=CANDIDATE)
    assert (await b.next_event("call_candidate"))["call_id"] == talking
    await c.call("call_hangup", call_id=talking)
    await _ended(b, talking)
    assert await _calls_in_progress(calls_server) == 0


async def test_caller_in_another_call_makes_the_callee_busy(people: Callable[..., Any]) -> None:
    """A user who is placing a call to someone else is busy too."""
    a, b = await _contacts(people)
    c: Wire = await people()
    await befriend(b, c)
    ringing_c = await _ring(b, c)
    call_id = _id()
    await _invite(a, b.username, call_id)
    assert (await _ended(a, call_id))["reason"] == "busy"
    await b.call("call_hangup", call_id=ringing_c, reason="cancelled")
    assert (await _ended(c, ringing_c))["reason"] == "cancelled"


async def test_do_not_disturb_is_busy(people: Callable[..., Any]) -> None:
    """A callee whose presence is busy (do not disturb) does not ring; the caller hears busy
    and both get a missed-call entry."""
    a, b = await _contacts(people)
    await b.call("set_presence", status="busy")
    call_id = _id()
    await _invite(a, b.username, call_id)
    assert (await _ended(a, call_id))["reason"] == "busy"
    entry = await _history_entry(b, a.username, call_id, never="call_incoming")
    assert entry["outcome"] == "missed"


# --- answering --------------------------------------------------------------------------------


async def test_every_device_rings_and_the_first_answer_wins(
    people: Callable[..., Any], calls_server: ServerProcess
) -> None:
    """Both devices ring; the caller hears 'ringing' once; the first to answer takes the call,
    the other stops with answered_elsewhere and cannot answer any more."""
    a, b1 = await _contacts(people)
    b2: Wire = await people(b1.username)
    call_id = _id()
    await _invite(a, b1.username, call_id, video=True)
    for device in (b1, b2):
        assert await device.next_event("call_incoming") == {
            "type": "call_incoming",
            "call_id": call_id,
            "caller": a.username,
            "video": True,
            "sdp": OFFER,
        }
        await device.call("call_ringing", call_id=call_id)
    assert (await a.next_event("call_ringing"))["call_id"] == call_id
    await a.no_event("call_ringing", wait=0.3)

    await b2.call("call_accept", call_id=call_id, sdp=ANSWER, video=True)
    assert await a.next_event("call_accepted") == {
        "type": "call_accepted",
        "call_id": call_id,
        "sdp": ANSWER,
        "video": True,
    }
    assert (await _ended(b1, call_id))["reason"] == "answered_elsewhere"
    late = await b1.request("call_accept", call_id=call_id, sdp=ANSWER)
    assert late["code"] == "invalid_state" and "another device" in late["message"]
    again = await b2.request("call_accept", call_id=call_id, sdp=ANSWER)
    assert again["code"] == "invalid_state"
    await b2.no_event("call_ended", wait=0.2)
    assert await _calls_in_progress(calls_server) == 1
    await a.call("call_hangup", call_id=call_id)
    await _ended(b2, call_id)
    assert await _calls_in_progress(calls_server) == 0
    ended = await b1.request("call_accept", call_id=call_id, sdp=ANSWER)
    assert ended["code"] == "invalid_state" and "has ended" in ended["message"]


async def test_simultaneous_answers_connect_exactly_one_device(people: Callable[..., Any]) -> None:
    """Two devices answering at the same instant: one gets the call, the other is told it was
    answered elsewhere, and the caller is connected once."""
    a, b1 = await _contacts(people)
    b2: Wire = await people(b1.username)
    call_id = _id()
    await _invite(a, b1.username, call_id)
    await b1.next_event("call_incoming")
    await b2.next_event("call_incoming")
    replies = await asyncio.gather(
        b1.request("call_accept", call_id=call_id, sdp=ANSWER),
        b2.request("call_accept", call_id=call_id, sdp=ANSWER),
    )
    assert sorted(r["type"] for r in replies) == ["error", "result"]
    loser = b1 if replies[0]["type"] == "error" else b2
    assert next(r for r in replies if r["type"] == "error")["code"] == "invalid_state"
    assert (await _ended(loser, call_id))["reason"] == "answered_elsewhere"
    await a.next_event("call_accepted")
    await a.no_event("call_accepted", wait=0.3)
    await a.call("call_hangup", call_id=call_id)


async def test_simultaneous_callers_one_rings_one_is_busy(people: Callable[..., Any]) -> None:
    """Two contacts calling the same user at the same instant: one call rings, the other
    caller hears busy."""
    a, b = await _contacts(people)
    c: Wire = await people()
    await befriend(c, b)
    a_id, c_id = _id(), _id()
    await asyncio.gather(_invite(a, b.username, a_id), _invite(c, b.username, c_id))
    ringing = (await b.next_event("call_incoming"))["call_id"]
    assert ringing in (a_id, c_id)
    busy_caller, busy_id = (c, c_id) if ringing == a_id else (a, a_id)
    assert (await _ended(busy_caller, busy_id))["reason"] == "busy"
    await b.call("call_decline", call_id=ringing)


async def test_relay_goes_to_the_answering_device_only(people: Callable[..., Any]) -> None:
    """Candidates before the answer reach every ringing device; afterwards candidates and
    renegotiation go between the two parties only."""
    a, b1 = await _contacts(people)
    b2: Wire = await people(b1.username)
    call_id = _id()
    await _invite(a, b1.username, call_id)
    await a.call("call_candidate", call_id=call_id, candidate=CANDIDATE, sdp_mid="0")
    for device in (b1, b2):
        assert await device.next_event("call_candidate") == {
            "type": "call_candidate",
            "call_id": call_id,
            "candidate": CANDIDATE,
            "sdp_mid": "0",
            "sdp_mline_index": None,
        }
    early = await b1.request("call_candidate", call_id=call_id, candidate=CANDIDATE)
    assert early["code"] == "invalid_state"
    early = await a.request("call_update", call_id=call_id, kind="offer", sdp=OFFER)
    assert early["code"] == "invalid_state"

    await b1.call("call_accept", call_id=call_id, sdp=ANSWER)
    await a.next_event("call_accepted")
    await a.call("call_candidate", call_id=call_id, candidate=CANDIDATE, sdp_mline_index=1)
    assert (await b1.next_event("call_candidate"))["sdp_mline_index"] == 1
    await b1.call("call_candidate", call_id=call_id, candidate=CANDIDATE)
    assert (await a.next_event("call_candidate"))["call_id"] == call_id
    await a.call("call_update", call_id=call_id, kind="offer", sdp=OFFER)
    assert await b1.next_event("call_update") == {
        "type": "call_update",
        "call_id": call_id,
        "kind": "offer",
        "sdp": OFFER,
    }
    await b1.call("call_update", call_id=call_id, kind="answer", sdp=ANSWER)
    assert (await a.next_event("call_update"))["kind"] == "answer"
    other = await b2.request("call_update", call_id=call_id, kind="offer", sdp=OFFER)
    assert other["code"] == "invalid_state"
    await b2.no_event("call_candidate", wait=0.2)
    await b2.no_event("call_update", wait=0.1)
    await a.call("call_hangup", call_id=call_id)


async def test_hang_up_after_answer_records_duration(people: Callable[..., Any]) -> None:
    """Either party hangs up with a reason and plain words; the other hears exactly that, and
    both users get an 'answered' entry with the call's duration on every device."""
    a, b = await _contacts(people)
    b2: Wire = await people(b.username)
    call_id = await _answered(a, b)
    await asyncio.sleep(TALK_SECONDS)
    await b.call("call_hangup", call_id=call_id, reason="failed", detail="no route to the peer")
    assert await _ended(a, call_id) == {
        "type": "call_ended",
        "call_id": call_id,
        "reason": "failed",
        "detail": "no route to the peer",
    }
    entry = await _history_entry(a, b.username, call_id)
    assert (entry["sender"], entry["outcome"]) == (a.username, "answered")
    assert TALK_SECONDS <= entry["duration"] < 60
    assert await _history_entry(b, a.username, call_id) == entry
    assert await _history_entry(b2, a.username, call_id) == entry
    # Both hanging up at the same moment is fine: the second one finds the call over.
    assert (await a.call("call_hangup", call_id=call_id)) == {}


async def test_decline(people: Callable[..., Any]) -> None:
    """Declining tells the caller and stops the callee's other devices; entry 'declined'."""
    a, b1 = await _contacts(people)
    b2: Wire = await people(b1.username)
    call_id = _id()
    await _invite(a, b1.username, call_id)
    await b2.next_event("call_incoming")
    await b1.next_event("call_incoming")
    await b1.call("call_decline", call_id=call_id)
    assert (await _ended(a, call_id))["reason"] == "declined"
    assert (await _ended(b2, call_id))["reason"] == "declined"
    assert (await _history_entry(a, b1.username, call_id))["outcome"] == "declined"
    entry = await _history_entry(b1, a.username, call_id, never="call_ended")
    assert entry["duration"] == 0


async def test_callee_hang_up_before_answer_is_a_decline(people: Callable[..., Any]) -> None:
    """A ringing device that sends call_hangup declines the call."""
    a, b = await _contacts(people)
    call_id = await _ring(a, b)
    await b.call("call_hangup", call_id=call_id, reason="hung_up")
    assert (await _ended(a, call_id))["reason"] == "declined"
    assert (await _history_entry(a, b.username, call_id))["outcome"] == "declined"


async def test_cancel(people: Callable[..., Any]) -> None:
    """The caller giving up before an answer stops every ringing device; entry 'missed'."""
    a, b1 = await _contacts(people)
    b2: Wire = await people(b1.username)
    call_id = _id()
    await _invite(a, b1.username, call_id)
    await a.call("call_hangup", call_id=call_id, reason="cancelled")
    for device in (b1, b2):
        assert (await _ended(device, call_id))["reason"] == "cancelled"
    entry = await _history_entry(b2, a.username, call_id)
    assert (entry["outcome"], entry["duration"]) == ("missed", 0)


async def test_ring_timeout(people: Callable[..., Any], calls_server: ServerProcess) -> None:
    """Nobody answers: caller and callee hear 'missed' after the ring timeout, the entry is
    'missed', and the caller's device is free to call again."""
    a, b = await _contacts(people)
    call_id = await _ring(a, b)
    assert (await _ended(a, call_id, timeout=RING_SECONDS + 5))["reason"] == "missed"
    assert (await _ended(b, call_id))["reason"] == "missed"
    assert (await _history_entry(b, a.username, call_id))["outcome"] == "missed"
    assert await _calls_in_progress(calls_server) == 0
    again = await _ring(a, b)
    await a.call("call_hangup", call_id=again, reason="cancelled")


async def test_glare_rings_both_and_leaves_one_entry(people: Callable[..., Any]) -> None:
    """Two contacts calling each other at once both ring (the clients pick one call); the call
    given up with reason 'glare' leaves no entry, the one taken leaves one."""
    a, b = await _contacts(people)
    first = await _ring(a, b)
    second = _id()
    assert (await _invite(b, a.username, second))["result"] == {}
    assert (await a.next_event("call_incoming"))["call_id"] == second
    await b.call("call_hangup", call_id=second, reason="glare")
    assert (await _ended(a, second))["reason"] == "cancelled"
    await b.call("call_accept", call_id=first, sdp=ANSWER)
    await a.next_event("call_accepted")
    await a.call("call_hangup", call_id=first)
    assert (await _history_entry(a, b.username, first))["outcome"] == "answered"
    await a.no_event("call", wait=0.3)


# --- connections dropping ---------------------------------------------------------------------


async def test_caller_disconnecting_cancels(
    people: Callable[..., Any], calls_server: ServerProcess
) -> None:
    """A caller whose connection drops while ringing cancels the call at once."""
    a, b = await _contacts(people)
    call_id = await _ring(a, b)
    await a.close()
    assert (await _ended(b, call_id, timeout=RING_SECONDS - 1))["reason"] == "cancelled"
    assert (await _history_entry(b, a.username, call_id))["outcome"] == "missed"
    assert await _calls_in_progress(calls_server) == 0


async def test_party_lost_after_grace(
    people: Callable[..., Any], calls_server: ServerProcess
) -> None:
    """When an answering device's connection drops and it does not come back within the
    grace period, the other party hears 'lost' and the call is recorded as answered."""
    a, b = await _contacts(people)
    call_id = await _answered(a, b)
    await b.close()
    ended = await _ended(a, call_id, timeout=GRACE_SECONDS + 5)
    assert ended["reason"] == "lost" and ended["detail"]
    entry = await _history_entry(a, b.username, call_id)
    # Until the grace period ran out: the media may have flowed all along.
    assert entry["outcome"] == "answered" and entry["duration"] >= GRACE_SECONDS
    assert await _calls_in_progress(calls_server) == 0


async def test_party_reconnecting_in_time_keeps_the_call(
    people: Callable[..., Any], calls_server: ServerProcess
) -> None:
    """A device that reconnects (same session) within the grace period is still in the call
    and keeps receiving its relayed frames."""
    a, b = await _contacts(people)
    call_id = await _answered(a, b)
    await b.close()
    back = await Wire.connect(calls_server.url)
    try:
        await back.call("authenticate", token=b.token)
        await a.no_event("call_ended", wait=GRACE_SECONDS + 1)
        await a.call("call_update", call_id=call_id, kind="offer", sdp=OFFER)
        assert (await back.next_event("call_update"))["call_id"] == call_id
        await back.call("call_hangup", call_id=call_id)
        assert (await _ended(a, call_id))["reason"] == "hung_up"
    finally:
        await back.close()


# --- bad input ------------------------------------------------------------------------------


async def test_oversized_sdp_and_candidates_are_refused(
    people: Callable[..., Any], calls_server: ServerProcess
) -> None:
    """SDP and candidates over their limits get too_large and change nothing."""
    a, b = await _contacts(people)
    big_sdp = "a" * (MAX_SDP_CHARS + 1)
    refused = await a.request("call_invite", call_id=_id(), to=b.username, sdp=big_sdp)
    assert refused["code"] == "too_large"
    await b.no_event("call_incoming", wait=0.2)
    call_id = await _ring(a, b)
    refused = await b.request("call_accept", call_id=call_id, sdp=big_sdp)
    assert refused["code"] == "too_large"
    big = "c" * (MAX_CANDIDATE_CHARS + 1)
    refused = await a.request("call_candidate", call_id=call_id, candidate=big)
    assert refused["code"] == "too_large"
    await b.call("call_accept", call_id=call_id, sdp=ANSWER)
    await a.next_event("call_accepted")
    refused = await a.request("call_update", call_id=call_id, kind="offer", sdp=big_sdp)
    assert refused["code"] == "too_large"
    await b.no_event("call_update", wait=0.2)
    await b.no_event("call_candidate", wait=0.1)
    # Exactly at the limits is fine.
    await a.call("call_update", call_id=call_id, kind="offer", sdp="o" * MAX_SDP_CHARS)
    assert len((await b.next_event("call_update"))["sdp"]) == MAX_SDP_CHARS
    await a.call("call_candidate", call_id=call_id, candidate="c" * MAX_CANDIDATE_CHARS)
    await b.next_event("call_candidate")
    await a.call("call_hangup", call_id=call_id)
    assert await _calls_in_progress(calls_server) == 0


async def test_outsiders_learn_nothing_and_change_nothing(people: Callable[..., Any]) -> None:
    """Someone who is not a party of a call gets not_found for it, exactly as for a call id
    that does not exist, and the call goes on undisturbed."""
    a, b = await _contacts(people)
    eve: Wire = await people()
    call_id = await _ring(a, b)
    requests: list[tuple[str, dict[str, Any]]] = [
        ("call_ringing", {}),
        ("call_accept", {"sdp": ANSWER}),
        ("call_decline", {}),
        ("call_hangup", {}),
        ("call_update", {"kind": "offer", "sdp": OFFER}),
        ("call_candidate", {"candidate": CANDIDATE}),
    ]
    for cid in (call_id, _id()):
        for kind, fields in requests:
            reply = await eve.request(kind, call_id=cid, **fields)
            assert (reply["code"], reply["message"]) == ("not_found", "no such call"), kind
    await a.no_event("call_ended", wait=0.2)
    await b.call("call_accept", call_id=call_id, sdp=ANSWER)
    await a.next_event("call_accepted")
    await a.call("call_hangup", call_id=call_id)


async def test_call_ids_and_one_call_per_device(people: Callable[..., Any]) -> None:
    """A call id in use (by a call or a message) is a conflict; a device already in a call
    cannot place another; the caller cannot answer or decline its own call."""
    a, b = await _contacts(people)
    c: Wire = await people()
    await befriend(a, c)
    call_id = await _ring(a, b)
    assert (await _invite(a, b.username, call_id))["code"] == "conflict"
    busy = await _invite(a, c.username, _id())
    assert busy["code"] == "invalid_state"
    await c.no_event("call_incoming", wait=0.2)
    assert (await a.request("call_accept", call_id=call_id, sdp=ANSWER))["code"] == (
        "invalid_state"
    )
    assert (await a.request("call_decline", call_id=call_id))["code"] == "invalid_state"
    await a.call("call_hangup", call_id=call_id, reason="cancelled")
    await _ended(b, call_id)
    # Ended, the id stays taken; so does a message's client id.
    assert (await _invite(a, b.username, call_id))["code"] == "conflict"
    sent = await a.send_text(b.username, "hi")
    assert (await _invite(a, b.username, sent["client_id"]))["code"] == "conflict"
    bad = await a.request("call_invite", call_id="not valid!", to=b.username, sdp=OFFER)
    assert bad["code"] == "bad_request"
