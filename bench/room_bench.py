"""Room fan-out: time from send to delivery at the last member of a big room, and server CPU.

Starts the real server (fresh temp data dir, durable SQLite), registers ``--members``
accounts, creates one public room and has every account join it, then keeps one raw
loopback WebSocket per member open in this process (no ``messenger.client``: a light load
generator, so the figures are the server's). One member sends ``--messages`` messages, one
at a time: each goes out when the previous one has reached every member. For each message
the reader of every connection notes when the pushed ``message`` event arrived; the report
gives the time from send to the first, the median and the **last** member, and the ack.
Server CPU per room message is the server process's user+system CPU over the timed phase
divided by the messages sent (a message's fan-out to every member included).

The receiving side runs in this one process, so its own scheduling adds to the last
member's time: the figures are an upper bound for the server's.

Run: ``python bench/room_bench.py [--members 500] [--messages 50]``. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
import uuid
from dataclasses import dataclass, field

import aiohttp
import benchkit as bk
import msgspec


class Frame(msgspec.Struct):
    """The fields a receiver looks at; msgspec skips the rest."""

    type: str
    text: str = ""


_decode = msgspec.json.Decoder(Frame).decode


@dataclass
class Round:
    """One message's journey: when it left, and when each member had it."""

    sent_ns: int
    expected: int
    arrived_ns: list[int] = field(default_factory=list)
    done: asyncio.Event = field(default_factory=asyncio.Event)

    def note(self, now_ns: int) -> None:
        self.arrived_ns.append(now_ns)
        if len(self.arrived_ns) == self.expected:
            self.done.set()


class Rounds:
    def __init__(self) -> None:
        self.by_tag: dict[str, Round] = {}


async def receive(ws: aiohttp.ClientWebSocketResponse, rounds: Rounds) -> None:
    """Note the arrival of every benchmark message on this member's connection."""
    async for msg in ws:
        if msg.type is not aiohttp.WSMsgType.TEXT:
            break
        now = time.perf_counter_ns()
        frame = _decode(msg.data)
        if frame.type == "message":
            current = rounds.by_tag.get(frame.text)
            if current is not None:
                current.note(now)


async def setup(url: str, members: int) -> tuple[str, list[str]]:
    """Register the accounts, create the public room and have everyone join; their tokens."""
    async with bk.new_session() as session:
        names = [f"m{i:04d}" for i in range(members)]
        auths = await bk.bounded(16, [bk.register(session, url, name) for name in names])
        tokens = [a["token"] for a in auths]
        ws, _ = await bk.open_ws(session, url, ("authenticate", {"token": tokens[0]}))
        room = (await bk.call(ws, "room_create", name="bench-room", public=True))["room"]["id"]
        await ws.close()

        async def join(token: str) -> None:
            conn, _ = await bk.open_ws(session, url, ("authenticate", {"token": token}))
            await bk.call(conn, "room_join", room=room)
            await conn.close()

        await bk.bounded(16, [join(t) for t in tokens[1:]])
        return room, tokens


async def measure(url: str, server_pid: int, members: int, messages: int) -> dict[str, object]:
    room, tokens = await setup(url, members)
    rounds = Rounds()
    async with bk.new_session() as session:
        conns = await bk.bounded(
            32,
            [bk.open_ws(session, url, ("authenticate", {"token": t})) for t in tokens],
        )
        sockets = [ws for ws, _ in conns]
        sender, receivers = sockets[0], sockets[1:]
        readers = [asyncio.create_task(receive(ws, rounds)) for ws in receivers]
        try:
            await asyncio.sleep(0.5)  # let the join and presence chatter settle
            last_ms: list[float] = []
            median_ms: list[float] = []
            first_ms: list[float] = []
            ack_ms: list[float] = []
            cpu_before = bk.cpu_seconds(server_pid)
            wall_start = time.perf_counter()
            for i in range(messages):
                tag = f"bench {i}"
                current = Round(sent_ns=time.perf_counter_ns(), expected=len(receivers))
                rounds.by_tag[tag] = current
                await bk.call(
                    sender, "send", conversation=room, client_id=uuid.uuid4().hex, text=tag
                )
                ack_ms.append((time.perf_counter_ns() - current.sent_ns) / 1e6)
                try:
                    async with asyncio.timeout(30):
                        await current.done.wait()
                except TimeoutError:
                    raise bk.BenchError(
                        f"message {i} reached {len(current.arrived_ns)} of"
                        f" {len(receivers)} members in 30 s"
                    ) from None
                arrivals = sorted((t - current.sent_ns) / 1e6 for t in current.arrived_ns)
                first_ms.append(arrivals[0])
                median_ms.append(statistics.median(arrivals))
                last_ms.append(arrivals[-1])
                del rounds.by_tag[tag]
            wall = time.perf_counter() - wall_start
            cpu = bk.cpu_seconds(server_pid) - cpu_before
        finally:
            for task in readers:
                task.cancel()
            for ws in sockets:
                await ws.close()
    last_sorted = sorted(last_ms)
    return {
        "members": members,
        "messages": messages,
        "last_member_ms_p50": round(statistics.median(last_ms), 2),
        "last_member_ms_p90": round(bk.percentile(last_sorted, 90), 2),
        "last_member_ms_max": round(last_sorted[-1], 2),
        "median_member_ms_p50": round(statistics.median(median_ms), 2),
        "first_member_ms_p50": round(statistics.median(first_ms), 2),
        "ack_ms_p50": round(statistics.median(ack_ms), 2),
        "server_cpu_ms_per_message": round(cpu / messages * 1000, 2),
        "wall_seconds": round(wall, 2),
    }


def run() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--members", type=int, default=500, help="room size (default 500)")
    parser.add_argument("--messages", type=int, default=50, help="messages timed (default 50)")
    args = parser.parse_args()
    if args.members < 2 or args.messages < 1:
        parser.error("--members must be at least 2 and --messages at least 1")
    bk.raise_nofile_limit()
    loop_name = bk.install_fast_loop()
    env = {**bk.CHEAP_ARGON2, **bk.NO_RATE_LIMIT}
    with bk.BenchServer(env) as server:
        print(f"server {server.url}, load generator on {loop_name}; bench-only settings:")
        for key, value in env.items():
            print(f"  {key}={value}")
        figures = asyncio.run(measure(server.url, server.pid, args.members, args.messages))
    print(
        f"{figures['members']}-member room, {figures['messages']} messages one at a time:\n"
        f"  send -> last member   p50 {figures['last_member_ms_p50']} ms,"
        f" p90 {figures['last_member_ms_p90']} ms, max {figures['last_member_ms_max']} ms\n"
        f"  send -> median member p50 {figures['median_member_ms_p50']} ms;"
        f" first member p50 {figures['first_member_ms_p50']} ms;"
        f" ack p50 {figures['ack_ms_p50']} ms\n"
        f"  server CPU per room message {figures['server_cpu_ms_per_message']} ms"
    )
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(bk.run_main("room_bench", run))
