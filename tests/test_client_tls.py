"""TLS with a self-signed certificate: refuse, show the fingerprint, pin it, notice a change."""

from __future__ import annotations

import hashlib
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from messenger.client import CertificateChanged, KnownServers, UntrustedCertificate
from messenger.client.tls import format_fingerprint
from tests.clientkit import PASSWORD, make_client
from tests.serverproc import ServerProcess


def make_certificate(directory: Path) -> str:
    """A fresh self-signed certificate for 127.0.0.1; returns its SHA-256 fingerprint."""
    directory.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", str(directory / "key.pem"), "-out", str(directory / "cert.pem"),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    der = ssl.PEM_cert_to_DER_cert((directory / "cert.pem").read_text())
    return format_fingerprint(hashlib.sha256(der).digest())


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[ServerProcess, str]]:
    certs = tmp_path / "certs"
    fingerprint = make_certificate(certs)
    config = tmp_path / "server.toml"
    config.write_text(
        f'[tls]\ncert_file = "{certs / "cert.pem"}"\nkey_file = "{certs / "key.pem"}"\n'
    )
    proc = ServerProcess(tmp_path / "server", config=config)
    proc.start()
    yield proc, fingerprint
    proc.stop()


async def test_self_signed_certificate_is_refused_then_pinned_then_change_detected(
    tls_server: tuple[ServerProcess, str], tmp_path: Path
) -> None:
    """The user sees the real fingerprint, accepting it works, and a swapped cert is refused."""
    server, fingerprint = tls_server
    assert server.url.startswith("wss://")
    known = KnownServers(tmp_path / "known_servers.json")

    async with make_client(server.url, "alice", tmp_path, known_servers=known) as first:
        with pytest.raises(UntrustedCertificate) as info:
            await first.connect()
    assert info.value.fingerprint == fingerprint
    assert known.get(first.server) is None

    async with make_client(
        server.url, "alice", tmp_path, known_servers=known, accept_fingerprint=fingerprint
    ) as accepted:
        await accepted.register(PASSWORD)
    assert known.get(accepted.server) == fingerprint

    async with make_client(server.url, "alice", tmp_path, known_servers=known) as later:
        await later.login(PASSWORD)  # pinned: no prompt this time

    make_certificate(server.data_dir.parent / "certs")  # the operator (or an attacker) swaps it
    server.restart()
    async with make_client(server.url, "alice", tmp_path, known_servers=known) as changed:
        with pytest.raises(CertificateChanged) as changed_info:
            await changed.connect()
    assert changed_info.value.expected == fingerprint
    assert changed_info.value.actual != fingerprint
