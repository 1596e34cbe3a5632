"""Hostile and broken input: each gets an error code and nobody else is disturbed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from tests.serverproc import ServerProcess
from tests.wire import Wire, befriend

Names = Callable[[str], str]


async def test_malformed_frames_get_error_replies(shared_server: ServerProcess) -> None:
    """Non-JSON, non-objects, binary frames, deep nesting get bad_request; the socket lives on."""
    wire = await Wire.connect(shared_server.url)
    for raw in ["{", "[1,2]", "null", '"str"', "{}", '{"type": 5, "id": "1"}', "[" * 5000]:
        await wire.send_raw(raw)
        frame = await wire.next_event("error")
        assert frame["code"] == "bad_request", raw[:20]
    await wire.send_raw(b"\x00\x01binary")
    assert (await wire.next_event("error"))["code"] == "bad_request"
    # Still serving this connection.
    assert (await wire.call("hello", protocol=1))["protocol"] == 1
    await wire.close()


async def test_oversized_frame_closes_with_1009(shared_server: ServerProcess, name: Names) -> None:
    """A frame over max_frame_bytes closes that connection with code 1009, and only that one."""
    bystander = await Wire.user(shared_server.url, name("calm"))
    wire = await Wire.connect(shared_server.url)
    await wire.send_raw('{"type":"hello","id":"1","protocol":1,"client":"' + "x" * 70000 + '"}')
    await asyncio.wait_for(wire.closed.wait(), 5)
    assert wire.close_code == 1009
    assert (await bystander.call("contacts"))["contacts"] == []
    await wire.close()
    await bystander.close()


async def test_flood_is_rate_limited_then_cut_off_others_unaffected(
    server: ServerProcess, name: Names
) -> None:
    """A flooding connection gets rate_limited with retry_after, then is closed (1008);
    two other users keep chatting throughout."""
    a = await Wire.user(server.url, name("a"))
    b = await Wire.user(server.url, name("b"))
    await befriend(a, b)
    flooder = await Wire.user(server.url, name("flood"))
    payload = '{"type":"contacts","id":"f"}'
    for _ in range(600):
        await flooder.send_raw(payload)
    limited = None
    while limited is None:
        frame = await flooder.next_event("error")
        if frame["code"] == "rate_limited":
            limited = frame
    assert limited["retry_after"] > 0
    await asyncio.wait_for(flooder.closed.wait(), 10)
    assert flooder.close_code == 1008
    await a.send_text(b.username, "still here")
    assert (await b.next_event("message"))["text"] == "still here"
    for w in (a, b, flooder):
        await w.close()


async def test_reply_for_every_request_even_interleaved(
    shared_server: ServerProcess, name: Names
) -> None:
    """Every request id gets exactly one reply, good and bad requests mixed."""
    wire = await Wire.user(shared_server.url, name("mix"))
    frames = await asyncio.gather(
        *(
            wire.request("contacts")
            if i % 3
            else wire.request("edit", conversation="x", target=1, text="y")
            for i in range(30)
        )
    )
    assert len(frames) == 30
    assert {f["type"] for f in frames} == {"result", "error"}
    await wire.no_event(wait=0.3)  # nothing unpaired arrived
    await wire.close()
