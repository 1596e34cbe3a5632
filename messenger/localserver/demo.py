"""``messenger --demo``: two accounts that already know each other and have a chat going.

A first-time user sees what the messenger does without creating accounts,
finding a second person or typing a first message: two accounts are registered
on a fresh local server, made contacts of each other, and the first greets the
second. Two more people (no windows, not their contacts) fill a couple of public
rooms with a conversation, and the first invites the second to a private room, so
the room list, its invitations and member lists have something to show. The app
then signs both in with the returned tokens.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from messenger.client import Client, ClientError, Credentials
from messenger.protocol import requests as rq
from messenger.protocol.errors import ProtocolError
from messenger.store import Store
from messenger.store.paths import server_key

GREETING = "Hi! This is a demo chat. Try a call with the phone button."
# The demo's other room members: the first two of these not taken by the windows' names.
CROWD = ("carol", "dave", "erin", "frank")
# (room, topic, public); the first account owns the first and the third, the crowd the second.
TEAM = ("team", "Release 2.0: what ships on Friday", True)
CLUB = ("book-club", "This month: The Left Hand of Darkness", True)
DESIGN = ("design", "Sketches for the new icon", False)
# A local server does all of this in well under a second; the bound only keeps a
# wedged server from leaving the app waiting forever (the client itself retries).
SETUP_SECONDS = 30.0


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    token: str  # a live session: the app signs in with it, no password prompt


class DemoError(RuntimeError):
    """The demo could not be set up; the message says why (the cause is chained)."""


async def prepare_demo(
    url: str,
    fingerprint: str | None,
    *,
    names: tuple[str, str] = ("alice", "bob"),
) -> list[DemoAccount]:
    """Register ``names`` on the server at ``url``, make them contacts, greet the second.

    ``fingerprint`` is the server's certificate fingerprint, trusted without a
    prompt (``LocalServer.fingerprint``); None for ``ws://``. Meant for a fresh
    server: any failure, including a name that is already taken, raises
    ``DemoError`` with the reason (the client's or server's error as its cause).
    """
    first_name, second_name = names
    if first_name.lower() == second_name.lower():
        raise ValueError(f"the demo needs two different names, got {names!r}")
    try:
        async with asyncio.timeout(SETUP_SECONDS):
            return await _prepare(url, fingerprint, first_name, second_name)
    except TimeoutError as exc:
        raise DemoError(
            f"the server at {url} did not set up the demo within {SETUP_SECONDS:g} seconds"
        ) from exc
    except (ClientError, ProtocolError) as exc:
        raise DemoError(f"could not set up the demo on {url}: {exc}") from exc


async def _prepare(
    url: str, fingerprint: str | None, first_name: str, second_name: str
) -> list[DemoAccount]:
    # The throwaway stores live only as long as this call: the app keeps its own
    # profile stores, which sync the greeting from the server when it signs in.
    with tempfile.TemporaryDirectory(prefix="messenger-demo-", ignore_cleanup_errors=True) as tmp:
        root = Path(tmp)
        async with contextlib.AsyncExitStack() as stack:
            first = await stack.enter_async_context(_client(url, fingerprint, first_name, root))
            second = await stack.enter_async_context(_client(url, fingerprint, second_name, root))
            accounts = [await _register(first), await _register(second)]
            await first.request(rq.ContactChange(id="", action="request", username=second.username))
            accepted = await second.request(
                rq.ContactChange(id="", action="accept", username=first.username)
            )
            if accepted.contact.state != "accepted":
                raise DemoError(
                    f"{first.username} and {second.username} did not become contacts"
                    f" (the server says {accepted.contact.state!r})"
                )
            await first.send_message(first.conversation_with(second.username), GREETING)
            taken = {first_name.lower(), second_name.lower()}
            crowd = [n for n in CROWD if n not in taken][:2]
            others = [
                await stack.enter_async_context(_client(url, fingerprint, n, root)) for n in crowd
            ]
            for other in others:
                await _register(other)
            await _rooms(first, second, others)
    return accounts


async def _rooms(first: Client, second: Client, others: list[Client]) -> None:
    """A busy public room, a quiet one, and an invitation waiting for the second account."""
    name, topic, public = TEAM
    team = await first.create_room(name, topic=topic, public=public)
    for member in (second, *others):
        await member.join_room(team.id)
    await first.set_room_role(team.id, second.username, "admin")
    lines = [
        (others[0] if others else second, "Morning! Build 212 is green."),
        (first, "Great. Release notes are next."),
        (second, "I'll take the changelog."),
        (
            others[-1] if others else second,
            f"@{first.username} could you look over the release notes?",
        ),
    ]
    seq = 0
    for sender, text in lines:
        # Whoever answers has read what came before, as in the app; the rest stays unread
        # (the first account's mention included).
        if seq:
            await sender.mark_read(team.id, seq)
        seq = (await sender.send_message(team.id, text)).seq
    name, topic, public = CLUB
    club_owner = others[0] if others else second
    club = await club_owner.create_room(name, topic=topic, public=public)
    await first.join_room(club.id)
    for member in others[1:]:
        await member.join_room(club.id)
    await club_owner.send_message(club.id, "Chapter 5 tonight? I am halfway through.")
    name, topic, public = DESIGN
    design = await first.create_room(name, topic=topic, public=public)
    await first.invite_to_room(design.id, second.username)


@contextlib.asynccontextmanager
async def _client(
    url: str, fingerprint: str | None, username: str, root: Path
) -> AsyncIterator[Client]:
    store = Store.open(root / f"{username}.sqlite3")
    try:
        # Secrets in memory only: the caller decides where the demo's passwords go.
        credentials = Credentials(server_key(url), username, use_keyring=False)
        async with Client(
            url,
            store,
            username=username,
            credentials=credentials,
            accept_fingerprint=fingerprint,
            device="messenger-demo",
        ) as client:
            yield client
    finally:
        store.close()


async def _register(client: Client) -> DemoAccount:
    password = secrets.token_urlsafe(18)
    result = await client.register(password)
    if not result.token:
        raise DemoError(f"the server opened no session for {client.username}")
    return DemoAccount(username=result.username, password=password, token=result.token)
