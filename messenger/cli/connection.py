"""Setting up the CLI's client and turning client errors into CLI failures."""

from __future__ import annotations

import asyncio
import sys
from typing import TypeVar

import backoff

from messenger.cli.output import CliFailure, Exit
from messenger.client import (
    AuthenticationFailed,
    CertificateChanged,
    Client,
    ClientError,
    ConnectionFailed,
    Credentials,
    IncompatibleServer,
    KnownServers,
    SessionEnded,
    UntrustedCertificate,
)
from messenger.protocol.errors import ProtocolError
from messenger.store import Store
from messenger.store.paths import data_dir, server_key

T = TypeVar("T")


def read_password_stdin() -> str:
    """The first line of stdin, so ``echo "$PW" | messenger-cli ...`` and here-strings work."""
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        raise CliFailure(Exit.USAGE, "usage", "--password-stdin given but stdin had no password")
    return line


def open_client(url: str, username: str, accept_fingerprint: str | None) -> Client:
    try:
        server = server_key(url)
    except ValueError as exc:
        raise CliFailure(Exit.USAGE, "usage", str(exc)) from None
    root = data_dir()
    store = Store.open_profile(url, username, root)
    return Client(
        url,
        store,
        username=username,
        credentials=Credentials(server, username),
        known_servers=KnownServers(root / "known_servers.json"),
        accept_fingerprint=accept_fingerprint,
        device="messenger-cli",
    )


def failure_from(exc: BaseException, client: Client) -> CliFailure:
    """The CLI's report for an error from the client or the server."""
    match exc:
        case CliFailure():
            return exc
        case UntrustedCertificate():
            return CliFailure(
                Exit.CERTIFICATE,
                "untrusted_certificate",
                f"{exc} Re-run with --accept-fingerprint {exc.fingerprint} to trust it.",
                fingerprint=exc.fingerprint,
                server=exc.server,
            )
        case CertificateChanged():
            return CliFailure(
                Exit.CERTIFICATE,
                "certificate_changed",
                str(exc),
                expected=exc.expected,
                fingerprint=exc.actual,
                server=exc.server,
            )
        case AuthenticationFailed():
            message = exc.message
            if exc.code == "no_credentials":
                hint = client.credentials.problem
                message += "; pass the password with --password-stdin" + (
                    f" ({hint})" if hint else ""
                )
            return CliFailure(Exit.AUTH, exc.code, message)
        case SessionEnded():
            return CliFailure(Exit.AUTH, "session_ended", f"{exc}; log in again")
        case IncompatibleServer():
            return CliFailure(Exit.REFUSED, "unsupported_version", str(exc))
        case ProtocolError():
            return CliFailure(
                Exit.REFUSED, exc.code.value, exc.message, retry_after=exc.retry_after
            )
        case ConnectionFailed():
            return CliFailure(Exit.UNREACHABLE, "unreachable", str(exc))
        case ClientError():
            return CliFailure(Exit.INTERNAL, "internal", str(exc))
    return CliFailure(Exit.INTERNAL, "internal", f"{type(exc).__name__}: {exc}")


async def connect_within(client: Client, seconds: float) -> None:
    """Connect and say hello (no sign-in), retrying with backoff for up to ``seconds``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    delays = backoff.expo(factor=0.25, max_value=5.0)
    next(delays)  # backoff's generators yield None first
    while True:
        try:
            await client.connect()
            return
        except ConnectionFailed as exc:
            pause = backoff.full_jitter(next(delays))
            if loop.time() + pause >= deadline:
                raise CliFailure(
                    Exit.UNREACHABLE,
                    "unreachable",
                    f"could not connect to {client.server} within {seconds:g}s: {exc}",
                ) from None
            await asyncio.sleep(pause)


async def sign_in_within(client: Client, password: str | None, seconds: float) -> None:
    """Start the client's background sign-in and wait up to ``seconds`` for it."""
    client.start(password)
    try:
        async with asyncio.timeout(seconds):
            await client.wait_ready()
    except TimeoutError:
        raise CliFailure(
            Exit.UNREACHABLE,
            "unreachable",
            f"could not connect to {client.server} within {seconds:g}s"
            + (f": {client.last_error}" if client.last_error else ""),
        ) from None
