"""Server memory per idle authenticated connection.

Starts ``python -m signaling_server`` in a subprocess (fresh temp data dir), gets
session tokens (registering ``--users`` accounts and logging each in several times,
with cheap Argon2 settings for the bench server only), closes those sign-in
connections, records the server's RSS, then opens ``--connections`` WebSockets from
1-2 client processes that each say ``hello`` and ``authenticate`` with a token, keeps
them idle for ``--idle-seconds``, and records the RSS again.

Run: ``python bench/idle_connections.py [--connections 10000]``. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import multiprocessing as mp
import sys
import time
from multiprocessing.process import BaseProcess
from multiprocessing.queues import Queue
from typing import Any

import aiohttp
import benchkit as bk
import psutil

# Sign-ins in flight while collecting tokens, and connection opens in flight per worker.
SIGNIN_CONCURRENCY = 16
OPEN_CONCURRENCY = 200


async def _hold(ws: aiohttp.ClientWebSocketResponse) -> None:
    """Read (and so answer the server's pings) until the connection ends."""
    while True:
        msg = await ws.receive()
        if msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
            return


async def _worker_async(
    url: str, tokens: list[str], ready_q: Queue[Any], go_q: Queue[Any]
) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    async with bk.new_session() as session:
        t0 = time.perf_counter()
        cpu0 = bk.cpu_seconds()

        async def one(token: str) -> aiohttp.ClientWebSocketResponse:
            ws, _ = await bk.open_ws(session, url, ("authenticate", {"token": token}))
            return ws

        sockets = await bk.bounded(OPEN_CONCURRENCY, [one(t) for t in tokens])
        holders = [asyncio.ensure_future(_hold(ws)) for ws in sockets]
        opened = time.perf_counter() - t0
        cpu = bk.cpu_seconds() - cpu0
        ready_q.put(("ready", {"opened": len(sockets), "seconds": opened, "cpu_seconds": cpu}))
        await loop.run_in_executor(None, go_q.get)  # the main process has measured
        closed_early = sum(1 for h in holders if h.done())
        await bk.bounded(OPEN_CONCURRENCY, [ws.close() for ws in sockets])
        await asyncio.gather(*holders, return_exceptions=True)
    return {"closed_early": closed_early}


def worker_main(
    url: str, tokens: list[str], ready_q: Queue[Any], go_q: Queue[Any], result_q: Queue[Any]
) -> None:
    bk.raise_nofile_limit()
    try:
        bk.install_fast_loop()
        result_q.put(("ok", asyncio.run(_worker_async(url, tokens, ready_q, go_q))))
    except KeyboardInterrupt:
        result_q.put(("error", "interrupted"))
    except BaseException as exc:
        ready_q.put(("error", f"{type(exc).__name__}: {exc}"))
        result_q.put(("error", f"{type(exc).__name__}: {exc}"))


async def collect_tokens(url: str, users: int, sessions: int) -> list[str]:
    """``sessions`` tokens: register ``users`` accounts, then log them in round-robin."""
    async with bk.new_session() as session:
        names = [f"idle{i:05d}" for i in range(users)]
        reg = await bk.bounded(SIGNIN_CONCURRENCY, [bk.register(session, url, n) for n in names])
        extra = [names[i % users] for i in range(max(0, sessions - users))]
        logins = await bk.bounded(SIGNIN_CONCURRENCY, [bk.login(session, url, n) for n in extra])
    return [r["token"] for r in reg + logins][:sessions]


async def health(http_url: str) -> dict[str, Any]:
    async with aiohttp.ClientSession() as s, s.get(f"{http_url}/health") as resp:
        data: dict[str, Any] = await resp.json()
        return data


def _mb(n: int) -> float:
    return round(n / 2**20, 1)


def _parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--connections", type=int, default=10000, help="idle connections (10000)")
    p.add_argument("--idle-seconds", type=float, default=5.0, help="time held idle (5)")
    p.add_argument("--users", type=int, default=500, help="accounts registered (500)")
    p.add_argument(
        "--sessions",
        type=int,
        default=0,
        help="distinct sessions (tokens); connections share them round-robin "
        "(default: one session per connection)",
    )
    p.add_argument("--workers", type=int, default=2, help="client processes (default 2)")
    return p.parse_args(argv)


def run(args: argparse.Namespace) -> int:
    soft, hard = bk.raise_nofile_limit()
    sessions = args.sessions or args.connections
    users = min(args.users, sessions)
    print(f"idle_connections: {args.connections} connections, held {args.idle_seconds:g} s")
    print(
        f"  RLIMIT_NOFILE soft/hard {soft}/{hard} (raised in the bench process; the server "
        "subprocess and the client processes inherit it)"
    )
    print(
        "  bench server settings: argon2id 8 MiB, t=1 (cheaper than production, to sign in "
        "fast); rate limit raised"
    )
    ctx = mp.get_context("spawn")
    procs: list[BaseProcess] = []
    env = {**bk.NO_RATE_LIMIT, **bk.CHEAP_ARGON2}
    with bk.BenchServer(env) as server:
        proc = psutil.Process(server.pid)
        rss_start = proc.memory_info().rss
        http_url = server.url.replace("ws://", "http://").removesuffix("/ws")
        t0 = time.perf_counter()
        tokens = asyncio.run(collect_tokens(server.url, users, sessions))
        signin_s = time.perf_counter() - t0
        print(
            f"  server pid {server.pid}; {len(tokens)} sessions ({users} accounts) signed in "
            f"over short-lived connections in {signin_s:.1f} s"
        )
        gc.collect()
        time.sleep(1.0)  # let the sign-in connections finish closing
        rss_before = proc.memory_info().rss
        assigned = [tokens[i % len(tokens)] for i in range(args.connections)]
        n_workers = max(1, min(args.workers, args.connections))
        ready_q: Queue[Any] = ctx.Queue()
        result_q: Queue[Any] = ctx.Queue()
        go_qs: list[Queue[Any]] = []
        finished = False
        try:
            t1 = time.perf_counter()
            for share in bk.chunks(assigned, n_workers):
                go_q: Queue[Any] = ctx.Queue()
                p = ctx.Process(
                    target=worker_main,
                    args=(server.url, list(share), ready_q, go_q, result_q),
                    daemon=True,
                )
                p.start()
                procs.append(p)
                go_qs.append(go_q)
            opened: list[dict[str, Any]] = []
            for _ in procs:
                status, detail = ready_q.get(timeout=240)
                if status != "ready":
                    raise bk.BenchError(f"client worker failed: {detail}")
                opened.append(detail)
            open_s = time.perf_counter() - t1
            time.sleep(args.idle_seconds)
            rss_after = proc.memory_info().rss
            uss_after = proc.memory_full_info().uss
            seen = asyncio.run(health(http_url))
            for q in go_qs:
                q.put("close")
            closed_early = 0
            for _ in procs:
                status, out = result_q.get(timeout=120)
                if status != "ok":
                    raise bk.BenchError(f"client worker failed: {out}")
                closed_early += out["closed_early"]
            finished = True
        finally:
            bk.stop_processes(procs, graceful=finished)
    n = args.connections
    grown = rss_after - rss_before
    per_conn_kb = grown / n / 1024
    figures = {
        "bench": "idle_connections",
        "connections": n,
        "connections_seen_by_server": seen.get("connections"),
        "closed_during_idle": closed_early,
        "sessions": len(tokens),
        "accounts": users,
        "idle_seconds": args.idle_seconds,
        "server_rss_start_mb": _mb(rss_start),
        "server_rss_before_mb": _mb(rss_before),
        "server_rss_after_mb": _mb(rss_after),
        "server_uss_after_mb": _mb(uss_after),
        "mb_per_1000_connections": round(grown / 2**20 / n * 1000, 2),
        "kb_per_connection": round(per_conn_kb, 1),
        "open_seconds": round(open_s, 1),
        "opens_per_second": round(n / open_s, 0),
        "client_workers": len(opened),
        "client_cpu_seconds_opening": [round(o["cpu_seconds"], 2) for o in opened],
        "signin_seconds": round(signin_s, 1),
        "argon2": "8 MiB, t=1 (bench only)",
    }
    print(
        f"  opened {n} authenticated connections from {len(opened)} process(es) in "
        f"{open_s:.1f} s ({n / open_s:,.0f}/s); server sees {seen.get('connections')}; "
        f"{closed_early} closed during the idle period"
    )
    print(
        f"  server RSS: {_mb(rss_start)} MB at start, {_mb(rss_before)} MB before connecting, "
        f"{_mb(rss_after)} MB after {args.idle_seconds:g} s idle (USS {_mb(uss_after)} MB)"
    )
    print(
        f"  => {figures['mb_per_1000_connections']} MB per 1,000 connections, "
        f"{figures['kb_per_connection']} KB per connection"
    )
    print(json.dumps(figures))
    ok = seen.get("connections") == n and closed_early == 0
    if not ok:
        print("  WARNING: not every connection stayed open; the figures undercount")
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    return bk.run_main("idle_connections", lambda: run(args))


if __name__ == "__main__":
    sys.exit(main())
