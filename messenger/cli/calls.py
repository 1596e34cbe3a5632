"""``call`` and ``answer``: place and take a call headlessly, with synthetic media.

Each prints one JSON object when the call is over, describing what it received:
``{"setup_ms", "audio": {"frames", "dominant_hz"}, "video": {"frames", "fps", "width",
"height"}, "end_reason", "end_detail"}``. ``setup_ms`` runs from the answer (sent, or
received by the caller) to the first decoded remote frame: video in a video call, else sound.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
from typing import Any

from messenger.cli.connection import sign_in_within
from messenger.cli.output import CliFailure, Exit, emit
from messenger.client import Client
from messenger.protocol.names import normalize_username

SHORT_TIMEOUT = 10.0  # to hang up at the end and hear the server's confirmation


def add_parsers(commands: Any) -> None:
    """The ``call`` and ``answer`` subcommands (``commands``: argparse's subparsers)."""
    call = commands.add_parser("call", help="call USER with synthetic media, hang up after N s")
    call.add_argument("peer", metavar="USER")
    call.add_argument("--video", action="store_true", help="a video call (test pattern)")
    call.add_argument("--seconds", type=float, default=10.0, help="call length (default 10)")
    answer = commands.add_parser(
        "answer", help="wait for the next call, take it, and exit when it ends"
    )
    answer.add_argument(
        "--timeout",
        dest="wait",
        type=float,
        default=60.0,
        metavar="S",
        help="seconds to wait for a call (default 60)",
    )
    for sub in (call, answer):
        sub.add_argument(
            "--synthetic",
            action="store_true",
            help="use the test tone and test pattern (required: the CLI opens no devices)",
        )
        sub.add_argument("--tone", type=float, default=440.0, metavar="HZ", help="default 440")
        sub.add_argument(
            "--relay-only", action="store_true", help="media only through the TURN server"
        )
        sub.add_argument(
            "--host-address",
            action="append",
            metavar="ADDR",
            help="offer only this local address to the peer (repeatable; e.g. 127.0.0.1)",
        )


def _options(args: argparse.Namespace) -> Any:
    from messenger.calls.manager import CallOptions

    return CallOptions(
        relay_only=args.relay_only,
        host_addresses=tuple(args.host_address) if args.host_address else None,
    )


def _devices(args: argparse.Namespace) -> Any:
    if not args.synthetic:
        raise CliFailure(
            Exit.USAGE, "usage", "pass --synthetic: the CLI has no microphone or camera access"
        )
    from messenger.calls.synthetic import SyntheticDevices

    try:
        return SyntheticDevices(hz=args.tone)
    except ValueError as exc:
        raise CliFailure(Exit.USAGE, "usage", str(exc)) from None


class _Report:
    """Records what a call receives and sums it up as the command's JSON result."""

    def __init__(self, call: Any) -> None:
        from messenger.calls.analysis import AudioRecorder, VideoProbe

        self.call = call
        self.audio = AudioRecorder()
        self.video = VideoProbe()
        call.attach_remote_audio(self.audio)
        call.attach_remote_video(self.video)

    def result(self) -> dict[str, Any]:
        call = self.call
        setup_ms = None
        first = call.first_frame_at.get("video" if call.remote_video else "audio")
        if first is None:
            first = min(call.first_frame_at.values(), default=None)
        if first is not None and call.accepted_at is not None:
            setup_ms = round((first - call.accepted_at) * 1000, 1)
        hz = self.audio.dominant_hz()
        return {
            "call_id": call.id,
            "setup_ms": setup_ms,
            "audio": {
                "frames": self.audio.frames,
                "dominant_hz": None if hz is None else round(hz, 1),
            },
            "video": {
                "frames": self.video.frames,
                "fps": round(self.video.fps, 1),
                "width": self.video.width,
                "height": self.video.height,
            },
            "end_reason": call.end.reason.value if call.end else None,
            "end_detail": call.end.detail if call.end else "",
        }


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop


async def _first(*aws: Any) -> None:
    """Wait until the first of ``aws`` (coroutines or futures) completes; cancel the rest."""
    tasks = [asyncio.ensure_future(a) for a in aws]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def _state(call: Any, *states: Any) -> None:
    reached = asyncio.Event()

    def check(_: Any) -> None:
        if call.state in states:
            reached.set()

    call.add_listener(check)
    check(call)
    await reached.wait()


async def _finish(call: Any, report: _Report) -> None:
    from messenger.calls.state import CallState

    if call.state != CallState.ENDED:
        await call.hangup()
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(SHORT_TIMEOUT):
            await call.wait_closed()
    emit(report.result())


async def call(args: argparse.Namespace, client: Client, password: str | None) -> None:
    from messenger.calls.manager import CallError, CallManager
    from messenger.calls.state import CallState

    peer = normalize_username(args.peer)
    if peer is None:
        raise CliFailure(Exit.USAGE, "usage", f"not a valid username: {args.peer!r}")
    if args.seconds <= 0:
        raise CliFailure(Exit.USAGE, "usage", "--seconds must be positive")
    devices = _devices(args)
    stop = _stop_on_signals()
    await sign_in_within(client, password, args.timeout)
    manager = CallManager(client, devices, _options(args))
    await manager.start()
    try:
        try:
            placed = await manager.place(peer, video=args.video)
        except CallError as exc:
            raise CliFailure(Exit.USAGE, "usage", str(exc)) from None
        report = _Report(placed)
        await _first(_state(placed, CallState.ACTIVE, CallState.ENDED), stop.wait())
        if placed.state == CallState.ACTIVE:
            await _first(asyncio.sleep(args.seconds), _state(placed, CallState.ENDED), stop.wait())
        connected = placed.answered_at is not None
        await _finish(placed, report)
    finally:
        await manager.close()
    if not connected and not stop.is_set():
        end = placed.end
        raise CliFailure(
            Exit.NO_CALL,
            "not_connected",
            f"the call did not connect: {end.reason.value if end else 'unknown'}"
            + (f" ({end.detail})" if end and end.detail else ""),
            reason=end.reason.value if end else None,
        )


async def answer(args: argparse.Namespace, client: Client, password: str | None) -> None:
    from messenger.calls.manager import CallManager
    from messenger.calls.state import CallState, InvalidAction

    if args.wait <= 0:
        raise CliFailure(Exit.USAGE, "usage", "--timeout must be positive")
    devices = _devices(args)
    stop = _stop_on_signals()
    await sign_in_within(client, password, args.timeout)
    manager = CallManager(client, devices, _options(args))
    rings: asyncio.Queue[Any] = asyncio.Queue()
    manager.on_incoming(rings.put_nowait)
    await manager.start()
    try:
        emit({"waiting": True})
        waiting = asyncio.ensure_future(rings.get())
        await _first(waiting, asyncio.sleep(args.wait), stop.wait())
        if not waiting.done() or waiting.cancelled():
            if stop.is_set():
                return
            raise CliFailure(Exit.NO_CALL, "no_call", f"no call came within {args.wait:g} s")
        incoming = waiting.result()
        report = _Report(incoming)
        with contextlib.suppress(InvalidAction):  # the caller gave up in the meantime
            await incoming.accept(video=incoming.video_offered)
        await _first(_state(incoming, CallState.ENDED), stop.wait())
        await _finish(incoming, report)
    finally:
        await manager.close()
