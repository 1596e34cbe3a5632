"""Call signaling: ring, answer, decline, hang up, relay SDP and ICE candidates.

Media never passes through the server; it only relays what two devices need to find each
other, between accepted contacts, and writes one history entry when a call ends. The
state of calls in progress is ``ctx.calls`` (see ``call_registry``). Every way a call ends
goes through ``_end``: the registry forgets it, the devices still involved are told why,
and the history entry is stored and pushed like a message.

A user who blocks the caller must stay invisible to them: such a call is answered like
any other and then simply never rings, until it times out as missed.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable

from messenger.protocol import limits as L
from messenger.protocol import requests as rq
from messenger.protocol import results as rs
from messenger.protocol.codec import encode
from messenger.protocol.errors import ErrorCode, ProtocolError
from messenger.protocol.events import (
    CallAcceptedEvent,
    CallCandidateEvent,
    CallEndedEvent,
    CallEndReason,
    CallIncomingEvent,
    CallOutcome,
    CallRingingEvent,
    CallUpdateEvent,
)
from messenger.protocol.names import normalize_username
from signaling_server.call_registry import Call
from signaling_server.connection import Connection
from signaling_server.context import ServerContext
from signaling_server.handlers.accounts import AlreadyReplied
from signaling_server.handlers.messages import to_event
from signaling_server.storage.records import Appended
from signaling_server.turn import ice_servers as turn_ice_servers

log = logging.getLogger(__name__)

# What a device hears when the server itself ends an answered call.
LOST_DETAIL = "the other side lost its connection to the server"


def _check_size(what: str, value: str, limit: int) -> None:
    if len(value) > limit:
        raise ProtocolError(
            ErrorCode.TOO_LARGE, f"{what} is limited to {limit} characters, this has {len(value)}"
        )


def _invalid(message: str) -> ProtocolError:
    return ProtocolError(ErrorCode.INVALID_STATE, message)


def _find(ctx: ServerContext, session_id: int, call_id: str) -> Call:
    """The call in progress this device was told of; never reveals a call to anyone else."""
    call = ctx.calls.get(call_id)
    if call is not None and call.involves(session_id):
        return call
    if call is None and ctx.calls.ended_for(call_id, session_id):
        raise _invalid("this call has ended")
    raise ProtocolError(ErrorCode.NOT_FOUND, "no such call")


def _already_answered(call: Call, session_id: int) -> ProtocolError:
    if call.callee_session == session_id:
        return _invalid("this call is already answered")
    return _invalid("this call was answered on another device")


def _tell(
    ctx: ServerContext,
    sessions: Iterable[int | None],
    call: Call,
    reason: CallEndReason,
    detail: str = "",
) -> None:
    targets = [s for s in sessions if s is not None]
    if targets:
        frame = CallEndedEvent(call_id=call.id, reason=reason, detail=detail)
        ctx.broker.publish_to_sessions(targets, encode(frame))


def _end(ctx: ServerContext, call: Call, outcome: CallOutcome | None) -> None:
    """Forget the call and write its history entry (``None``: no entry, e.g. glare).

    Callers tell the devices why before calling this, each in its own words.
    """
    duration = call.duration()
    ctx.calls.remove(call)
    if outcome is None or call.silent:
        return
    pending = ctx.storage.append_call(
        call.caller_id,
        call.caller,
        call.callee_id,
        call.callee,
        call.id,
        call.video,
        outcome,
        duration,
        time.time(),
    )

    def stored(fut: asyncio.Future[Appended]) -> None:
        exc = fut.exception()
        if exc is not None:
            log.error("call history not stored", exc_info=exc, extra={"call": call.id})
            return
        appended = fut.result()
        if appended.event is not None and appended.recipients:
            ctx.broker.publish(appended.recipients, encode(to_event(appended.event)))

    asyncio.ensure_future(pending).add_done_callback(stored)


def _ring_over(ctx: ServerContext, call: Call) -> None:
    if ctx.calls.get(call.id) is not call or call.answered:
        return
    _tell(ctx, [call.caller_session, *call.rung], call, "missed")
    _end(ctx, call, "missed")


def _grace_over(ctx: ServerContext, call: Call, session_id: int) -> None:
    call.grace_timers.pop(session_id, None)
    if ctx.calls.get(call.id) is not call or ctx.hub.has_session(session_id):
        return  # over already, or the device came back in time
    _tell(ctx, [call.other_party(session_id)], call, "lost", LOST_DETAIL)
    _end(ctx, call, "answered")


def session_gone(ctx: ServerContext, conn: Connection) -> None:
    """A session's last connection closed: cancel the calls it places, and give the calls it
    talks in a grace period to reconnect (media may well still be flowing)."""
    session_id = conn.session_id
    assert session_id is not None
    loop = asyncio.get_running_loop()
    grace = ctx.settings.calls.reconnect_grace_seconds
    for call in ctx.calls.party_calls(session_id):
        if not call.answered:
            _tell(ctx, call.rung, call, "cancelled")
            _end(ctx, call, "missed")
            continue
        timer = call.grace_timers.pop(session_id, None)
        if timer is not None:
            timer.cancel()
        call.grace_timers[session_id] = loop.call_later(grace, _grace_over, ctx, call, session_id)


async def invite(ctx: ServerContext, conn: Connection, req: rq.CallInvite) -> rs.Empty:
    assert conn.user_id is not None and conn.session_id is not None
    _check_size("an SDP offer", req.sdp, L.MAX_SDP_CHARS)
    name = normalize_username(req.to)
    callee = await ctx.storage.user_by_name(name) if name else None
    relation = None
    if callee is not None and callee.id != conn.user_id:
        relation = await ctx.storage.relation(conn.user_id, callee.id)
    if callee is None or relation is None or relation.state != "accepted" or relation.blocked:
        raise ProtocolError(ErrorCode.NOT_ACCEPTED, "you can call only your contacts")
    used = await ctx.storage.call_id_used(conn.user_id, req.call_id)
    # No awaits from here on: the checks and the registration happen as one step.
    if used or ctx.calls.known(req.call_id):
        raise ProtocolError(ErrorCode.CONFLICT, "this call id is already in use")
    if ctx.calls.party_calls(conn.session_id):
        raise _invalid("this device is already in a call; hang up first")

    silent = relation.blocked_by
    online: set[int] = set() if silent else ctx.hub.sessions_of(callee.id)
    busy = bool(online) and (
        ctx.calls.user_busy(callee.id, conn.user_id)
        or ctx.presence.visible(callee.id).status == "busy"
    )
    rings = bool(online) and not busy
    call = Call(
        id=req.call_id,
        caller_id=conn.user_id,
        caller=conn.username,
        caller_session=conn.session_id,
        callee_id=callee.id,
        callee=callee.username,
        video=req.video,
        rung=frozenset(online) if rings else frozenset(),
        silent=silent,
    )
    ctx.calls.add(call)
    if silent or rings:
        call.ring_timer = asyncio.get_running_loop().call_later(
            ctx.settings.calls.ring_timeout_seconds, _ring_over, ctx, call
        )
    if rings:
        incoming = CallIncomingEvent(
            call_id=call.id, caller=call.caller, video=call.video, sdp=req.sdp
        )
        ctx.broker.publish_to_sessions(call.rung, encode(incoming))
    if silent or rings:
        return rs.Empty()
    # Nobody to ring: the caller hears so right after the reply to its request.
    conn.reply(req.id, rs.Empty())
    _tell(ctx, [call.caller_session], call, "busy" if busy else "missed")
    _end(ctx, call, "missed")
    raise AlreadyReplied


async def ringing(ctx: ServerContext, conn: Connection, req: rq.CallRinging) -> rs.Empty:
    assert conn.session_id is not None
    call = _find(ctx, conn.session_id, req.call_id)
    if conn.session_id == call.caller_session:
        raise _invalid("only the called side rings")
    if not call.answered and not call.ringing_sent:
        call.ringing_sent = True
        frame = CallRingingEvent(call_id=call.id)
        ctx.broker.publish_to_sessions([call.caller_session], encode(frame))
    return rs.Empty()


async def accept(ctx: ServerContext, conn: Connection, req: rq.CallAccept) -> rs.Empty:
    session_id = conn.session_id
    assert session_id is not None
    _check_size("an SDP answer", req.sdp, L.MAX_SDP_CHARS)
    call = _find(ctx, session_id, req.call_id)
    if session_id == call.caller_session:
        raise _invalid("you cannot answer your own call")
    if call.answered:
        raise _already_answered(call, session_id)
    ctx.calls.answer(call, session_id)
    accepted = CallAcceptedEvent(call_id=call.id, sdp=req.sdp, video=req.video)
    ctx.broker.publish_to_sessions([call.caller_session], encode(accepted))
    _tell(ctx, call.rung - {session_id}, call, "answered_elsewhere")
    return rs.Empty()


def _decline(ctx: ServerContext, call: Call, session_id: int) -> None:
    _tell(ctx, [call.caller_session, *(call.rung - {session_id})], call, "declined")
    _end(ctx, call, "declined")


async def decline(ctx: ServerContext, conn: Connection, req: rq.CallDecline) -> rs.Empty:
    session_id = conn.session_id
    assert session_id is not None
    call = _find(ctx, session_id, req.call_id)
    if session_id == call.caller_session:
        raise _invalid("the caller cancels a call with call_hangup")
    if call.answered:
        raise _already_answered(call, session_id)
    _decline(ctx, call, session_id)
    return rs.Empty()


async def hangup(ctx: ServerContext, conn: Connection, req: rq.CallHangup) -> rs.Empty:
    session_id = conn.session_id
    assert session_id is not None
    try:
        call = _find(ctx, session_id, req.call_id)
    except ProtocolError as exc:
        if exc.code is ErrorCode.INVALID_STATE:
            return rs.Empty()  # both sides hanging up at once: it is over either way
        raise
    if not call.answered:
        if session_id != call.caller_session:
            _decline(ctx, call, session_id)
            return rs.Empty()
        _tell(ctx, call.rung, call, "cancelled", req.detail)
        # A call given up for glare is replaced by the other one: one entry, not two.
        _end(ctx, call, None if req.reason == "glare" else "missed")
        return rs.Empty()
    other = call.other_party(session_id)
    if other is None:
        raise _already_answered(call, session_id)
    _tell(ctx, [other], call, req.reason, req.detail)
    _end(ctx, call, "answered")
    return rs.Empty()


async def update(ctx: ServerContext, conn: Connection, req: rq.CallUpdate) -> rs.Empty:
    session_id = conn.session_id
    assert session_id is not None
    _check_size("an SDP", req.sdp, L.MAX_SDP_CHARS)
    call = _find(ctx, session_id, req.call_id)
    if not call.answered:
        raise _invalid("the call is not answered yet")
    other = call.other_party(session_id)
    if other is None:
        raise _already_answered(call, session_id)
    frame = CallUpdateEvent(call_id=call.id, kind=req.kind, sdp=req.sdp)
    ctx.broker.publish_to_sessions([other], encode(frame))
    return rs.Empty()


async def candidate(ctx: ServerContext, conn: Connection, req: rq.CallCandidate) -> rs.Empty:
    session_id = conn.session_id
    assert session_id is not None
    _check_size("an ICE candidate", req.candidate, L.MAX_CANDIDATE_CHARS)
    call = _find(ctx, session_id, req.call_id)
    targets: Iterable[int]
    if not call.answered:
        if session_id != call.caller_session:
            raise _invalid("answer the call before sending candidates")
        targets = call.rung  # whichever device answers needs them
    else:
        other = call.other_party(session_id)
        if other is None:
            raise _already_answered(call, session_id)
        targets = [other]
    frame = CallCandidateEvent(
        call_id=call.id,
        candidate=req.candidate,
        sdp_mid=req.sdp_mid,
        sdp_mline_index=req.sdp_mline_index,
    )
    ctx.broker.publish_to_sessions(targets, encode(frame))
    return rs.Empty()


async def ice_servers(
    ctx: ServerContext, conn: Connection, req: rq.GetIceServers
) -> rs.IceServersResult:
    return turn_ice_servers(ctx.settings.turn, conn.username, time.time())
