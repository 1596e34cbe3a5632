"""The call state machine on its own: actions and server frames in, effects out, no I/O."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from messenger.calls.state import (
    CallEnd,
    CallMachine,
    CallState,
    Changed,
    Effect,
    EndReason,
    InvalidAction,
    Send,
    StopMedia,
    yields_to,
)
from messenger.protocol import requests as rq
from messenger.protocol.limits import MAX_CALL_DETAIL_CHARS


def outgoing(video: bool = False) -> CallMachine:
    return CallMachine("c1", "bob", outgoing=True, video_offered=video)


def incoming(video: bool = False) -> CallMachine:
    return CallMachine("c1", "alice", outgoing=False, video_offered=video)


def sent(effects: Sequence[Effect]) -> list[rq.Request]:
    return [e.request for e in effects if isinstance(e, Send)]


def changes(effects: Sequence[Effect]) -> list[tuple[CallState, CallState]]:
    return [(e.old, e.new) for e in effects if isinstance(e, Changed)]


def connected_outgoing() -> CallMachine:
    call = outgoing()
    call.invite("offer")
    call.on_ringing()
    call.on_accepted()
    call.media_connected()
    return call


def test_an_outgoing_call_goes_calling_ringing_connecting_active() -> None:
    """The caller's states follow the server's frames, one change each."""
    call = outgoing(video=True)
    assert call.state == CallState.CALLING
    (invite,) = sent(call.invite("v=0 offer"))
    assert isinstance(invite, rq.CallInvite)
    assert (invite.call_id, invite.to, invite.sdp, invite.video) == ("c1", "bob", "v=0 offer", True)
    assert changes(call.on_ringing()) == [(CallState.CALLING, CallState.RINGING)]
    assert call.on_ringing() == []  # a repeat changes nothing
    assert changes(call.on_accepted()) == [(CallState.RINGING, CallState.CONNECTING)]
    assert changes(call.media_connected()) == [(CallState.CONNECTING, CallState.ACTIVE)]


def test_hanging_up_an_active_call_tells_the_server_and_ends_it() -> None:
    call = connected_outgoing()
    effects = call.hangup()
    (hangup,) = sent(effects)
    assert isinstance(hangup, rq.CallHangup) and hangup.reason == "hung_up"
    assert any(isinstance(e, StopMedia) for e in effects)
    assert call.end == CallEnd(EndReason.HUNG_UP, by_peer=False)
    assert call.hangup() == []  # ending twice is a no-op


def test_hanging_up_before_an_answer_cancels() -> None:
    call = outgoing()
    call.invite("offer")
    (hangup,) = sent(call.hangup())
    assert isinstance(hangup, rq.CallHangup) and hangup.reason == "cancelled"
    assert call.end is not None and call.end.reason == EndReason.CANCELLED


def test_hanging_up_while_the_offer_is_made_tells_nobody() -> None:
    """The server never heard of the call, so there is nothing to send."""
    call = outgoing()
    assert sent(call.hangup()) == []
    assert call.state == CallState.ENDED


def test_an_incoming_call_rings_then_is_accepted_with_the_answer() -> None:
    call = incoming(video=True)
    assert call.state == CallState.INCOMING
    (ringing,) = sent(call.ring())
    assert isinstance(ringing, rq.CallRinging)
    effects = call.accept("v=0 answer", video=False)
    (accept,) = sent(effects)
    assert isinstance(accept, rq.CallAccept)
    assert (accept.sdp, accept.video) == ("v=0 answer", False)
    assert changes(effects) == [(CallState.INCOMING, CallState.CONNECTING)]


def test_declining_or_hanging_up_an_incoming_call_declines_it() -> None:
    for action in ("decline", "hangup"):
        call = incoming()
        (decline,) = sent(getattr(call, action)())
        assert isinstance(decline, rq.CallDecline)
        assert call.end == CallEnd(EndReason.DECLINED, by_peer=False)


def test_actions_that_make_no_sense_are_refused() -> None:
    """Answering one's own call or declining an answered one is a bug, not a request."""
    with pytest.raises(InvalidAction):
        outgoing().accept("sdp", video=False)
    answered = incoming()
    answered.accept("sdp", video=False)
    with pytest.raises(InvalidAction):
        answered.decline()
    with pytest.raises(InvalidAction):
        incoming().invite("sdp")


@pytest.mark.parametrize(
    ("server_reason", "reason"),
    [
        ("declined", EndReason.DECLINED),
        ("busy", EndReason.BUSY),
        ("missed", EndReason.MISSED),
        ("cancelled", EndReason.CANCELLED),
        ("answered_elsewhere", EndReason.ANSWERED_ELSEWHERE),
        ("lost", EndReason.LOST),
        ("failed", EndReason.FAILED),
        ("hung_up", EndReason.HUNG_UP),
        ("glare", EndReason.CANCELLED),
    ],
)
def test_the_server_ending_a_call_gives_its_reason(server_reason: str, reason: EndReason) -> None:
    """Whatever ends the call over there is recorded as by the peer, with its words."""
    call = incoming()
    effects = call.on_ended(server_reason, "their words")  # type: ignore[arg-type]
    assert call.end == CallEnd(reason, by_peer=True, detail="their words")
    assert sent(effects) == []  # the server already knows
    assert changes(effects) == [(CallState.INCOMING, CallState.ENDED)]
    assert call.on_ended("hung_up", "") == []  # late frames change nothing


def test_media_failing_before_or_after_connecting() -> None:
    """No path at all is 'failed'; a path that dies mid-call is 'lost'; both tell the peer."""
    connecting = outgoing()
    connecting.invite("o")
    connecting.on_accepted()
    (hangup,) = sent(connecting.media_lost("no path"))
    assert isinstance(hangup, rq.CallHangup) and hangup.reason == "failed"
    assert connecting.end == CallEnd(EndReason.FAILED, by_peer=False, detail="no path")

    active = connected_outgoing()
    (hangup,) = sent(active.media_lost("x" * 1000))
    assert isinstance(hangup, rq.CallHangup) and hangup.reason == "lost"
    assert len(hangup.detail) == MAX_CALL_DETAIL_CHARS  # what fits the request
    assert active.end is not None and len(active.end.detail) == 1000  # what the user reads


def test_a_refused_invite_fails_without_telling_the_server_again() -> None:
    call = outgoing()
    call.invite("o")
    assert sent(call.refused("you can call only your contacts")) == []
    assert call.end == CallEnd(EndReason.FAILED, False, "you can call only your contacts")


def test_the_apps_ring_timer_ends_a_call_as_missed() -> None:
    """The caller cancels on the server; the callee only stops ringing (no decline entry)."""
    call = outgoing()
    call.invite("o")
    (hangup,) = sent(call.ring_timeout())
    assert isinstance(hangup, rq.CallHangup) and hangup.reason == "cancelled"
    assert call.end is not None and call.end.reason == EndReason.MISSED
    ringing = incoming()
    assert sent(ringing.ring_timeout()) == []
    assert ringing.end is not None and ringing.end.reason == EndReason.MISSED
    assert connected_outgoing().ring_timeout() == []  # answered calls do not time out


def test_glare_keeps_the_call_with_the_smaller_id_on_both_sides() -> None:
    """Each side decides alone, and they agree: exactly one of the two calls yields."""
    assert yields_to("b-call", "a-call") is True
    assert yields_to("a-call", "b-call") is False
    call = CallMachine("b-call", "bob", outgoing=True, video_offered=False)
    call.invite("o")
    (hangup,) = sent(call.give_way())
    assert isinstance(hangup, rq.CallHangup) and hangup.reason == "glare"
    assert call.state == CallState.ENDED
    with pytest.raises(InvalidAction):
        connected_outgoing().give_way()  # an answered call never yields
