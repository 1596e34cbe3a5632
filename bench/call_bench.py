"""Call benchmark on loopback: set-up time, glass-to-glass latency, frame rate, CPU, loop lag.

Runs the real server and two real call engines (``messenger.calls``), each side in its own
process as on two computers, with the synthetic test pattern as the camera. The pattern
carries its capture time in the picture (``messenger.calls.pattern``), so the receiving side
reads glass-to-glass latency (capture, encode, send, receive, decode) off every frame; both
sides share one clock, being on one machine.

Phases (each with a fresh pair of processes):

1. ``setup``: ``--calls`` short video calls at 640x480; set-up = from the answer (sent by
   the callee, received by the caller) to the first decoded remote video frame.
2. ``640x480`` and ``1280x720``: one video call each, measured for ``--seconds`` after a
   warm-up: received frame rate, glass-to-glass latency, CPU of each side's process (all
   threads, codec threads included) and the event-loop lag the call leaves (a 10 ms ticker
   on the engine's loop, as the app's UI shares that loop).

    python bench/call_bench.py [--calls 10] [--seconds 10] [--fps 30]

Prints a table and a final JSON line with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import benchkit as bk

from messenger.calls.analysis import VideoProbe
from messenger.calls.manager import CallManager, CallOptions
from messenger.calls.state import CallState
from messenger.calls.synthetic import SyntheticDevices
from messenger.client import Client, Credentials
from messenger.protocol import requests as rq
from messenger.store import Store

WARMUP = 2.0  # seconds of a call before measuring: the encoder's first keyframes and ramp-up
OPTIONS = CallOptions(host_addresses=("127.0.0.1",), connect_timeout=10.0)
TARGETS = {
    "setup_p50_ms": 300.0,
    "glass_to_glass_p50_ms": 150.0,
    "fps_640x480": 30.0,
    "cpu_per_side_percent_640x480": 100.0,
    "loop_lag_p99_ms": 30.0,
}


# --- a side (child process) ----------------------------------------------------------------


class LoopLag:
    """How late a 10 ms sleep wakes up on this loop: what a UI on it would feel."""

    def __init__(self) -> None:
        self.samples: list[float] = []
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._tick())

    async def _tick(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            before = loop.time()
            await asyncio.sleep(0.01)
            self.samples.append((loop.time() - before - 0.01) * 1000)

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()


async def until_state(call: Any, *states: CallState, within: float = 20.0) -> None:
    reached = asyncio.Event()

    def check(_: Any) -> None:
        if call.state in states:
            reached.set()

    call.add_listener(check)
    check(call)
    async with asyncio.timeout(within):
        await reached.wait()


async def until(check: Any, within: float = 20.0) -> None:
    async with asyncio.timeout(within):
        while True:
            if check():
                return
            await asyncio.sleep(0.005)


class Window:
    """Figures of one call over a measured stretch of it."""

    def __init__(self, probe: VideoProbe, lag: LoopLag) -> None:
        self.probe, self.lag = probe, lag
        self.start = (time.monotonic(), probe.frames, bk.cpu_seconds(), len(probe.latencies))
        self.lag_from = len(lag.samples)

    def close(self) -> dict[str, Any]:
        at, frames, cpu, latencies = self.start
        span = time.monotonic() - at
        measured = sorted(self.probe.latencies[latencies:])
        lag = sorted(self.lag.samples[self.lag_from :])
        return {
            "fps": (self.probe.frames - frames) / span,
            "cpu_percent": (bk.cpu_seconds() - cpu) / span * 100,
            "glass_to_glass_ms": [bk.percentile(measured, p) for p in (50, 95)],
            "loop_lag_p99_ms": bk.percentile(lag, 99),
            "width": self.probe.width,
            "height": self.probe.height,
            "legible_frames": len(measured),
        }


def setup_ms(call: Any) -> float | None:
    first = call.first_frame_at.get("video")
    if first is None or call.accepted_at is None:
        return None
    return float((first - call.accepted_at) * 1000)


async def side(args: argparse.Namespace) -> None:
    root = Path(tempfile.mkdtemp(prefix="call-bench-"))
    store = Store.open(root / "store.sqlite3")
    client = Client(
        args.server,
        store,
        username=args.user,
        credentials=Credentials("bench", args.user, use_keyring=False),
    )
    client.start(bk.PASSWORD)
    async with asyncio.timeout(20):
        await client.wait_ready()
    devices = SyntheticDevices(width=args.width, height=args.height, fps=args.fps)
    manager = CallManager(client, devices, OPTIONS)
    rings: asyncio.Queue[Any] = asyncio.Queue()
    manager.on_incoming(rings.put_nowait)
    await manager.start()
    lag = LoopLag()
    lag.start()
    results: list[dict[str, Any]] = []
    print(json.dumps({"ready": True}), flush=True)
    try:
        for _ in range(args.calls):
            probe = VideoProbe(every=10**9)  # colours are the tests' business: latency only
            if args.role == "caller":
                call = await manager.place(args.peer, video=True)
            else:
                call = await rings.get()
            call.attach_remote_video(probe)
            if args.role == "callee":
                await call.accept(video=True)
            await until_state(call, CallState.ACTIVE)
            result: dict[str, Any] = {}
            if args.seconds:
                await asyncio.sleep(WARMUP)
                window = Window(probe, lag)
                await asyncio.sleep(args.seconds)
                result = window.close()
            else:
                await until(lambda call=call: "video" in call.first_frame_at)
            result["setup_ms"] = setup_ms(call)
            results.append(result)
            if args.role == "caller":
                await asyncio.sleep(1.0 if args.seconds else 0.5)  # the callee measures too
                await call.hangup()
            await until_state(call, CallState.ENDED)
            await call.wait_closed()
    finally:
        lag.stop()
        await manager.close()
        await client.close()
        store.close()
    print(json.dumps({"results": results}), flush=True)


# --- the parent ---------------------------------------------------------------------------


async def make_pair(url: str) -> tuple[str, str]:
    names = [f"callbench{os.getpid() % 10000}{role}" for role in ("a", "b")]
    clients = []
    with tempfile.TemporaryDirectory(prefix="call-bench-") as root:
        for name in names:
            store = Store.open(Path(root) / f"{name}.sqlite3")
            client = Client(
                url, store, username=name, credentials=Credentials("b", name, use_keyring=False)
            )
            await client.register(bk.PASSWORD)
            clients.append(client)
        a, b = clients
        await a.request(rq.ContactChange(id="", action="request", username=b.username))
        await b.request(rq.ContactChange(id="", action="accept", username=a.username))
        for client in clients:
            await client.close()
            client.store.close()
    return names[0], names[1]


def spawn(role: str, url: str, user: str, peer: str, **opts: Any) -> subprocess.Popen[str]:
    argv = [sys.executable, __file__, "side", "--role", role, "--server", url]
    argv += ["--user", user, "--peer", peer]
    for key, value in opts.items():
        argv += [f"--{key}", str(value)]
    return subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)


def read_json(proc: subprocess.Popen[str], key: str, within: float) -> Any:
    assert proc.stdout is not None
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        with contextlib.suppress(json.JSONDecodeError):
            data = json.loads(line)
            if key in data:
                return data[key]
    raise bk.BenchError(f"{key!r} never came from a side (exit {proc.poll()})")


def run_phase(
    url: str, names: tuple[str, str], calls: int, seconds: float, width: int, height: int, fps: int
) -> dict[str, list[dict[str, Any]]]:
    opts = {"calls": calls, "seconds": seconds, "width": width, "height": height, "fps": fps}
    callee = spawn("callee", url, names[1], names[0], **opts)
    caller: subprocess.Popen[str] | None = None
    try:
        read_json(callee, "ready", 30)
        caller = spawn("caller", url, names[0], names[1], **opts)
        read_json(caller, "ready", 30)
        budget = 30 + calls * (seconds + WARMUP + 10)
        return {
            "caller": read_json(caller, "results", budget),
            "callee": read_json(callee, "results", budget),
        }
    finally:
        for proc in (caller, callee):
            if proc is not None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(10)
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()


def summarise(setup: dict[str, Any], sustained: dict[str, dict[str, Any]]) -> dict[str, Any]:
    setups = sorted(
        r["setup_ms"] for side in setup.values() for r in side if r["setup_ms"] is not None
    )
    figures: dict[str, Any] = {
        "setup_p50_ms": bk.percentile(setups, 50),
        "setup_p95_ms": bk.percentile(setups, 95),
        "setup_samples": len(setups),
    }
    for size, phase in sustained.items():
        caller, callee = phase["caller"][0], phase["callee"][0]
        figures[f"fps_{size}"] = min(caller["fps"], callee["fps"])
        figures[f"glass_to_glass_p50_ms_{size}"] = max(
            caller["glass_to_glass_ms"][0], callee["glass_to_glass_ms"][0]
        )
        figures[f"glass_to_glass_p95_ms_{size}"] = max(
            caller["glass_to_glass_ms"][1], callee["glass_to_glass_ms"][1]
        )
        figures[f"cpu_per_side_percent_{size}"] = max(caller["cpu_percent"], callee["cpu_percent"])
        figures[f"loop_lag_p99_ms_{size}"] = max(
            caller["loop_lag_p99_ms"], callee["loop_lag_p99_ms"]
        )
        figures[f"detail_{size}"] = {"caller": caller, "callee": callee}
    figures["glass_to_glass_p50_ms"] = figures.get("glass_to_glass_p50_ms_640x480")
    figures["loop_lag_p99_ms"] = max(
        v for k, v in figures.items() if k.startswith("loop_lag_p99_ms_")
    )
    return figures


def report(figures: dict[str, Any], args: argparse.Namespace) -> None:
    rows = [
        ("set-up p50 (answer to first video frame)", f"{figures['setup_p50_ms']:.0f} ms"),
        ("set-up p95", f"{figures['setup_p95_ms']:.0f} ms"),
    ]
    for size in ("640x480", "1280x720"):
        rows += [
            (f"{size}: frame rate received (min of sides)", f"{figures[f'fps_{size}']:.1f} fps"),
            (
                f"{size}: glass-to-glass p50 / p95",
                f"{figures[f'glass_to_glass_p50_ms_{size}']:.0f} / "
                f"{figures[f'glass_to_glass_p95_ms_{size}']:.0f} ms",
            ),
            (f"{size}: CPU per side (max)", f"{figures[f'cpu_per_side_percent_{size}']:.0f} %"),
            (f"{size}: event-loop lag p99", f"{figures[f'loop_lag_p99_ms_{size}']:.1f} ms"),
        ]
    print(f"call bench: {args.calls} set-up calls, {args.seconds:g} s per resolution, "
          f"{args.fps} fps, loopback, {os.cpu_count()} cores")  # fmt: skip
    width = max(len(r[0]) for r in rows)
    for label, value in rows:
        print(f"  {label:<{width}}  {value}")
    print("targets: " + ", ".join(f"{k} {v:g}" for k, v in TARGETS.items()))
    compact = {k: v for k, v in figures.items() if not k.startswith("detail_")}
    print(json.dumps({"bench": "call", **compact, "detail": {
        k: v for k, v in figures.items() if k.startswith("detail_")}}))  # fmt: skip


def parent(args: argparse.Namespace) -> int:
    env = {**bk.CHEAP_ARGON2, **bk.NO_RATE_LIMIT}
    with bk.BenchServer(env) as server:
        names = asyncio.run(make_pair(server.url))
        setup = run_phase(server.url, names, args.calls, 0, 640, 480, args.fps)
        sustained = {
            f"{w}x{h}": run_phase(server.url, names, 1, args.seconds, w, h, args.fps)
            for w, h in ((640, 480), (1280, 720))
        }
    report(summarise(setup, sustained), args)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="mode")
    child = sub.add_parser("side", help="(internal) one side of a call")
    child.add_argument("--role", choices=["caller", "callee"], required=True)
    child.add_argument("--server", required=True)
    child.add_argument("--user", required=True)
    child.add_argument("--peer", required=True)
    for p in (parser, child):
        p.add_argument("--calls", type=int, default=10, help="set-up calls (default 10)")
        p.add_argument("--seconds", type=float, default=10.0, help="measured seconds per size")
        p.add_argument("--fps", type=int, default=30)
    child.add_argument("--width", type=int, default=640)
    child.add_argument("--height", type=int, default=480)
    args = parser.parse_args()
    if args.mode == "side":
        asyncio.run(side(args))
        return 0
    return bk.run_main("call_bench", lambda: parent(args))


if __name__ == "__main__":
    sys.exit(main())
