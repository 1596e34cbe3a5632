"""The embedded server: its certificate, its process, pinned TLS to it, and the demo accounts."""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import os
import signal
import socket
import ssl
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import psutil
import pytest
from cryptography import x509

from messenger.client import UntrustedCertificate
from messenger.client.tls import format_fingerprint
from messenger.localserver import (
    DemoError,
    LocalServer,
    LocalServerError,
    ensure_certificate,
    lan_addresses,
    prepare_demo,
)
from messenger.localserver.demo import GREETING
from messenger.protocol import requests as rq
from tests.clientkit import PASSWORD, eventually, make_client

ROOT = Path(__file__).resolve().parent.parent
POSIX_ONLY = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and file modes")


@pytest.fixture
async def local_server(tmp_path: Path) -> AsyncIterator[LocalServer]:
    """The app's server on a free loopback port, with TLS, in a data dir of its own."""
    server = LocalServer(tmp_path / "app", host="127.0.0.1", port=0)
    await server.start()
    yield server
    await server.stop()


def _port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


async def _health(server: LocalServer) -> dict[str, object]:
    """GET /health over https, trusting exactly the server's own certificate file."""
    assert server.certificate is not None
    context = ssl.create_default_context(cafile=str(server.certificate.cert))
    # What Python 3.13 turns on by default: the certificate must pass it too.
    context.verify_flags |= ssl.VERIFY_X509_STRICT
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"https://127.0.0.1:{server.port}/health", ssl=context) as reply,
    ):
        assert reply.status == 200
        body: dict[str, object] = await reply.json()
        return body


def _gone(pid: int) -> bool:
    """No such process any more (a zombie left for an init that does not reap counts as gone)."""
    try:
        return bool(psutil.Process(pid).status() == psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return True


# --- the certificate ----------------------------------------------------------------------------


def test_certificate_is_created_once_and_reused(tmp_path: Path) -> None:
    """The first call makes a certificate; later calls return the same files and fingerprint."""
    first = ensure_certificate(tmp_path / "tls")
    cert_bytes = first.cert.read_bytes()
    second = ensure_certificate(tmp_path / "tls")

    assert second == first
    assert first.cert.read_bytes() == cert_bytes  # not rewritten
    der = ssl.PEM_cert_to_DER_cert(cert_bytes.decode())
    assert first.fingerprint == format_fingerprint(hashlib.sha256(der).digest())
    if os.name == "posix":
        assert first.key.stat().st_mode & 0o777 == 0o600
    assert not [p for p in first.cert.parent.iterdir() if p.suffix == ".tmp"]


def test_certificate_names_this_machine_and_uses_p256(tmp_path: Path) -> None:
    """SANs cover localhost, the hostname, both loopbacks and the LAN addresses; EC P-256."""
    files = ensure_certificate(tmp_path / "tls")
    cert = x509.load_pem_x509_certificate(files.cert.read_bytes())
    sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    dns = sans.get_values_for_type(x509.DNSName)
    ips = {str(ip) for ip in sans.get_values_for_type(x509.IPAddress)}
    assert "localhost" in dns
    if socket.gethostname().isascii():
        assert socket.gethostname() in dns
    assert {"127.0.0.1", "::1", *lan_addresses()} <= ips
    assert cert.public_key().curve.name == "secp256r1"  # type: ignore[union-attr]
    lifetime = cert.not_valid_after_utc - cert.not_valid_before_utc
    assert lifetime.days >= 3650


def test_certificate_is_replaced_when_its_key_is_lost(tmp_path: Path) -> None:
    """A certificate without its key is useless: a new pair is made, not a broken one served."""
    first = ensure_certificate(tmp_path / "tls")
    first.key.unlink()
    second = ensure_certificate(tmp_path / "tls")
    assert second.fingerprint != first.fingerprint
    assert ensure_certificate(tmp_path / "tls").fingerprint == second.fingerprint


def test_lan_addresses_are_reachable_ipv4_addresses() -> None:
    """Only IPv4 addresses other machines could use: no loopback, link-local or duplicates."""
    found = lan_addresses()
    assert len(found) == len(set(found))
    for address in found:
        ip = ipaddress.IPv4Address(address)
        assert not (ip.is_loopback or ip.is_link_local or ip.is_unspecified)


# --- the process ----------------------------------------------------------------------------------


async def test_server_answers_health_over_tls_with_its_own_certificate(
    local_server: LocalServer,
) -> None:
    """Port 0 gets a real port; /health verifies against the certificate file, hostname and all."""
    server = local_server
    assert server.running
    assert server.port != 0
    assert server.url == f"wss://127.0.0.1:{server.port}/ws"
    assert server.lan_urls == []  # bound to loopback: not reachable from the LAN
    assert server.certificate is not None
    assert server.fingerprint == ensure_certificate(server.data_dir / "tls").fingerprint

    assert (await _health(server))["status"] == "ok"


async def test_client_pinning_the_fingerprint_signs_up_and_sends(
    local_server: LocalServer, tmp_path: Path
) -> None:
    """How the app trusts its own server: accept_fingerprint, no prompt; without it, refused."""
    url, fingerprint = local_server.url, local_server.fingerprint
    async with make_client(url, "stranger", tmp_path) as stranger:
        with pytest.raises(UntrustedCertificate):
            await stranger.connect()

    async with (
        make_client(url, "alice", tmp_path, accept_fingerprint=fingerprint) as alice,
        make_client(url, "bob", tmp_path, accept_fingerprint=fingerprint) as bob,
    ):
        await alice.register(PASSWORD)
        await bob.register(PASSWORD)
        conversation = alice.conversation_with("bob")
        ack = await asyncio.wait_for(alice.send_message(conversation, "hello over wss"), 10)
        history = await bob.request(rq.History(id="", conversation=conversation))
        assert [(m.seq, m.sender, m.text) for m in history.messages] == [
            (ack.seq, "alice", "hello over wss")
        ]


async def test_second_server_on_the_same_port_fails_naming_the_port(
    local_server: LocalServer, tmp_path: Path
) -> None:
    """A taken port is reported in words the user can act on, and the first server keeps going."""
    other = LocalServer(tmp_path / "other", host="127.0.0.1", port=local_server.port)
    with pytest.raises(LocalServerError, match=rf"port {local_server.port} is already in use"):
        await other.start()
    assert not other.running
    assert local_server.running
    assert "already in use" in (tmp_path / "other" / "server.log").read_text()


async def test_stop_is_idempotent_and_the_process_is_gone(tmp_path: Path) -> None:
    """stop() ends the process cleanly (exit 0), frees the port and may be called again."""
    server = LocalServer(tmp_path / "app", host="127.0.0.1", port=0)
    await server.stop()  # before start: nothing to do
    await server.start()
    pid, port = server.pid, server.port
    assert pid is not None
    # The server prints its ready line a moment before it installs its SIGTERM handler;
    # a served request proves it is past that, so the exit code below is deterministic.
    await _health(server)

    await server.stop()
    await server.stop()

    assert not server.running
    assert server.pid is None
    assert server.returncode == 0
    assert _gone(pid)
    assert _port_is_free(port)


async def test_restart_keeps_the_certificate_and_the_accounts(tmp_path: Path) -> None:
    """The fingerprint clients pinned and the accounts they made survive a restart of the app."""
    server = LocalServer(tmp_path / "app", host="127.0.0.1", port=0)
    await server.start()
    fingerprint = server.fingerprint
    try:
        async with make_client(server.url, "alice", tmp_path, accept_fingerprint=fingerprint) as c:
            await c.register(PASSWORD)
        await server.stop()
        await server.start()
        assert server.fingerprint == fingerprint
        async with make_client(server.url, "alice", tmp_path, accept_fingerprint=fingerprint) as c:
            await c.login(PASSWORD)
    finally:
        await server.stop()


async def test_plain_server_without_tls(tmp_path: Path) -> None:
    """tls=False serves ws:// and has no fingerprint to pin."""
    async with LocalServer(tmp_path / "app", host="127.0.0.1", port=0, tls=False) as server:
        assert server.url == f"ws://127.0.0.1:{server.port}/ws"
        assert server.fingerprint is None
        async with make_client(server.url, "alice", tmp_path) as alice:
            await alice.register(PASSWORD)


async def test_lan_urls_list_every_lan_address_when_bound_to_all(tmp_path: Path) -> None:
    """Bound to 0.0.0.0, this machine still connects over loopback; the LAN gets its addresses."""
    async with LocalServer(tmp_path / "app", host="0.0.0.0", port=0) as server:
        assert server.url == f"wss://127.0.0.1:{server.port}/ws"
        assert server.lan_urls == [f"wss://{a}:{server.port}/ws" for a in lan_addresses()]


async def test_failure_before_listening_carries_the_servers_words(tmp_path: Path) -> None:
    """A server that exits at once (here a bad setting) raises with its own message."""
    server = LocalServer(tmp_path / "app", host="not a host name!", port=0)
    with pytest.raises(LocalServerError) as info:
        await server.start()
    assert "exit code" in str(info.value)
    assert str(server.log_path) in str(info.value)
    assert not server.running


@POSIX_ONLY
def test_server_shuts_down_when_the_app_dies(tmp_path: Path) -> None:
    """An app killed outright does not leave its server behind holding the port."""
    app = textwrap.dedent(
        f"""
        import asyncio, sys
        from pathlib import Path
        from messenger.localserver import LocalServer

        async def main():
            server = LocalServer(Path({str(tmp_path / "app")!r}), host="127.0.0.1", port=0)
            await server.start()
            print(server.pid, server.port, flush=True)
            await asyncio.sleep(3600)

        asyncio.run(main())
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", app], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        pid, port = map(int, proc.stdout.readline().split())
        assert not _gone(pid)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        asyncio.run(eventually(lambda: _gone(pid) and _port_is_free(port), within=15))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_the_package_imports_neither_qt_nor_the_server() -> None:
    """Qt-free like the client layers, and the app runs the server only as a separate process."""
    code = textwrap.dedent(
        """
        import importlib.abc, sys

        class Block(importlib.abc.MetaPathFinder):
            def find_spec(self, fullname, path=None, target=None):
                if fullname.split(".")[0] in {"PySide6", "shiboken6", "qasync"}:
                    raise ImportError(f"{fullname} is blocked")
                return None

        sys.meta_path.insert(0, Block())
        import messenger.localserver
        loaded = {name.split(".")[0] for name in sys.modules}
        assert "signaling_server" not in loaded, "the app must not import the server"
        print("ok")
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert (proc.returncode, proc.stdout.strip()) == (0, "ok"), proc.stderr


# --- the demo -----------------------------------------------------------------------------------


async def test_demo_accounts_are_contacts_with_a_greeting(
    local_server: LocalServer, tmp_path: Path
) -> None:
    """Two accounts that are accepted contacts, each signs in with its token, the chat has begun."""
    url, fingerprint = local_server.url, local_server.fingerprint
    accounts = await prepare_demo(url, fingerprint)

    assert [a.username for a in accounts] == ["alice", "bob"]
    assert len({a.password for a in accounts}) == 2
    alice, bob = accounts
    for me, other in ((alice, bob), (bob, alice)):
        async with make_client(url, me.username, tmp_path, accept_fingerprint=fingerprint) as c:
            await c.authenticate(me.token)
            contacts = await c.request(rq.ListContacts(id=""))
            assert [(k.username, k.state) for k in contacts.contacts] == [
                (other.username, "accepted")
            ]
            history = await c.request(
                rq.History(id="", conversation=c.conversation_with(other.username))
            )
            assert [(m.sender, m.text) for m in history.messages] == [("alice", GREETING)]
    async with make_client(url, "bob", tmp_path / "again", accept_fingerprint=fingerprint) as c:
        await c.login(bob.password)  # the password works as well as the token


async def test_demo_on_a_used_server_says_why(local_server: LocalServer) -> None:
    """Running the demo twice against one server fails with the server's reason, not a hang."""
    await prepare_demo(local_server.url, local_server.fingerprint, names=("carol", "dave"))
    with pytest.raises(DemoError, match="carol"):
        await prepare_demo(local_server.url, local_server.fingerprint, names=("carol", "dave"))
