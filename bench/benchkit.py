"""Shared pieces of the server benchmarks: the server subprocess, accounts, raw frames.

Deliberately independent of ``messenger.client`` (and of the tests): the benchmarks
speak the raw protocol with aiohttp so that what is measured is the server, not our
own client library's habits.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import os
import resource
import select
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

import aiohttp

STARTUP_TIMEOUT = 30.0

# Cheap password hashing for the bench server only: registering thousands of accounts
# with the production Argon2id settings (19 MiB, t=2) would dominate the run time.
CHEAP_ARGON2 = {
    "MESSENGER_AUTH__ARGON2_MEMORY_KIB": "8192",
    "MESSENGER_AUTH__ARGON2_TIME_COST": "1",
}
# The per-connection token bucket (100/s by default) would throttle a load generator.
NO_RATE_LIMIT = {
    "MESSENGER_LIMITS__RATE_PER_SECOND": "10000000",
    "MESSENGER_LIMITS__RATE_BURST": "10000000",
}
PASSWORD = "bench-password-123"


class BenchError(Exception):
    """Something went wrong that makes the figures meaningless."""


def raise_nofile_limit() -> tuple[int, int]:
    """Raise the soft RLIMIT_NOFILE to the hard limit; children (the server) inherit it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)


def sigterm_as_interrupt() -> None:
    """Make SIGTERM unwind like Ctrl-C, so ``finally`` blocks stop the server."""

    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


def run_main(name: str, run: Callable[[], int]) -> int:
    """Run a bench's body with the exits every bench shares: Ctrl-C/SIGTERM and BenchError."""
    sigterm_as_interrupt()
    try:
        return run()
    except KeyboardInterrupt:
        print("interrupted; server stopped", file=sys.stderr)
        return 130
    except BenchError as exc:
        print(f"{name}: {exc}", file=sys.stderr)
        return 1


class BenchServer:
    """``python -m signaling_server`` on an ephemeral loopback port in a fresh temp dir.

    A context manager: the server is stopped (SIGTERM, then SIGKILL) and the data dir
    removed on exit, including on errors and Ctrl-C.
    """

    def __init__(self, env: dict[str, str]) -> None:
        self.overrides = dict(env)
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = ""
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self.data_dir = Path()

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def __enter__(self) -> BenchServer:
        self._tmp = tempfile.TemporaryDirectory(prefix="messenger-bench-")
        self.data_dir = Path(self._tmp.name)
        try:
            self._start()
        except BaseException:
            self.__exit__()
            raise
        return self

    def _start(self) -> None:
        cmd = [
            sys.executable,
            "-m",
            "signaling_server",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--data-dir",
            str(self.data_dir / "data"),
        ]
        env = {**os.environ, **self.overrides}
        log_path = self.data_dir / "server.log"
        with log_path.open("ab") as log:
            self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log, env=env)
        assert self.proc.stdout is not None
        deadline = time.monotonic() + STARTUP_TIMEOUT
        line = b""
        while not line.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0 or self.proc.poll() is not None:
                break
            ready, _, _ = select.select([self.proc.stdout], [], [], left)
            if ready:
                chunk = os.read(self.proc.stdout.fileno(), 4096)
                if not chunk:
                    break
                line += chunk
        text = line.decode(errors="replace").strip()
        if not text.startswith("listening on "):
            raise BenchError(
                f"server did not start: {text!r}\n{log_path.read_text(errors='replace')[-4000:]}"
            )
        self.url = text.removeprefix("listening on ")

    def log_tail(self, chars: int = 4000) -> str:
        path = self.data_dir / "server.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""

    def __exit__(self, *exc: object) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if proc is not None and proc.stdout is not None:
            proc.stdout.close()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None


_rids = itertools.count(1)


async def call(ws: aiohttp.ClientWebSocketResponse, type_: str, **fields: Any) -> dict[str, Any]:
    """One request on a connection nothing else is reading; skips events until the reply."""
    rid = f"s{next(_rids)}"
    await ws.send_str(json.dumps({"type": type_, "id": rid, **fields}))
    while True:
        msg = await ws.receive(timeout=60)
        if msg.type is not aiohttp.WSMsgType.TEXT:
            raise BenchError(f"{type_}: connection ended ({msg.type.name}, {msg.data!r})")
        frame: dict[str, Any] = json.loads(msg.data)
        if frame.get("id") != rid:
            continue
        if frame["type"] == "error":
            raise BenchError(f"{type_}: {frame['code']}: {frame['message']}")
        result: dict[str, Any] = frame["result"]
        return result


async def open_ws(
    session: aiohttp.ClientSession, url: str, signin: tuple[str, dict[str, Any]] | None = None
) -> tuple[aiohttp.ClientWebSocketResponse, dict[str, Any]]:
    """Connect, say hello and optionally sign in (``("authenticate", {"token": ...})``)."""
    ws = await session.ws_connect(url, max_msg_size=0, compress=0, autoping=True)
    try:
        await call(ws, "hello", protocol=1, client="bench")
        result: dict[str, Any] = {}
        if signin is not None:
            result = await call(ws, signin[0], **signin[1])
        return ws, result
    except BaseException:
        await ws.close()
        raise


async def register(session: aiohttp.ClientSession, url: str, username: str) -> dict[str, Any]:
    """Register on a short-lived connection; returns the AuthResult (with token)."""
    fields = {"username": username, "password": PASSWORD, "device": "bench"}
    ws, result = await open_ws(session, url, ("register", fields))
    await ws.close()
    return result


async def login(session: aiohttp.ClientSession, url: str, username: str) -> dict[str, Any]:
    fields = {"username": username, "password": PASSWORD, "device": "bench"}
    ws, result = await open_ws(session, url, ("login", fields))
    await ws.close()
    return result


async def bounded(n: int, coros: Sequence[Any]) -> list[Any]:
    """Run coroutines with at most ``n`` in flight; results in order."""
    sem = asyncio.Semaphore(n)

    async def one(c: Any) -> Any:
        async with sem:
            return await c

    return list(await asyncio.gather(*(one(c) for c in coros)))


def new_session() -> aiohttp.ClientSession:
    # limit=0: WebSocket connections count against the connector's pool limit.
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))


def install_fast_loop() -> str:
    """Use uvloop for the load generator when installed (as the server does)."""
    try:
        import uvloop
    except ImportError:
        return "asyncio"
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    return "uvloop"


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of an already sorted sequence."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(p / 100.0 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def chunks(seq: Sequence[Any], n: int) -> Iterator[Sequence[Any]]:
    """``seq`` split into ``n`` nearly equal consecutive parts (empty parts dropped)."""
    size, extra = divmod(len(seq), n)
    start = 0
    for i in range(n):
        end = start + size + (1 if i < extra else 0)
        if end > start:
            yield seq[start:end]
        start = end


def cpu_seconds(pid: int | None = None) -> float:
    """User + system CPU of a process (all its threads); this process if ``pid`` is None."""
    import psutil

    t = psutil.Process(pid).cpu_times()
    return float(t.user + t.system)


def stop_processes(procs: Sequence[BaseProcess], graceful: bool) -> None:
    """Let finished workers exit; on errors and Ctrl-C terminate them (by handle) at once."""
    for proc in procs:
        if graceful:
            proc.join(10)
        if proc.is_alive():
            proc.terminate()
    for proc in procs:
        proc.join(5)
        if proc.is_alive():
            proc.kill()
            proc.join()


def busy_cpu_seconds() -> float:
    """CPU seconds the whole machine spent not idle (all cores, all processes)."""
    import psutil

    t = psutil.cpu_times()
    return float(sum(t) - t.idle - getattr(t, "iowait", 0.0))
