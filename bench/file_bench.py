"""File transfer throughput on loopback, and the server's memory while it takes a big upload.

Starts the real server in a subprocess, signs two accounts in with the headless client
(``messenger.client``), then: alice sends a ``--size-mb`` file to bob (``send_file``: hash,
tus upload, file message) while the server's RSS is sampled, and bob downloads it
(``download``: ranged GET, streamed to disk, verified). Prints a short report, then one
JSON line with the figures. Targets: >= 200 MB/s each way, server RSS growing < 50 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import benchkit as bk
import psutil

from messenger.client import Client, Credentials
from messenger.client.transfers import TransferUpdate
from messenger.protocol import requests as rq
from messenger.protocol.events import MessageEvent
from messenger.store import Store

PASSWORD = "bench-password-123"
MB = 1_000_000
RSS_SAMPLE_SECONDS = 0.05


def _write_source(path: Path, size: int) -> str:
    """A file of random-looking bytes (incompressible, not all distinct: fast to make)."""
    block = os.urandom(4 * 1024 * 1024)
    hasher = hashlib.sha256()
    with path.open("wb") as f:
        left = size
        while left:
            piece = block[: min(len(block), left)]
            f.write(piece)
            hasher.update(piece)
            left -= len(piece)
    return hasher.hexdigest()


class RssSampler:
    """Peak RSS of a process, sampled on a timer while a transfer runs."""

    def __init__(self, pid: int) -> None:
        self._process = psutil.Process(pid)
        self.baseline = self._process.memory_info().rss
        self.peak = self.baseline
        self._task: asyncio.Task[None] | None = None

    async def _sample(self) -> None:
        while True:
            self.peak = max(self.peak, self._process.memory_info().rss)
            await asyncio.sleep(RSS_SAMPLE_SECONDS)

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._sample())

    async def stop(self) -> None:
        assert self._task is not None
        self._task.cancel()
        self.peak = max(self.peak, self._process.memory_info().rss)


async def _settle_disk() -> None:
    """Write back what earlier steps left dirty, outside the timed part: otherwise the kernel
    throttles this step's writes to pay for the last step's (the VM's disk does ~340 MB/s)."""
    t = time.perf_counter()
    await asyncio.to_thread(os.sync)
    print(f"synced the disk in {time.perf_counter() - t:.1f} s (not timed)")


def _client(url: str, name: str, root: Path) -> Client:
    return Client(
        url,
        Store.open(root / name / "store.sqlite3"),
        username=name,
        credentials=Credentials("bench", name, use_keyring=False),
    )


async def _timed(client: Client, transfer_id: int) -> tuple[float, float]:
    """Seconds from start to done, and from the first byte moving to done."""
    events = client.subscribe()
    start = time.perf_counter()
    moving: float | None = None
    async for event in events:
        if not isinstance(event, TransferUpdate) or event.id != transfer_id:
            continue
        if event.state == "running" and moving is None:
            moving = time.perf_counter()
        if event.state in ("done", "failed", "cancelled"):
            if event.state != "done":
                raise RuntimeError(f"transfer {event.state}: {event.error}")
            end = time.perf_counter()
            return end - start, end - (moving or start)
    raise RuntimeError("client closed")


async def run(size: int, workdir: Path) -> dict[str, Any]:
    figures: dict[str, Any] = {"size_bytes": size}
    with bk.BenchServer(bk.CHEAP_ARGON2) as server:
        alice = _client(server.url, "alice", workdir)
        bob = _client(server.url, "bobby", workdir)
        try:
            await alice.register(PASSWORD)
            await bob.register(PASSWORD)
            await alice.request(rq.ContactChange(id="", action="request", username="bobby"))
            await bob.request(rq.ContactChange(id="", action="accept", username="alice"))
            source = workdir / "source.bin"
            t = time.perf_counter()
            digest = _write_source(source, size)
            print(f"made a {size / MB:,.0f} MB source in {time.perf_counter() - t:.1f} s")
            await _settle_disk()

            incoming = bob.subscribe()
            sampler = RssSampler(server.pid)
            sampler.start()
            started = alice.transfers.send_file(alice.conversation_with("bobby"), source)
            total, moving = await _timed(alice, started.id)
            await sampler.stop()
            figures["upload_seconds_total"] = round(total, 3)
            figures["upload_seconds_bytes_moving"] = round(moving, 3)
            figures["upload_mb_per_s"] = round(size / moving / MB, 1)
            figures["upload_mb_per_s_with_hashing"] = round(size / total / MB, 1)
            figures["server_rss_baseline_mb"] = round(sampler.baseline / 2**20, 1)
            figures["server_rss_peak_mb"] = round(sampler.peak / 2**20, 1)
            figures["server_rss_growth_mb"] = round((sampler.peak - sampler.baseline) / 2**20, 1)

            message: MessageEvent | None = None
            async for event in incoming:
                if isinstance(event, MessageEvent) and event.file is not None:
                    message = event
                    break
            assert message is not None and message.file is not None
            await _settle_disk()
            sampler = RssSampler(server.pid)
            sampler.start()
            got = bob.transfers.download(message.file, directory=workdir / "downloads")
            total, moving = await _timed(bob, got.id)
            await sampler.stop()
            figures["download_seconds"] = round(moving, 3)
            figures["download_mb_per_s"] = round(size / moving / MB, 1)
            figures["download_server_rss_growth_mb"] = round(
                (sampler.peak - sampler.baseline) / 2**20, 1
            )
            final = bob.transfers.get(got.id)
            assert final is not None and final.path is not None
            figures["verified"] = message.file.sha256 == digest
            figures["client_rss_mb"] = round(psutil.Process().memory_info().rss / 2**20, 1)
        finally:
            await alice.close()
            await bob.close()
            alice.store.close()
            bob.store.close()
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=1024, help="file size in MiB (1024)")
    args = parser.parse_args()

    def body() -> int:
        with tempfile.TemporaryDirectory(prefix="messenger-file-bench-") as tmp:
            figures = asyncio.run(run(args.size_mb * 2**20, Path(tmp)))
        print(
            f"upload:   {figures['upload_mb_per_s']:,.1f} MB/s while bytes moved"
            f" ({figures['upload_mb_per_s_with_hashing']:,.1f} MB/s counting the hashing"
            " before it)"
        )
        print(f"download: {figures['download_mb_per_s']:,.1f} MB/s, verified on arrival")
        print(
            f"server RSS during the upload: {figures['server_rss_baseline_mb']} MB ->"
            f" {figures['server_rss_peak_mb']} MB peak"
            f" (+{figures['server_rss_growth_mb']} MB)"
        )
        print(json.dumps(figures))
        return 0

    return bk.run_main("file_bench", body)


if __name__ == "__main__":
    sys.exit(main())
