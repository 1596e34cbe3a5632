"""The CLI's commands: each takes the parsed arguments and a client, prints JSON lines."""

from __future__ import annotations

import argparse
import asyncio
import signal
from collections.abc import Awaitable, Callable

from messenger.cli import calls, files, rooms
from messenger.cli.connection import connect_within, sign_in_within
from messenger.cli.output import CliFailure, Exit, emit
from messenger.client import Client, ConnectionStateChanged
from messenger.client.state import ConnectionState
from messenger.protocol import requests as rq
from messenger.protocol.errors import ProtocolError
from messenger.protocol.names import normalize_username
from messenger.protocol.results import AuthResult, MessageView

Command = Callable[[argparse.Namespace, Client, str | None], Awaitable[None]]

CONTACT_ACTIONS: dict[str, rq.ContactAction] = {
    "add": "request",
    "accept": "accept",
    "decline": "decline",
    "cancel": "cancel",
    "remove": "remove",
    "block": "block",
    "unblock": "unblock",
}
PRESENCE_KEY = "presence"  # store meta: the status this account last set from here


def peer(raw: str) -> str:
    name = normalize_username(raw)
    if name is None:
        raise CliFailure(Exit.USAGE, "usage", f"not a valid username: {raw!r}")
    return name


def auth_summary(client: Client, result: AuthResult) -> dict[str, object]:
    # The token is a secret: it goes to the keyring, never to stdout.
    return {
        "username": result.username,
        "server": client.server,
        "session_id": result.session_id,
        "expires_at": result.expires_at,
        "keyring": client.credentials.persistent,
        "keyring_problem": client.credentials.problem,
    }


async def register(args: argparse.Namespace, client: Client, password: str | None) -> None:
    if password is None:
        raise CliFailure(Exit.USAGE, "usage", "register needs the new password: --password-stdin")
    await connect_within(client, args.timeout)
    emit(auth_summary(client, await client.register(password)))


async def login(args: argparse.Namespace, client: Client, password: str | None) -> None:
    password = password or client.credentials.password()
    if password is None:
        raise CliFailure(
            Exit.AUTH, "no_credentials", "no stored password; pass it with --password-stdin"
        )
    await connect_within(client, args.timeout)
    emit(auth_summary(client, await client.login(password)))


async def contacts(args: argparse.Namespace, client: Client, password: str | None) -> None:
    if args.action is not None and args.peer is None:
        raise CliFailure(Exit.USAGE, "usage", f"contacts {args.action} needs a USER")
    await sign_in_within(client, password, args.timeout)
    if args.action is None:
        for contact in (await client.request(rq.ListContacts(id=""))).contacts:
            emit(contact)
        return
    change = rq.ContactChange(id="", action=CONTACT_ACTIONS[args.action], username=peer(args.peer))
    emit((await client.request(change)).contact)


async def status(args: argparse.Namespace, client: Client, password: str | None) -> None:
    await sign_in_within(client, password, args.timeout)
    if args.status is None:
        if args.text is not None:
            raise CliFailure(Exit.USAGE, "usage", "--text needs a status to go with it")
        sessions = (await client.request(rq.ListSessions(id=""))).sessions
        emit(
            {
                "username": client.username,
                "server": client.server,
                "session_id": client.session_id,
                "status": client.store.meta.get(PRESENCE_KEY),
                "keyring": client.credentials.persistent,
                "sessions": sessions,
            }
        )
        return
    text = args.text or ""
    await client.request(rq.SetPresence(id="", status=args.status, text=text))
    client.store.meta.set(PRESENCE_KEY, args.status)
    emit({"status": args.status, "text": text})


async def target(args: argparse.Namespace, client: Client, password: str | None) -> str:
    """The conversation ``USER`` or ``#ROOM`` names."""
    if args.peer.startswith("#"):
        return await rooms.room_target(client, args.peer, password, args.timeout)
    return client.conversation_with(peer(args.peer))


async def send(args: argparse.Namespace, client: Client, password: str | None) -> None:
    conversation = await target(args, client, password)
    # Persisted before any network activity: even if everything below fails,
    # the message goes out with the next connection.
    entry = client.queue_message(conversation, args.text)
    client.start(password)
    try:
        async with asyncio.timeout(args.timeout):
            ack = await client.wait_for_ack(entry.client_id)
    except TimeoutError:
        raise CliFailure(
            Exit.QUEUED,
            "queued",
            f"not acknowledged within {args.timeout:g}s"
            + (f" ({client.last_error})" if client.last_error else "")
            + "; the message is queued and will go out on the next connection",
            client_id=entry.client_id,
        ) from None
    except ProtocolError:
        # Refused for good: the user is told now, so it should not linger as failed.
        client.store.outbox.discard(entry.client_id)
        raise
    emit(ack)


async def history(args: argparse.Namespace, client: Client, password: str | None) -> None:
    conversation = await target(args, client, password)
    await sign_in_within(client, password, args.timeout)
    page_max = client.hello.limits.history_page_max if client.hello else 200
    messages: list[MessageView] = []
    before: int | None = None
    while len(messages) < args.limit:
        page = await client.request(
            rq.History(
                id="",
                conversation=conversation,
                before=before,
                limit=min(page_max, args.limit - len(messages)),
            )
        )
        messages[:0] = page.messages
        if not page.has_more or not page.messages:
            break
        before = page.messages[0].seq
    for message in messages:
        emit(message)


async def listen(args: argparse.Namespace, client: Client, password: str | None) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    stream = client.subscribe()  # before start: not one event is missed
    await sign_in_within(client, password, args.timeout)

    async def pump() -> None:
        async for event in stream:
            emit(event)
            if isinstance(event, ConnectionStateChanged) and event.new == ConnectionState.FAILED:
                return

    printer = asyncio.create_task(pump())
    stopper = asyncio.create_task(stop.wait())
    await asyncio.wait({printer, stopper}, return_when=asyncio.FIRST_COMPLETED)
    stopper.cancel()
    printer.cancel()
    if client.failure is not None and not stop.is_set():
        raise client.failure


COMMANDS: dict[str, Command] = {
    "register": register,
    "login": login,
    "contacts": contacts,
    "status": status,
    "send": send,
    "history": history,
    "listen": listen,
    "send-file": files.send_file,
    "download": files.download,
    "call": calls.call,
    "answer": calls.answer,
    "room": rooms.room,
}
