"""A private D-Bus session bus and small stand-ins for desktop services, for GUI tests.

The bus is a real ``dbus-daemon`` with a minimal configuration (no service
activation, so nothing installed on the machine starts on it). The stand-in
services are real D-Bus peers (jeepney on the test's asyncio loop): the app's
code talks to them exactly as it would to the desktop's, signatures included.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import subprocess
from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from jeepney import (  # type: ignore[import-untyped]
    DBusAddress,
    HeaderFields,
    MatchRule,
    Message,
    message_bus,
    new_error,
    new_method_return,
    new_signal,
)
from jeepney.io.asyncio import DBusRouter, open_dbus_connection  # type: ignore[import-untyped]
from jeepney.wrappers import unwrap_msg  # type: ignore[import-untyped]

CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={directory}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""

# (signature, body) of a reply; a handler raises ServiceError for an error reply.
Reply = tuple[str | None, tuple[Any, ...]]
Handler = Callable[[Message], Reply]


class ServiceError(Exception):
    def __init__(self, name: str, text: str) -> None:
        super().__init__(text)
        self.name = name


@contextlib.contextmanager
def private_bus(directory: Path) -> Any:
    """Run a dbus-daemon for one test and yield its address; skip where there is none."""
    daemon = shutil.which("dbus-daemon")
    if daemon is None:
        pytest.skip("dbus-daemon is not installed (Debian: the dbus package)")
    config = directory / "bus.conf"
    config.write_text(CONFIG.format(directory=directory))
    proc = subprocess.Popen(
        [daemon, f"--config-file={config}", "--nofork", "--print-address=1", "--nopidfile"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,  # it warns that it may not raise its file limit
        text=True,
    )
    assert proc.stdout is not None
    address = proc.stdout.readline().strip()
    try:
        yield address
    finally:
        proc.terminate()
        proc.wait(timeout=10)


class FakeService:
    """Owns a bus name and answers method calls with handlers keyed by (interface, member)."""

    def __init__(
        self, address: str, name: str, handlers: Mapping[tuple[str, str], Handler]
    ) -> None:
        self.address = address
        self.name = name
        self.handlers = handlers
        self.calls: list[Message] = []
        self._router: Any = None
        self._connection: Any = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._connection = await open_dbus_connection(self.address)
        self._router = DBusRouter(self._connection)
        queue: asyncio.Queue[Message] = asyncio.Queue()
        self._filter = self._router.filter(MatchRule(type="method_call"), queue=queue)
        reply = await self._router.send_and_get_reply(message_bus.RequestName(self.name))
        assert unwrap_msg(reply) == (1,), "the name is already owned"
        self._task = asyncio.ensure_future(self._serve(queue))

    async def emit(
        self, path: str, interface: str, member: str, signature: str, *body: Any
    ) -> None:
        emitter = DBusAddress(path, interface=interface)
        await self._router.send(new_signal(emitter, member, signature, body))

    def calls_to(self, member: str) -> list[Message]:
        return [m for m in self.calls if m.header.fields.get(HeaderFields.member) == member]

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._filter.close()
        await self._router.__aexit__(None, None, None)
        await self._connection.close()

    async def _serve(self, queue: asyncio.Queue[Message]) -> None:
        while True:
            call = await queue.get()
            self.calls.append(call)
            fields = call.header.fields
            key = (fields.get(HeaderFields.interface), fields.get(HeaderFields.member))
            handler = self.handlers.get(key)
            try:
                if handler is None:
                    raise ServiceError("org.freedesktop.DBus.Error.UnknownMethod", f"no {key}")
                signature, body = handler(call)
                reply = new_method_return(call, signature, body)
            except ServiceError as exc:
                reply = new_error(call, exc.name, "s", (str(exc),))
            await self._router.send(reply)


@contextlib.asynccontextmanager
async def serving(service: FakeService) -> AsyncIterator[FakeService]:
    await service.start()
    try:
        yield service
    finally:
        await service.close()


def signature_of(message: Message) -> str:
    return str(message.header.fields.get(HeaderFields.signature, ""))
