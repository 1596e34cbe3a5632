"""``send-file`` and ``download``: resumable transfers from the command line.

Both pick up where an earlier run stopped (the same file to the same user; the same file
id to the same place), so after a cut-off the user simply runs the command again.
Progress goes to stderr, the one result object to stdout.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from messenger.cli.connection import sign_in_within
from messenger.cli.output import CliFailure, Exit, emit
from messenger.cli.progress import ProgressPrinter
from messenger.client import Client, ConnectionStateChanged, EventStream
from messenger.client.state import ConnectionState
from messenger.client.transfers import FINAL_STATES, TransferError, TransferUpdate
from messenger.protocol.errors import ProtocolError
from messenger.protocol.files import FILE_ID_RE
from messenger.protocol.names import normalize_username

# Problems with the local file, not with the server: another exit code than a refusal.
LOCAL_CODES = frozenset({"disk", "not_a_file", "source_changed"})


def transfer_failure(exc: TransferError) -> CliFailure:
    if exc.code == "unreachable":
        return CliFailure(Exit.UNREACHABLE, "unreachable", exc.message)
    exit_code = Exit.FILE if exc.code in LOCAL_CODES else Exit.REFUSED
    return CliFailure(exit_code, exc.code, exc.message)


async def _follow(
    client: Client, stream: EventStream, first: TransferUpdate, stall_seconds: float
) -> TransferUpdate:
    """Show the transfer's progress until it ends; give up when it makes none for
    ``stall_seconds`` (offline, server gone): the next run resumes it."""
    printer = ProgressPrinter()
    printer.show(first)
    loop = asyncio.get_running_loop()
    last_move = loop.time()
    done = first.done
    try:
        while first.state not in FINAL_STATES:
            try:
                async with asyncio.timeout_at(last_move + stall_seconds):
                    event = await stream.get()
            except TimeoutError:
                raise CliFailure(
                    Exit.UNREACHABLE,
                    "unreachable",
                    f"no progress for {stall_seconds:g}s"
                    + (f" ({client.last_error})" if client.last_error else "")
                    + "; run the same command again to resume where it stopped",
                    transfer=first.id,
                    done=done,
                ) from None
            if isinstance(event, ConnectionStateChanged) and event.new == ConnectionState.FAILED:
                raise client.failure or CliFailure(Exit.UNREACHABLE, "unreachable", "lost")
            if not isinstance(event, TransferUpdate) or event.id != first.id:
                continue
            printer.show(event)
            if event.done != done or event.state not in ("waiting", "queued"):
                last_move = loop.time()
                done = event.done
            first = event
    finally:
        printer.finish()
    if first.state != "done":
        raise CliFailure(
            Exit.FILE if first.error_code in LOCAL_CODES else Exit.REFUSED,
            first.error_code or first.state,
            first.error or f"the transfer was {first.state}",
            transfer=first.id,
        )
    return first


async def send_file(args: argparse.Namespace, client: Client, password: str | None) -> None:
    name = normalize_username(args.peer)
    if name is None:
        raise CliFailure(Exit.USAGE, "usage", f"not a valid username: {args.peer!r}")
    conversation = client.conversation_with(name)
    stream = client.subscribe()
    try:
        started = client.transfers.send_file(
            conversation, Path(args.path), caption=args.caption, resume=True
        )
    except TransferError as exc:
        raise transfer_failure(exc) from None
    await sign_in_within(client, password, args.timeout)
    finished = await _follow(client, stream, started, args.timeout)
    assert finished.client_id is not None and finished.file_id is not None
    try:
        async with asyncio.timeout(args.timeout):
            ack = await client.wait_for_ack(finished.client_id)
    except TimeoutError:
        raise CliFailure(
            Exit.QUEUED,
            "queued",
            "the file is uploaded but its message was not acknowledged within"
            f" {args.timeout:g}s; it goes out on the next connection",
            client_id=finished.client_id,
            file_id=finished.file_id,
        ) from None
    except ProtocolError:
        client.store.outbox.discard(finished.client_id)
        raise
    record = client.store.transfers.get(finished.id)
    emit(
        {
            "file_id": finished.file_id,
            "sha256": record.sha256 if record else None,
            "size": finished.size,
            "name": finished.name,
            "conversation": ack.conversation,
            "seq": ack.seq,
            "client_id": ack.client_id,
        }
    )


async def download(args: argparse.Namespace, client: Client, password: str | None) -> None:
    if not FILE_ID_RE.fullmatch(args.file_id):
        raise CliFailure(Exit.USAGE, "usage", f"not a file id: {args.file_id!r}")
    out: Path = args.out
    stream = client.subscribe()
    await sign_in_within(client, password, args.timeout)
    # The message's own reference when this device has it (its name may be the sender's
    # rename), else what the server says about the file.
    view = client.store.timeline.find_file(args.file_id)
    try:
        ref = view.file if view is not None and view.file is not None else None
        if ref is None:
            ref = await client.transfers.describe(args.file_id)
        if await asyncio.to_thread(out.is_dir):
            started = client.transfers.download(
                ref, conversation=view.conversation if view else "", directory=out
            )
        else:
            started = client.transfers.download(
                ref, conversation=view.conversation if view else "", target=out
            )
    except TransferError as exc:
        raise transfer_failure(exc) from None
    finished = await _follow(client, stream, started, args.timeout)
    emit(
        {
            "file_id": ref.file_id,
            "path": finished.path,
            "size": ref.size,
            "sha256": ref.sha256,
            "name": ref.name,
        }
    )
