"""Message throughput and send-to-receive latency of the real signaling server.

Starts ``python -m signaling_server`` in a subprocess (fresh temp data dir, durable
SQLite), registers 2*N accounts, makes each sender/receiver pair contacts, then drives
N pairs over loopback WebSockets from 1-2 load-generator processes:

* max throughput (default): each sender keeps ``--window`` un-acked ``send``s in flight
  and sends the next one as each ack arrives; reports delivered messages/second.
* fixed rate (``--rate R``): R messages/second in total, spread evenly over the pairs and
  paced in time (open loop); reports p50/p90/p99/max send-to-receive latency.

Every message's text carries the sender's ``time.perf_counter_ns()`` (CLOCK_MONOTONIC,
comparable across processes), so latency = receive time - send time, measured on the
receiving connection when the pushed ``message`` event is read. Correctness is checked
on the way: per pair, delivered == acked == sent, no duplicates, no reordering.

Run: ``python bench/server_throughput.py [--pairs 50] [--seconds 10] [--rate R]
[--sync full|normal]``. See bench/README.md.
"""

from __future__ import annotations

import argparse
import array
import asyncio
import contextlib
import json
import multiprocessing as mp
import os
import sys
import time
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from multiprocessing.queues import Queue
from typing import Any

import aiohttp
import benchkit as bk
import msgspec
import psutil

# How long to wait, after sending stops, for the last acks and deliveries.
DRAIN_SECONDS = 30.0
# In fixed-rate mode a pair stops offering load when this many sends are un-acked.
RATE_MODE_MAX_OUTSTANDING = 5000


class Frame(msgspec.Struct):
    """Only the fields the load generator looks at; msgspec skips the rest unparsed."""

    type: str
    id: str | None = None
    code: str | None = None
    message: str | None = None
    client_id: str = ""
    text: str = ""


_decode = msgspec.json.Decoder(Frame).decode


@dataclass
class PairSpec:
    index: int
    sender: str
    sender_token: str
    receiver: str
    receiver_token: str

    @property
    def conversation(self) -> str:
        a, b = sorted((self.sender, self.receiver))
        return f"dm:{a}:{b}"


@dataclass
class Pair:
    spec: PairSpec
    sender_ws: aiohttp.ClientWebSocketResponse
    receiver_ws: aiohttp.ClientWebSocketResponse
    prefix: str = ""
    sent: int = 0
    acked: int = 0
    delivered: int = 0
    delivered_in_window: int = 0
    duplicates: int = 0
    reordered: int = 0
    errors: int = 0
    first_error: str = ""
    last_n: int = -1
    seen: set[int] = field(default_factory=set)
    send_ns: array.array[int] = field(default_factory=lambda: array.array("q"))
    latency_ns: array.array[int] = field(default_factory=lambda: array.array("q"))
    ack_ns: array.array[int] = field(default_factory=lambda: array.array("q"))
    lag_ns: array.array[int] = field(default_factory=lambda: array.array("q"))
    last_delivery_ns: int = 0
    done: asyncio.Event = field(default_factory=asyncio.Event)


class Load:
    """One worker process's share of the pairs, on one event loop."""

    def __init__(self, cfg: dict[str, Any]) -> None:
        self.cfg = cfg
        self.window: int = cfg["window"]
        self.rate: float = cfg["rate"]
        self.filler = "x" * max(0, cfg["text_chars"] - 30)
        self.pairs: list[Pair] = []
        self.running = False
        self.end_ns = 0
        self.template = (
            '{"type":"send","id":"%d","conversation":"%s","client_id":"%s-%d","text":"%d %d %s"}'
        )

    async def connect(self, session: aiohttp.ClientSession, url: str) -> None:
        async def one(spec: PairSpec) -> Pair:
            s, _ = await bk.open_ws(session, url, ("authenticate", {"token": spec.sender_token}))
            r, _ = await bk.open_ws(session, url, ("authenticate", {"token": spec.receiver_token}))
            return Pair(spec, s, r, prefix=f"{self.cfg['run']}-{spec.index}")

        self.pairs = list(await bk.bounded(32, [one(PairSpec(**p)) for p in self.cfg["pairs"]]))

    async def send_one(self, pair: Pair) -> None:
        n = pair.sent
        pair.sent = n + 1
        now = time.perf_counter_ns()
        pair.send_ns.append(now)
        await pair.sender_ws.send_str(
            self.template % (n, pair.spec.conversation, pair.prefix, n, now, n, self.filler)
        )

    def _check_done(self, pair: Pair) -> None:
        if (
            not self.running
            and pair.acked + pair.errors >= pair.sent
            and (pair.delivered >= pair.acked)
        ):
            pair.done.set()

    async def read_sender(self, pair: Pair) -> None:
        ws = pair.sender_ws
        closed_loop = self.rate <= 0
        while True:
            msg = await ws.receive()
            if msg.type is not aiohttp.WSMsgType.TEXT:
                break
            frame = _decode(msg.data)
            if frame.type == "result" and frame.id is not None:
                now = time.perf_counter_ns()
                pair.acked += 1
                pair.ack_ns.append(now - pair.send_ns[int(frame.id)])
                if closed_loop and self.running:
                    await self.send_one(pair)
                self._check_done(pair)
            elif frame.type == "error":
                pair.errors += 1
                pair.first_error = pair.first_error or f"{frame.code}: {frame.message}"
                self._check_done(pair)
        if not self.running:
            return
        pair.first_error = pair.first_error or f"sender connection ended: {msg.type.name}"
        pair.errors += 1

    async def read_receiver(self, pair: Pair) -> None:
        ws = pair.receiver_ws
        while True:
            msg = await ws.receive()
            if msg.type is not aiohttp.WSMsgType.TEXT:
                break
            now = time.perf_counter_ns()
            frame = _decode(msg.data)
            if frame.type != "message":
                continue  # presence, contact, ...
            sent_ns, n_text, _ = frame.text.split(" ", 2)
            n = int(n_text)
            if n in pair.seen:
                pair.duplicates += 1
                continue
            pair.seen.add(n)
            if n < pair.last_n:
                pair.reordered += 1
            pair.last_n = max(pair.last_n, n)
            pair.delivered += 1
            if now <= self.end_ns:
                pair.delivered_in_window += 1
            pair.last_delivery_ns = now
            pair.latency_ns.append(now - int(sent_ns))
            self._check_done(pair)
        if self.running:
            pair.first_error = pair.first_error or f"receiver connection ended: {msg.type.name}"
            pair.errors += 1

    async def paced_sender(self, pair: Pair, start_ns: int, phase: float) -> None:
        """Open loop: sends at fixed intervals, catching up (in a burst) when late."""
        per_pair = self.rate / max(1, self.cfg["total_pairs"])
        interval_ns = int(1e9 / per_pair)
        due = start_ns + int(phase * interval_ns)
        while self.running:
            now = time.perf_counter_ns()
            if due > now:
                await asyncio.sleep((due - now) / 1e9)
                continue
            if due > self.end_ns:
                break
            if pair.sent - pair.acked < RATE_MODE_MAX_OUTSTANDING:
                pair.lag_ns.append(now - due)
                await self.send_one(pair)
            due += interval_ns
            if pair.sent % 64 == 0:
                await asyncio.sleep(0)

    async def run(self, start_ns: int) -> None:
        seconds: float = self.cfg["seconds"]
        self.end_ns = start_ns + int(seconds * 1e9)
        readers = [
            asyncio.ensure_future(coro)
            for p in self.pairs
            for coro in (self.read_sender(p), self.read_receiver(p))
        ]
        now = time.perf_counter_ns()
        if start_ns > now:
            await asyncio.sleep((start_ns - now) / 1e9)
        self.running = True
        senders: list[asyncio.Future[None]] = []
        if self.rate > 0:
            total = self.cfg["total_pairs"]
            for p in self.pairs:
                phase = p.spec.index / total
                senders.append(asyncio.ensure_future(self.paced_sender(p, start_ns, phase)))
        else:
            for p in self.pairs:
                for _ in range(self.window):
                    await self.send_one(p)
        now = time.perf_counter_ns()
        await asyncio.sleep(max(0.0, (self.end_ns - now) / 1e9))
        self.running = False
        await asyncio.gather(*senders)
        for p in self.pairs:
            self._check_done(p)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(
                asyncio.gather(*(p.done.wait() for p in self.pairs)), DRAIN_SECONDS
            )
        for p in self.pairs:
            await p.sender_ws.close()
            await p.receiver_ws.close()
        for r in readers:
            r.cancel()
        await asyncio.gather(*readers, return_exceptions=True)

    def report(self) -> dict[str, Any]:
        def cat(name: str) -> bytes:
            out = array.array("q")
            for p in self.pairs:
                out.extend(getattr(p, name))
            return out.tobytes()

        return {
            "pairs": [
                {
                    "index": p.spec.index,
                    "sent": p.sent,
                    "acked": p.acked,
                    "delivered": p.delivered,
                    "delivered_in_window": p.delivered_in_window,
                    "duplicates": p.duplicates,
                    "reordered": p.reordered,
                    "errors": p.errors,
                    "first_error": p.first_error,
                    "last_delivery_ns": p.last_delivery_ns,
                }
                for p in self.pairs
            ],
            "latency_ns": cat("latency_ns"),
            "ack_ns": cat("ack_ns"),
            "lag_ns": cat("lag_ns"),
        }


async def _worker_async(
    cfg: dict[str, Any], ready_q: Queue[Any], go_q: Queue[Any]
) -> dict[str, Any]:
    load = Load(cfg)
    async with bk.new_session() as session:
        await load.connect(session, cfg["url"])
        ready_q.put(("ready", os.getpid()))
        start_ns = await asyncio.get_running_loop().run_in_executor(None, go_q.get)
        cpu0 = bk.cpu_seconds()
        await load.run(start_ns)
        cpu = bk.cpu_seconds() - cpu0
    out = load.report()
    out["cpu_seconds"] = cpu
    return out


def worker_main(
    cfg: dict[str, Any], ready_q: Queue[Any], go_q: Queue[Any], result_q: Queue[Any]
) -> None:
    try:
        cfg["loop"] = bk.install_fast_loop()
        out = asyncio.run(_worker_async(cfg, ready_q, go_q))
        out["loop"] = cfg["loop"]
        result_q.put(("ok", out))
    except KeyboardInterrupt:
        result_q.put(("error", "interrupted"))
    except BaseException as exc:
        result_q.put(("error", f"{type(exc).__name__}: {exc}"))
        ready_q.put(("error", f"{type(exc).__name__}: {exc}"))


async def setup_accounts(url: str, pairs: int) -> list[PairSpec]:
    """Register 2*pairs accounts and make each sender/receiver pair contacts."""
    async with bk.new_session() as session:
        names = [(f"snd{i:05d}", f"rcv{i:05d}") for i in range(pairs)]

        async def one(i: int, sender: str, receiver: str) -> PairSpec:
            creds = {"password": bk.PASSWORD, "device": "bench"}
            s, sres = await bk.open_ws(session, url, ("register", {"username": sender, **creds}))
            r, rres = await bk.open_ws(session, url, ("register", {"username": receiver, **creds}))
            try:
                await bk.call(s, "contact", action="request", username=receiver)
                await bk.call(r, "contact", action="accept", username=sender)
            finally:
                await s.close()
                await r.close()
            return PairSpec(i, sender, sres["token"], receiver, rres["token"])

        return list(await bk.bounded(8, [one(i, s, r) for i, (s, r) in enumerate(names)]))


def _ms(ns_values: array.array[int], p: float) -> float:
    return round(bk.percentile(ns_values, p) / 1e6, 3)


def _latency_summary(raw: list[bytes]) -> dict[str, Any]:
    values = array.array("q")
    for chunk in raw:
        values.frombytes(chunk)
    ordered = array.array("q", sorted(values))
    if not ordered:
        return {"count": 0}
    return {
        "count": len(ordered),
        "p50_ms": _ms(ordered, 50),
        "p90_ms": _ms(ordered, 90),
        "p99_ms": _ms(ordered, 99),
        "p999_ms": _ms(ordered, 99.9),
        "max_ms": round(ordered[-1] / 1e6, 3),
    }


def _parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--pairs", type=int, default=50, help="sender/receiver pairs (default 50)")
    p.add_argument("--seconds", type=float, default=10.0, help="load duration (default 10)")
    p.add_argument(
        "--rate",
        type=float,
        default=0.0,
        help="fixed offered rate, total messages/s over all pairs (default: max throughput)",
    )
    p.add_argument(
        "--sync",
        choices=("full", "normal"),
        default="full",
        help="SQLite synchronous setting of the server (default full: fsync per commit)",
    )
    p.add_argument(
        "--window", type=int, default=32, help="un-acked sends per sender in max mode (32)"
    )
    p.add_argument("--workers", type=int, default=2, help="load-generator processes (default 2)")
    p.add_argument("--text-chars", type=int, default=64, help="message text length (default 64)")
    return p.parse_args(argv)


def run(args: argparse.Namespace) -> int:
    bk.raise_nofile_limit()
    env = {
        **bk.NO_RATE_LIMIT,
        **bk.CHEAP_ARGON2,
        "MESSENGER_DATABASE__SQLITE_SYNCHRONOUS": args.sync,
    }
    mode = "fixed-rate" if args.rate > 0 else "max-throughput"
    print(f"server_throughput: {mode}, {args.pairs} pairs, {args.seconds:g} s, sqlite {args.sync}")
    print(
        "  bench server settings: per-connection rate limit raised to 10,000,000/s; "
        "argon2id 8 MiB, t=1 (cheaper than production, to register accounts fast)"
    )
    ctx = mp.get_context("spawn")
    procs: list[BaseProcess] = []
    with bk.BenchServer(env) as server:
        t0 = time.perf_counter()
        specs = asyncio.run(setup_accounts(server.url, args.pairs))
        print(
            f"  server pid {server.pid} at {server.url}; {2 * args.pairs} accounts registered and "
            f"paired in {time.perf_counter() - t0:.1f} s"
        )
        n_workers = max(1, min(args.workers, args.pairs))
        ready_q: Queue[Any] = ctx.Queue()
        result_q: Queue[Any] = ctx.Queue()
        go_qs: list[Queue[Any]] = []
        finished = False
        try:
            for share in bk.chunks(specs, n_workers):
                cfg = {
                    "url": server.url,
                    "pairs": [vars(s) for s in share],
                    "total_pairs": args.pairs,
                    "window": args.window,
                    "rate": args.rate,
                    "seconds": args.seconds,
                    "text_chars": args.text_chars,
                    "run": os.urandom(4).hex(),
                }
                go_q: Queue[Any] = ctx.Queue()
                proc = ctx.Process(
                    target=worker_main, args=(cfg, ready_q, go_q, result_q), daemon=True
                )
                proc.start()
                procs.append(proc)
                go_qs.append(go_q)
            for _ in procs:
                status, detail = ready_q.get(timeout=120)
                if status != "ready":
                    raise bk.BenchError(f"load worker failed: {detail}")
            server_proc = psutil.Process(server.pid)
            start_ns = time.perf_counter_ns() + 300_000_000
            for q in go_qs:
                q.put(start_ns)
            time.sleep(max(0.0, (start_ns - time.perf_counter_ns()) / 1e9))
            machine0 = bk.busy_cpu_seconds()
            main_cpu0 = bk.cpu_seconds()
            server_cpu0 = bk.cpu_seconds(server.pid)
            results: list[dict[str, Any]] = []
            for _ in procs:
                status, out = result_q.get(timeout=args.seconds + DRAIN_SECONDS + 60)
                if status != "ok":
                    raise bk.BenchError(f"load worker failed: {out}")
                results.append(out)
            end_ns = time.perf_counter_ns()
            server_cpu = bk.cpu_seconds(server.pid) - server_cpu0
            machine_busy = bk.busy_cpu_seconds() - machine0
            main_cpu = bk.cpu_seconds() - main_cpu0
            server_rss = server_proc.memory_info().rss
            finished = True
        finally:
            bk.stop_processes(procs, graceful=finished)
    other_cpu = machine_busy - server_cpu - main_cpu - sum(r["cpu_seconds"] for r in results)
    return _report(
        args, mode, results, start_ns, end_ns, server_cpu, machine_busy, other_cpu, server_rss
    )


def _report(
    args: argparse.Namespace,
    mode: str,
    results: list[dict[str, Any]],
    start_ns: int,
    end_ns: int,
    server_cpu: float,
    machine_busy: float,
    other_cpu: float,
    server_rss: int,
) -> int:
    pairs = [p for r in results for p in r["pairs"]]
    sent = sum(p["sent"] for p in pairs)
    acked = sum(p["acked"] for p in pairs)
    delivered = sum(p["delivered"] for p in pairs)
    in_window = sum(p["delivered_in_window"] for p in pairs)
    last_ns = max((p["last_delivery_ns"] for p in pairs), default=start_ns)
    elapsed = (last_ns - start_ns) / 1e9
    wall = (end_ns - start_ns) / 1e9
    bad = [
        p
        for p in pairs
        if p["errors"]
        or p["duplicates"]
        or p["reordered"]
        or not (p["sent"] == p["acked"] == p["delivered"])
    ]
    latency = _latency_summary([r["latency_ns"] for r in results])
    acks = _latency_summary([r["ack_ns"] for r in results])
    lag = _latency_summary([r["lag_ns"] for r in results])
    client_cpu = [round(r["cpu_seconds"], 2) for r in results]
    rate_window = in_window / args.seconds
    figures: dict[str, Any] = {
        "bench": "server_throughput",
        "mode": mode,
        "pairs": args.pairs,
        "seconds": args.seconds,
        "sqlite_synchronous": args.sync,
        "window": args.window if mode == "max-throughput" else None,
        "offered_rate": args.rate if args.rate > 0 else None,
        "text_chars": args.text_chars,
        "sent": sent,
        "acked": acked,
        "delivered": delivered,
        "delivered_per_second": round(rate_window, 1),
        "delivered_per_second_incl_drain": round(delivered / elapsed, 1) if elapsed > 0 else 0,
        "latency_ms": latency,
        "ack_latency_ms": acks,
        "send_lag_ms": lag if mode == "fixed-rate" else None,
        "server_cpu_seconds": round(server_cpu, 2),
        "server_cpu_ms_per_1000_msgs": round(server_cpu / max(1, delivered) * 1e6, 1),
        "server_cpu_percent_of_core": round(100 * server_cpu / wall, 1),
        "server_rss_mb": round(server_rss / 2**20, 1),
        "client_workers": len(results),
        "client_loop": results[0].get("loop") if results else None,
        "client_cpu_seconds": client_cpu,
        "client_cpu_percent_of_core": [round(100 * c / wall, 1) for c in client_cpu],
        "machine_cpu_percent": round(100 * machine_busy / wall / (os.cpu_count() or 1), 1),
        "other_processes_cpu_seconds": round(max(0.0, other_cpu), 2),
        "cores": os.cpu_count(),
        "argon2": "8 MiB, t=1 (bench only)",
        "correct": not bad,
        "bad_pairs": len(bad),
    }
    print(f"  sent {sent}, acked {acked}, delivered {delivered} over {args.pairs} pairs")
    if mode == "max-throughput":
        print(
            f"  THROUGHPUT: {rate_window:,.0f} delivered messages/s "
            f"(window {args.window} un-acked sends per sender; {delivered / elapsed:,.0f}/s "
            "including the drain after sending stopped)"
        )
    else:
        print(
            f"  offered {args.rate:,.0f} msg/s, achieved {rate_window:,.0f} delivered msg/s; "
            f"sender pacing lag p99 {lag.get('p99_ms')} ms, max {lag.get('max_ms')} ms"
        )
    print(
        f"  send->receive latency ms: p50 {latency.get('p50_ms')}  p90 {latency.get('p90_ms')}  "
        f"p99 {latency.get('p99_ms')}  p99.9 {latency.get('p999_ms')}  max {latency.get('max_ms')}"
    )
    print(
        f"  send->ack latency ms:     p50 {acks.get('p50_ms')}  p90 {acks.get('p90_ms')}  "
        f"p99 {acks.get('p99_ms')}  max {acks.get('max_ms')}"
    )
    per_k = figures["server_cpu_ms_per_1000_msgs"]
    print(
        f"  server: {server_cpu:.2f} CPU s over {wall:.1f} s "
        f"({figures['server_cpu_percent_of_core']}% of a core), {per_k} CPU ms per 1000 "
        f"messages, RSS {figures['server_rss_mb']} MB"
    )
    print(
        f"  load generator: {len(results)} process(es) on {figures['client_loop']}, CPU s "
        f"{client_cpu} ({figures['client_cpu_percent_of_core']} % of a core)"
    )
    print(
        f"  machine: {figures['machine_cpu_percent']}% busy over {os.cpu_count()} cores; "
        f"processes outside this bench used {figures['other_processes_cpu_seconds']} CPU s"
    )
    if bad:
        worst = bad[0]
        print(
            f"  CORRECTNESS FAILED on {len(bad)} pair(s), e.g. pair {worst['index']}: "
            f"sent {worst['sent']} acked {worst['acked']} delivered {worst['delivered']} "
            f"dup {worst['duplicates']} reordered {worst['reordered']} errors {worst['errors']} "
            f"{worst['first_error']}"
        )
    else:
        print("  correctness: every pair delivered == acked == sent, no duplicates, in order")
    print(json.dumps(figures))
    return 0 if not bad else 1


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    return bk.run_main("server_throughput", lambda: run(args))


if __name__ == "__main__":
    sys.exit(main())
