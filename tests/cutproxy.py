"""A loopback TCP proxy in front of the server that can cut, slow or stop file transfers.

Clients connect to the proxy's URL instead of the server's; WebSocket connections pass
untouched, every other connection (the HTTP file routes) is counted, can be cut once a
byte budget is spent, and can be slowed to a given rate. ``go_offline`` drops everything
and refuses new connections until ``go_online``, like a network that went away.
"""

from __future__ import annotations

import asyncio
import contextlib

_CHUNK = 64 * 1024


class CutProxy:
    def __init__(self, target_port: int) -> None:
        self._target_port = target_port
        self._server: asyncio.Server | None = None
        # Open connections: (client side, server side).
        self._links: set[tuple[asyncio.StreamWriter, asyncio.StreamWriter]] = set()
        self.port = 0
        # Bytes forwarded on file connections, client to server and server to client.
        self.up = 0
        self.down = 0
        # Cut the file connection that moves the budget's last byte (once), per direction.
        self.cut_up_after: int | None = None
        self.cut_down_after: int | None = None
        # Forward file bytes at most this fast (bytes per second), None for full speed.
        self.rate: float | None = None
        self.cuts = 0

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def go_offline(self) -> None:
        """Refuse new connections and drop every open one: clients are reset, the server
        gets what was forwarded to it and then the end of the connection."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for client_side, server_side in list(self._links):
            client_side.transport.abort()
            server_side.close()

    async def go_online(self) -> None:
        await self.start()

    async def close(self) -> None:
        await self.go_offline()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self._target_port)
        except OSError:
            writer.transport.abort()
            return
        link = (writer, up_writer)
        self._links.add(link)
        first = await reader.read(_CHUNK)
        is_file = not first.startswith(b"GET /ws")
        up_writer.write(first)
        if is_file:
            self.up += len(first)
        done = asyncio.Event()

        def cut(upward: bool) -> None:
            # The side that was receiving gets everything forwarded so far, then the end
            # (FIN); the other side is reset. So the budget is exactly what arrived.
            self.cuts += 1
            receiver, sender = (up_writer, writer) if upward else (writer, up_writer)
            receiver.close()
            sender.transport.abort()
            done.set()

        async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter, upward: bool) -> None:
            try:
                while data := await src.read(_CHUNK):
                    if dst.is_closing():
                        return  # dropped by go_offline: nothing more gets through
                    if is_file:
                        budget = self.cut_up_after if upward else self.cut_down_after
                        moved = self.up if upward else self.down
                        if budget is not None and moved + len(data) >= budget:
                            data = data[: max(budget - moved, 0)]
                            self._count(upward, len(data))
                            dst.write(data)
                            with contextlib.suppress(ConnectionError):
                                await dst.drain()
                            if upward:
                                self.cut_up_after = None
                            else:
                                self.cut_down_after = None
                            cut(upward)
                            return
                        self._count(upward, len(data))
                    dst.write(data)
                    await dst.drain()
                    if is_file and self.rate:
                        await asyncio.sleep(len(data) / self.rate)
            except (ConnectionError, OSError):
                pass
            finally:
                done.set()

        tasks = [
            asyncio.create_task(pump(reader, up_writer, True)),
            asyncio.create_task(pump(up_reader, writer, False)),
        ]
        await done.wait()
        for task in tasks:
            task.cancel()
        self._links.discard(link)
        for w in link:
            # Graceful where already closing (a cut), so buffered bytes still arrive.
            if not w.is_closing():
                w.transport.abort()

    def _count(self, upward: bool, n: int) -> None:
        if upward:
            self.up += n
        else:
            self.down += n
