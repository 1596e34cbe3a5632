"""Helpers for call tests: two real clients with call managers and synthetic devices.

Every call runs through the real signaling server; media goes peer to peer on loopback
(``host_addresses=("127.0.0.1",)``), so nothing leaves this machine.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

from messenger.calls.analysis import AudioRecorder, VideoProbe
from messenger.calls.call import Call
from messenger.calls.manager import CallManager, CallOptions
from messenger.calls.state import CallState
from messenger.calls.synthetic import SyntheticDevices
from messenger.client import Client
from messenger.protocol import requests as rq
from messenger.protocol.results import MessageView
from tests.clientkit import PASSWORD, make_client

RING_SECONDS = 3.0  # the server's ring timeout in these tests
GRACE_SECONDS = 2.0  # the server's reconnect grace
SERVER_ENV = {
    "MESSENGER_CALLS__RING_TIMEOUT_SECONDS": str(RING_SECONDS),
    "MESSENGER_CALLS__RECONNECT_GRACE_SECONDS": str(GRACE_SECONDS),
}
OPTIONS = CallOptions(
    ring_timeout=RING_SECONDS,
    connect_timeout=8.0,
    media_timeout=3.0,
    host_addresses=("127.0.0.1",),
)


@dataclass
class Person:
    """A signed-in account with a call manager; ``sinks`` records what its calls receive."""

    client: Client
    manager: CallManager
    incoming: asyncio.Queue[Call] = field(default_factory=asyncio.Queue)
    audio: AudioRecorder = field(default_factory=AudioRecorder)
    video: VideoProbe = field(default_factory=VideoProbe)

    @property
    def name(self) -> str:
        return self.client.username

    def attach(self, call: Call) -> None:
        call.attach_remote_audio(self.audio)
        call.attach_remote_video(self.video)

    async def next_incoming(self, within: float = 10.0) -> Call:
        async with asyncio.timeout(within):
            call = await self.incoming.get()
        self.attach(call)
        return call

    async def call(self, peer: Person, *, video: bool = False) -> Call:
        call = await self.manager.place(peer.name, video=video)
        self.attach(call)
        return call


class People:
    """Creates signed-in people on one server and closes them all at the end."""

    def __init__(self, url: str, root: Path, names: Callable[[str], str]) -> None:
        self.url, self.root, self.names = url, root, names
        self.opened: list[Person] = []

    async def person(
        self,
        prefix: str = "u",
        *,
        options: CallOptions = OPTIONS,
        hz: float = 440.0,
        username: str | None = None,
    ) -> Person:
        name = username or self.names(prefix)
        client = make_client(self.url, name, self.root / str(len(self.opened)))
        if username is None:
            await client.register(PASSWORD)
        else:
            client.start(PASSWORD)
            async with asyncio.timeout(10):
                await client.wait_ready()
        manager = CallManager(client, SyntheticDevices(hz=hz), options)
        person = Person(client, manager)
        manager.on_incoming(person.incoming.put_nowait)
        await manager.start()
        self.opened.append(person)
        return person

    async def contacts(self, *, options: CallOptions = OPTIONS) -> tuple[Person, Person]:
        """Two contacts; their tones differ (440 and 660 Hz), as a pure tone and its echo
        are one and the same to an echo canceller."""
        a = await self.person("a", options=options, hz=440)
        b = await self.person("b", options=options, hz=660)
        await befriend(a.client, b.client)
        return a, b

    async def close(self) -> None:
        for person in self.opened:
            with contextlib.suppress(Exception):
                await person.manager.close()
            await person.client.close()
            person.client.store.close()


async def befriend(a: Client, b: Client) -> None:
    await a.request(rq.ContactChange(id="", action="request", username=b.username))
    await b.request(rq.ContactChange(id="", action="accept", username=a.username))


@contextlib.asynccontextmanager
async def people(url: str, root: Path, names: Callable[[str], str]) -> AsyncIterator[People]:
    group = People(url, root, names)
    try:
        yield group
    finally:
        await group.close()


async def until_state(call: Call, *states: CallState, within: float = 10.0) -> CallState:
    """Wait for ``call`` to reach one of ``states`` (via its listener), return the state."""
    reached = asyncio.Event()

    def check(_: Call) -> None:
        if call.state in states:
            reached.set()

    call.add_listener(check)
    check(call)
    try:
        async with asyncio.timeout(within):
            await reached.wait()
    except TimeoutError:
        raise AssertionError(f"{call} never reached {[s.value for s in states]}") from None
    return call.state


async def until(check: Callable[[], bool], within: float = 10.0, what: str = "condition") -> None:
    try:
        async with asyncio.timeout(within):
            while True:
                if check():
                    return
                await asyncio.sleep(0.05)
    except TimeoutError:
        raise AssertionError(f"{what} did not happen within {within:g} s") from None


async def call_entries(person: Person, peer: Person, within: float = 5.0) -> list[MessageView]:
    """The call history entries in the conversation, as the server's history lists them."""
    conversation = person.client.conversation_with(peer.name)
    page = await person.client.request(rq.History(id="", conversation=conversation, limit=50))
    return [m for m in page.messages if m.call is not None]


async def local_call_entries(
    person: Person, peer: Person, count: int, within: float = 5.0
) -> list[MessageView]:
    """The call entries this person's local store holds, once ``count`` have arrived."""
    conversation = person.client.conversation_with(peer.name)

    def entries() -> list[MessageView]:
        messages = person.client.store.timeline.messages(conversation)
        return [m for m in messages if m.call is not None]

    await until(lambda: len(entries()) >= count, within, f"{count} call entries for {person.name}")
    return entries()
