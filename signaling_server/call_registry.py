"""The calls in progress on this server instance, held in memory.

Calls are short-lived signaling state, so they are not stored: a call is bound to the
sessions taking part, and a server restart ends every call (clients see their
connection drop and give up the call). Because this state lives in one process, calls
need every user of a call connected to the same server instance.

Each party is a *session* (one device), not a user: a user signed in on several devices
rings on all of them, and the call then belongs to the device that answered. Ended calls
are dropped at once; only a short-lived tombstone remains, so a late frame about a call
that just ended gets "has ended" instead of "no such call".
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from dataclasses import dataclass, field

# How long an ended call's id is remembered (for "has ended" and call id conflicts).
ENDED_MEMORY_SECONDS = 60.0


@dataclass(eq=False, slots=True)
class Call:
    id: str
    caller_id: int
    caller: str
    caller_session: int
    callee_id: int
    callee: str
    video: bool
    # The callee's sessions that were rung. Empty when nothing rings: the callee blocks
    # the caller, who must not learn it.
    rung: frozenset[int]
    # Nobody rings and no history entry is written (the callee blocks the caller).
    silent: bool = False
    ringing_sent: bool = False
    callee_session: int | None = None  # the device that answered
    answered_at: float | None = None  # time.monotonic() of the answer
    ring_timer: asyncio.TimerHandle | None = None
    # Per disconnected party session: ends the call unless that session comes back.
    grace_timers: dict[int, asyncio.TimerHandle] = field(default_factory=dict)

    @property
    def answered(self) -> bool:
        return self.callee_session is not None

    def involves(self, session_id: int) -> bool:
        """Whether this session was told of the call (the caller, or a rung callee device)."""
        return session_id == self.caller_session or session_id in self.rung

    def other_party(self, session_id: int) -> int | None:
        """The party at the other end once answered; None for a device that is not a party."""
        if self.callee_session is None:
            return None
        if session_id == self.caller_session:
            return self.callee_session
        if session_id == self.callee_session:
            return self.caller_session
        return None

    def duration(self) -> float:
        """Seconds since the answer, 0 if never answered."""
        if self.answered_at is None:
            return 0.0
        return round(time.monotonic() - self.answered_at, 3)

    def cancel_timers(self) -> None:
        if self.ring_timer is not None:
            self.ring_timer.cancel()
            self.ring_timer = None
        for timer in self.grace_timers.values():
            timer.cancel()
        self.grace_timers.clear()


class CallRegistry:
    def __init__(self) -> None:
        self._calls: dict[str, Call] = {}
        self._by_user: dict[int, set[Call]] = {}
        # Parties: the caller's session and the answering device.
        self._by_party: dict[int, set[Call]] = {}
        # call id -> (forgotten at, sessions that took part), oldest first
        self._ended: OrderedDict[str, tuple[float, frozenset[int]]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._calls)

    def get(self, call_id: str) -> Call | None:
        return self._calls.get(call_id)

    def known(self, call_id: str) -> bool:
        """Whether the id belongs to a call in progress or one that just ended."""
        self._forget_old()
        return call_id in self._calls or call_id in self._ended

    def ended_for(self, call_id: str, session_id: int) -> bool:
        """Whether this session took part in a call with this id that just ended."""
        self._forget_old()
        ended = self._ended.get(call_id)
        return ended is not None and session_id in ended[1]

    def add(self, call: Call) -> None:
        self._calls[call.id] = call
        self._by_user.setdefault(call.caller_id, set()).add(call)
        self._by_user.setdefault(call.callee_id, set()).add(call)
        self._by_party.setdefault(call.caller_session, set()).add(call)

    def answer(self, call: Call, session_id: int) -> None:
        call.callee_session = session_id
        call.answered_at = time.monotonic()
        if call.ring_timer is not None:
            call.ring_timer.cancel()
            call.ring_timer = None
        self._by_party.setdefault(session_id, set()).add(call)

    def remove(self, call: Call) -> None:
        """Forget an ended call (stopping its timers), keeping only its tombstone."""
        call.cancel_timers()
        if self._calls.get(call.id) is not call:
            return
        del self._calls[call.id]
        for user_id in (call.caller_id, call.callee_id):
            _discard(self._by_user, user_id, call)
        for session_id in (call.caller_session, call.callee_session):
            if session_id is not None:
                _discard(self._by_party, session_id, call)
        self._forget_old()
        sessions = frozenset({call.caller_session, *call.rung})
        self._ended[call.id] = (time.monotonic() + ENDED_MEMORY_SECONDS, sessions)

    def party_calls(self, session_id: int) -> list[Call]:
        """The calls this session is a party of: as the caller, or as the answering device."""
        return list(self._by_party.get(session_id, ()))

    def user_busy(self, user_id: int, peer_id: int) -> bool:
        """Whether the user is calling, ringing or talking with anyone but ``peer_id``.

        An unanswered call between the user and ``peer_id`` does not count: both calling
        each other at once is glare, which the clients resolve between themselves. A call
        that rings none of the user's devices (a block) does not count either.
        """
        for call in self._by_user.get(user_id, ()):
            if not call.answered and {call.caller_id, call.callee_id} == {user_id, peer_id}:
                continue
            if call.caller_id == user_id or call.answered or call.rung:
                return True
        return False

    def _forget_old(self) -> None:
        now = time.monotonic()
        while self._ended:
            call_id, (forget_at, _) = next(iter(self._ended.items()))
            if forget_at > now:
                break
            del self._ended[call_id]


def _discard(index: dict[int, set[Call]], key: int, call: Call) -> None:
    calls = index.get(key)
    if calls is not None:
        calls.discard(call)
        if not calls:
            del index[key]
