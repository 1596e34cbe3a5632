"""``messenger-cli``: argument parsing and the exit-code contract."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
from pathlib import Path

from messenger.cli import calls, rooms
from messenger.cli.commands import COMMANDS, CONTACT_ACTIONS
from messenger.cli.connection import failure_from, open_client, read_password_stdin
from messenger.cli.output import EXIT_HELP, CliFailure, Exit
from messenger.client.known_servers import normalize_fingerprint
from messenger.client.state import ConnectionState
from messenger.protocol.names import normalize_username


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="messenger-cli",
        description="Messenger from the command line: JSON lines in, JSON lines out.",
        epilog=EXIT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--server", required=True, help="ws://HOST:PORT/ws or wss://HOST:PORT/ws")
    parser.add_argument("--user", required=True, help="your username")
    parser.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of stdin (never pass it as an argument)",
    )
    parser.add_argument(
        "--accept-fingerprint",
        metavar="FP",
        help="trust this SHA-256 certificate fingerprint (AB:CD:...) for the server and pin it",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=30.0,
        help="seconds to keep trying to reach the server (default 30)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log to stderr")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    commands.add_parser("register", help="create the account (password from --password-stdin)")
    commands.add_parser("login", help="sign in and remember the session in the keyring")
    contacts = commands.add_parser("contacts", help="list contacts, or change one")
    contacts.add_argument("action", nargs="?", choices=sorted(CONTACT_ACTIONS))
    contacts.add_argument("peer", nargs="?", metavar="USER")
    status = commands.add_parser("status", help="set your presence, or show your session")
    status.add_argument("status", nargs="?", choices=["available", "away", "busy", "invisible"])
    status.add_argument("--text", help="a status message")
    send = commands.add_parser("send", help="send a message; exit 0 once the server has it")
    send.add_argument("peer", metavar="USER|#ROOM")
    send.add_argument("text", metavar="TEXT")
    history = commands.add_parser("history", help="messages with USER or in #ROOM, oldest first")
    history.add_argument("peer", metavar="USER|#ROOM")
    history.add_argument("--limit", type=int, default=50, help="how many (default 50)")
    commands.add_parser("listen", help="print events as they arrive until SIGINT/SIGTERM")
    send_file = commands.add_parser(
        "send-file", help="upload PATH and send it to USER; a second run resumes the upload"
    )
    send_file.add_argument("peer", metavar="USER")
    send_file.add_argument("path", metavar="PATH", type=Path)
    send_file.add_argument("--caption", default="", help="text to go with the file")
    download = commands.add_parser(
        "download", help="download a file sent to you; a second run resumes the download"
    )
    download.add_argument("file_id", metavar="FILE_ID")
    download.add_argument(
        "--out",
        required=True,
        type=Path,
        metavar="PATH",
        help="a directory (the file keeps its name) or a file name; never overwrites",
    )
    calls.add_parsers(commands)
    rooms.add_parsers(commands)
    return parser


async def run(args: argparse.Namespace) -> int:
    username = normalize_username(args.user)
    if username is None:
        raise CliFailure(Exit.USAGE, "usage", f"not a valid username: {args.user!r}")
    fingerprint = None
    if args.accept_fingerprint:
        try:
            fingerprint = normalize_fingerprint(args.accept_fingerprint)
        except ValueError as exc:
            raise CliFailure(Exit.USAGE, "usage", str(exc)) from None
    if args.timeout <= 0:
        raise CliFailure(Exit.USAGE, "usage", "--timeout must be positive")
    password = read_password_stdin() if args.password_stdin else None
    client = open_client(args.server, username, fingerprint)
    try:
        await COMMANDS[args.command](args, client, password)
    except Exception as exc:
        raise failure_from(exc, client) from exc
    finally:
        if not client.credentials.persistent and client.state is ConnectionState.AUTHENTICATED:
            # Without a keyring the token cannot be kept for the next run, so end the
            # session now rather than leave one behind on the server per invocation.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(5):
                    await client.logout()
        await client.close()
        client.store.close()
    return int(Exit.OK)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.CRITICAL,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        return asyncio.run(run(args))
    except CliFailure as failure:
        return failure.report()
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
