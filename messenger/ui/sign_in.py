"""From "who are you and where is your server" to a signed-in ``AccountSession``.

Shared by the welcome screen and the silent sign-in at start-up: both build the
client the same way, so a remembered account behaves exactly like a fresh one.
"""

from __future__ import annotations

import contextlib
import logging
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from messenger.client import (
    AuthenticationFailed,
    CertificateChanged,
    Client,
    ClientError,
    Credentials,
    KnownServers,
    UntrustedCertificate,
)
from messenger.protocol.errors import ProtocolError
from messenger.store import Store
from messenger.store.paths import server_key
from messenger.ui.session import describe_error

if TYPE_CHECKING:
    from messenger.localserver import LocalServer

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Account:
    """Where and who to sign in as; ``fingerprint`` is a certificate the user trusts."""

    url: str
    username: str
    remember: bool = True
    fingerprint: str | None = None


class SignInError(Exception):
    """A sentence for the welcome screen."""


class CertificateQuestion(Exception):
    """The server's certificate is not trusted yet: the user must decide (first use or changed)."""

    def __init__(self, server: str, fingerprint: str, changed: bool) -> None:
        super().__init__(server, fingerprint, changed)
        self.server = server
        self.fingerprint = fingerprint
        self.changed = changed


class EmbeddedServer:
    """The app's own server ("run a server on this computer"), started on first need.

    ``messenger.localserver`` (and the cryptography it needs for the certificate)
    is imported only then, so signing in to a remote server never pays for it.
    """

    def __init__(self, data_dir: Path, port: int, *, host: str = "0.0.0.0") -> None:
        self._data_dir = data_dir
        self._port = port
        self._host = host
        self._server: LocalServer | None = None

    @property
    def running(self) -> bool:
        return self._server is not None and self._server.running

    def _started(self) -> LocalServer:
        if self._server is None:
            raise RuntimeError("the embedded server has not been started")
        return self._server

    @property
    def url(self) -> str:
        return self._started().url

    @property
    def fingerprint(self) -> str | None:
        return self._started().fingerprint

    @property
    def lan_urls(self) -> list[str]:
        return self._started().lan_urls

    async def ensure_started(self) -> None:
        from messenger.localserver import LocalServer, LocalServerError

        if self._server is None:
            self._server = LocalServer(self._data_dir, host=self._host, port=self._port)
        if self._server.running:
            return
        try:
            await self._server.start()
        except LocalServerError as exc:
            raise SignInError(f"The server on this computer could not start: {exc}") from exc

    async def stop(self) -> None:
        if self._server is not None:
            await self._server.stop()


def device_name() -> str:
    return f"Messenger on {socket.gethostname()}"[:64]


def build_client(
    data_dir: Path, account: Account, credentials: Credentials | None = None
) -> Client:
    try:
        server = server_key(account.url)
    except ValueError as exc:
        raise SignInError(str(exc)) from None
    if credentials is None:
        credentials = Credentials(server, account.username, use_keyring=account.remember)
    store = Store.open_profile(account.url, account.username, data_dir)
    return Client(
        account.url,
        store,
        username=account.username,
        credentials=credentials,
        known_servers=KnownServers(data_dir / "known_servers.json"),
        accept_fingerprint=account.fingerprint,
        device=device_name(),
    )


def build_demo_client(
    data_dir: Path, url: str, fingerprint: str | None, username: str, token: str
) -> Client:
    """A client for a demo account (``messenger.localserver.prepare_demo``), signed in with
    its token. The secrets live in memory only: the demo's server is gone after the demo."""
    credentials = Credentials(server_key(url), username, use_keyring=False)
    credentials.set_token(token)
    return build_client(data_dir, Account(url, username, False, fingerprint), credentials)


def forget_secrets(url: str, username: str) -> None:
    """Remove what "remember me" stored, when the user signs in without it now."""
    with contextlib.suppress(ValueError):
        Credentials(server_key(url), username).forget()


def has_stored_secret(url: str, username: str) -> bool:
    try:
        credentials = Credentials(server_key(url), username)
    except ValueError:
        return False
    return credentials.persistent and bool(credentials.token() or credentials.password())


async def sign_in(data_dir: Path, account: Account, password: str, *, create: bool) -> Client:
    """A connected, signed-in client; ``SignInError`` or ``CertificateQuestion`` otherwise."""
    client = build_client(data_dir, account)
    try:
        if create:
            await client.register(password)
        else:
            await client.login(password)
    except UntrustedCertificate as exc:
        await _discard(client)
        raise CertificateQuestion(exc.server, exc.fingerprint, changed=False) from exc
    except CertificateChanged as exc:
        await _discard(client)
        raise CertificateQuestion(exc.server, exc.actual, changed=True) from exc
    except AuthenticationFailed as exc:
        await _discard(client)
        raise SignInError(exc.message) from exc
    except (ClientError, ProtocolError, OSError) as exc:
        await _discard(client)
        raise SignInError(_sign_in_failure(exc, account.url)) from exc
    if not account.remember:
        forget_secrets(account.url, account.username)
    return client


def _sign_in_failure(exc: BaseException, url: str) -> str:
    if isinstance(exc, ProtocolError):
        return exc.message
    return f"Could not reach {url}: {describe_error(exc)}"


async def _discard(client: Client) -> None:
    await client.close()
    client.store.close()
