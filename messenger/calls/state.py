"""The call state machine, sans I/O: fed local actions and server frames, it returns effects.

It owns the rules (which action is allowed in which state, what ends a call and with which
reason, what to tell the server) and nothing else: no sockets, no timers, no media. The
``Call`` object around it performs the effects (sends the requests, starts and stops media)
and feeds back what happened. Like aiortc's objects, every state change goes through one
setter that logs old -> new, and the caller learns of it from the returned ``Changed``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

from messenger.protocol import requests as rq
from messenger.protocol.events import CallEndReason
from messenger.protocol.limits import MAX_CALL_DETAIL_CHARS

log = logging.getLogger(__name__)


class CallState(StrEnum):
    CALLING = "calling"  # outgoing: the invite is on its way
    RINGING = "ringing"  # outgoing: at least one of the callee's devices rings
    INCOMING = "incoming"  # incoming: this device rings
    CONNECTING = "connecting"  # answered: media is being set up
    ACTIVE = "active"  # media flows
    ENDED = "ended"


class EndReason(StrEnum):
    HUNG_UP = "hung_up"
    DECLINED = "declined"
    MISSED = "missed"  # nobody answered in time (or nobody could be rung)
    BUSY = "busy"
    CANCELLED = "cancelled"  # the caller gave up before an answer
    FAILED = "failed"  # media could not connect, or the server refused the call
    LOST = "lost"  # media stopped in the middle of the call
    ANSWERED_ELSEWHERE = "answered_elsewhere"


# What a ``call_ended`` frame's reason means here. ``glare``: the caller dropped this call
# for the one we placed to them at the same moment, so for us it is a cancelled ring.
_SERVER_REASONS: dict[CallEndReason, EndReason] = {
    "hung_up": EndReason.HUNG_UP,
    "declined": EndReason.DECLINED,
    "missed": EndReason.MISSED,
    "busy": EndReason.BUSY,
    "cancelled": EndReason.CANCELLED,
    "failed": EndReason.FAILED,
    "lost": EndReason.LOST,
    "answered_elsewhere": EndReason.ANSWERED_ELSEWHERE,
    "glare": EndReason.CANCELLED,
}

# States in which the call has not been answered yet.
RINGING_STATES = frozenset({CallState.CALLING, CallState.RINGING, CallState.INCOMING})
ANSWERED_STATES = frozenset({CallState.CONNECTING, CallState.ACTIVE})


@dataclass(frozen=True)
class CallEnd:
    """How a call ended, in words a person can act on (``detail`` may be empty)."""

    reason: EndReason
    by_peer: bool  # the other side (or the server on its behalf) ended it, not this device
    detail: str = ""


# --- effects -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Send:
    """Send this request to the server (best effort once the call has ended)."""

    request: rq.Request


@dataclass(frozen=True)
class Changed:
    """The state changed (the one notification per change)."""

    old: CallState
    new: CallState


@dataclass(frozen=True)
class StopMedia:
    """Tear the media down: the call is over."""


Effect = Send | Changed | StopMedia


def yields_to(ours: str, theirs: str) -> bool:
    """Glare: whether our call (id ``ours``) gives way to the peer's (id ``theirs``).

    Both sides apply the same rule to the same two ids, so exactly one call survives: the
    one with the smaller id. The loser hangs up its call (reason ``glare``, which leaves no
    history) and answers the winner.
    """
    return theirs < ours


class InvalidAction(Exception):
    """A local action that makes no sense in the current state (a UI bug or a race)."""


def _clip(detail: str) -> str:
    return detail[:MAX_CALL_DETAIL_CHARS]


class CallMachine:
    """One call's signaling state, from the first ring to its end.

    Methods named after local actions raise ``InvalidAction`` when the state does not
    allow them; methods named ``on_*`` take server frames and never raise (a late or
    duplicate frame is ignored, as the network may reorder nothing but repeat anything).
    """

    def __init__(self, call_id: str, peer: str, *, outgoing: bool, video_offered: bool) -> None:
        self.call_id = call_id
        self.peer = peer
        self.outgoing = outgoing
        self.video_offered = video_offered
        self.state = CallState.CALLING if outgoing else CallState.INCOMING
        self.end: CallEnd | None = None
        self.invited = not outgoing  # whether the server knows of this call

    # --- the one setter -----------------------------------------------------------------

    def _set_state(self, new: CallState, effects: list[Effect]) -> None:
        old = self.state
        if new == old:
            return
        self.state = new
        log.info("call %s with %s: %s -> %s", self.call_id, self.peer, old, new)
        effects.append(Changed(old, new))

    def _finish(self, end: CallEnd, effects: list[Effect]) -> list[Effect]:
        self.end = end
        effects.append(StopMedia())
        self._set_state(CallState.ENDED, effects)
        return effects

    @property
    def ended(self) -> bool:
        return self.state == CallState.ENDED

    def _require(self, action: str, *states: CallState) -> None:
        if self.state not in states:
            raise InvalidAction(f"cannot {action} a call that is {self.state.value}")

    # --- local actions --------------------------------------------------------------------

    def invite(self, sdp: str) -> list[Effect]:
        """The offer is ready: send the invite."""
        self._require("invite", CallState.CALLING)
        self.invited = True
        return [
            Send(
                rq.CallInvite(
                    id="", call_id=self.call_id, to=self.peer, sdp=sdp, video=self.video_offered
                )
            )
        ]

    def ring(self) -> list[Effect]:
        """An incoming call rings here: let the caller know."""
        self._require("ring", CallState.INCOMING)
        return [Send(rq.CallRinging(id="", call_id=self.call_id))]

    def accept(self, sdp: str, *, video: bool) -> list[Effect]:
        self._require("accept", CallState.INCOMING)
        effects: list[Effect] = [
            Send(rq.CallAccept(id="", call_id=self.call_id, sdp=sdp, video=video))
        ]
        self._set_state(CallState.CONNECTING, effects)
        return effects

    def decline(self) -> list[Effect]:
        self._require("decline", CallState.INCOMING)
        effects: list[Effect] = [Send(rq.CallDecline(id="", call_id=self.call_id))]
        return self._finish(CallEnd(EndReason.DECLINED, by_peer=False), effects)

    def hangup(self) -> list[Effect]:
        """The user ends the call, whatever its state (a no-op once ended)."""
        if self.ended:
            return []
        if self.state == CallState.INCOMING:
            return self.decline()
        if not self.invited:  # still making the offer: nobody else knows of the call
            return self._finish(CallEnd(EndReason.CANCELLED, by_peer=False), [])
        if self.state in (CallState.CALLING, CallState.RINGING):
            hangup = rq.CallHangup(id="", call_id=self.call_id, reason="cancelled")
            end = EndReason.CANCELLED
        else:
            hangup = rq.CallHangup(id="", call_id=self.call_id, reason="hung_up")
            end = EndReason.HUNG_UP
        return self._finish(CallEnd(end, by_peer=False), [Send(hangup)])

    def give_way(self) -> list[Effect]:
        """Glare: both called each other and the peer's call wins, so this one is dropped.

        The server records no history for it; the ``Call`` goes on with the winning call.
        """
        self._require("give way on", CallState.CALLING, CallState.RINGING)
        effects: list[Effect] = [
            Send(rq.CallHangup(id="", call_id=self.call_id, reason="glare")),
            StopMedia(),
        ]
        self.end = CallEnd(EndReason.CANCELLED, by_peer=False, detail="glare")
        self._set_state(CallState.ENDED, effects)
        return effects

    def media_connected(self) -> list[Effect]:
        effects: list[Effect] = []
        if self.state == CallState.CONNECTING:
            self._set_state(CallState.ACTIVE, effects)
        return effects

    def media_failed(self, detail: str) -> list[Effect]:
        """Media could not be set up (ICE, DTLS, codecs, or the app's connect timeout)."""
        if self.ended:
            return []
        effects: list[Effect] = []
        if self.invited:
            hangup = rq.CallHangup(
                id="", call_id=self.call_id, reason="failed", detail=_clip(detail)
            )
            effects.append(Send(hangup))
        return self._finish(CallEnd(EndReason.FAILED, by_peer=False, detail=detail), effects)

    def media_lost(self, detail: str) -> list[Effect]:
        """Media stopped arriving in the middle of the call."""
        if self.ended:
            return []
        if self.state != CallState.ACTIVE:
            return self.media_failed(detail)
        effects: list[Effect] = [
            Send(rq.CallHangup(id="", call_id=self.call_id, reason="lost", detail=_clip(detail)))
        ]
        return self._finish(CallEnd(EndReason.LOST, by_peer=False, detail=detail), effects)

    def refused(self, detail: str) -> list[Effect]:
        """The server refused a request of this call (e.g. the invite to a non-contact)."""
        if self.ended:
            return []
        return self._finish(CallEnd(EndReason.FAILED, by_peer=False, detail=detail), [])

    def ring_timeout(self) -> list[Effect]:
        """Nobody answered in time (the app's own timer, behind the server's)."""
        if self.state in (CallState.CALLING, CallState.RINGING):
            effects: list[Effect] = [
                Send(rq.CallHangup(id="", call_id=self.call_id, reason="cancelled"))
            ]
            return self._finish(CallEnd(EndReason.MISSED, by_peer=False), effects)
        if self.state == CallState.INCOMING:
            # The server ends the call for everyone; a decline would record it as declined.
            return self._finish(CallEnd(EndReason.MISSED, by_peer=False), [])
        return []

    # --- server frames ----------------------------------------------------------------------

    def on_ringing(self) -> list[Effect]:
        effects: list[Effect] = []
        if self.state == CallState.CALLING:
            self._set_state(CallState.RINGING, effects)
        return effects

    def on_accepted(self) -> list[Effect]:
        """The callee answered; the ``Call`` applies the answer and connects media."""
        effects: list[Effect] = []
        if self.state in (CallState.CALLING, CallState.RINGING):
            self._set_state(CallState.CONNECTING, effects)
        return effects

    def on_ended(self, reason: CallEndReason, detail: str) -> list[Effect]:
        if self.ended:
            return []
        end = CallEnd(_SERVER_REASONS[reason], by_peer=True, detail=detail)
        return self._finish(end, [])
