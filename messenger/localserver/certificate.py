"""The embedded server's self-signed TLS certificate: made once, then reused for good.

Clients on this machine and on the LAN trust the server by pinning the
certificate's SHA-256 fingerprint (see ``messenger.client.tls``), so the
fingerprint must stay the same across restarts: the certificate is created on
first use and reused on every later call, even after the LAN addresses in its
names have changed (pinned clients do not check names, only the fingerprint).
It is replaced only when the files are missing, unreadable or do not belong
together.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import ipaddress
import os
import socket
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from messenger.client.known_servers import normalize_fingerprint
from messenger.localserver.addresses import lan_addresses

CERT_NAME = "cert.pem"
KEY_NAME = "key.pem"
VALIDITY = datetime.timedelta(days=3650)
# Backdated a little, so a peer whose clock runs slightly behind ours accepts it.
CLOCK_SKEW = datetime.timedelta(days=1)


@dataclass(frozen=True)
class CertificateFiles:
    cert: Path
    key: Path
    fingerprint: str  # SHA-256 of the DER certificate, ``AB:CD:...``


def fingerprint_of(cert: x509.Certificate) -> str:
    der = cert.public_bytes(serialization.Encoding.DER)
    return normalize_fingerprint(hashlib.sha256(der).hexdigest())


def ensure_certificate(directory: Path) -> CertificateFiles:
    """The certificate and key in ``directory``, created on the first call.

    Blocking (file I/O, and the first call generates a key and looks up the LAN
    addresses): run it with ``asyncio.to_thread`` from the event loop.
    """
    cert_path, key_path = directory / CERT_NAME, directory / KEY_NAME
    existing = _load(cert_path, key_path)
    if existing is not None:
        if os.name == "posix" and key_path.stat().st_mode & 0o077:
            key_path.chmod(0o600)  # someone loosened it: the key is a secret
        return CertificateFiles(cert_path, key_path, fingerprint_of(existing))
    directory.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _self_signed(key, socket.gethostname(), lan_addresses())
    # Key first: a crash between the two writes leaves a key that does not match the
    # old certificate (or no certificate), which ``_load`` rejects, so the next call
    # starts over instead of serving a certificate with the wrong key.
    _write_atomically(
        key_path,
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
        mode=0o600,
    )
    _write_atomically(cert_path, cert.public_bytes(serialization.Encoding.PEM), mode=0o644)
    return CertificateFiles(cert_path, key_path, fingerprint_of(cert))


def _load(cert_path: Path, key_path: Path) -> x509.Certificate | None:
    """The stored certificate if it and its key are readable and belong together."""
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError):
        return None
    if key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ) != cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ):
        return None
    return cert


def _dns_names(hostname: str) -> list[str]:
    names = ["localhost"]
    # A hostname that is not plain ASCII cannot be a DNS SAN as is; the IP SANs and
    # the pinned fingerprint still work without it.
    if hostname and hostname.isascii() and hostname.lower() != "localhost":
        names.append(hostname)
    return names


def _self_signed(
    key: ec.EllipticCurvePrivateKey, hostname: str, addresses: list[str]
) -> x509.Certificate:
    # The common name is limited to 64 characters; the SANs are what clients match.
    common_name = (hostname or "localhost")[:64]
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    ips: list[ipaddress.IPv4Address | ipaddress.IPv6Address] = [
        ipaddress.IPv4Address("127.0.0.1"),
        ipaddress.IPv6Address("::1"),
    ]
    ips += [ipaddress.IPv4Address(a) for a in addresses if ipaddress.IPv4Address(a) not in ips]
    sans: list[x509.GeneralName] = [x509.DNSName(n) for n in _dns_names(hostname)]
    sans += [x509.IPAddress(ip) for ip in ips]
    now = datetime.datetime.now(datetime.UTC)
    public = key.public_key()
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - CLOCK_SKEW)
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        # A leaf, not a CA: whoever trusts this certificate trusts this server only.
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        # Key identifiers: strict verifiers (Python 3.13's default context) want them.
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )


def _write_atomically(path: Path, data: bytes, *, mode: int) -> None:
    """Write to a temporary file beside ``path``, flush it to disk, then rename it over.

    The temporary file is created with ``mode`` from the start, so the private key
    is never readable by others, not even for a moment.
    """
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as file:
            tmp.chmod(mode)  # mkstemp makes it 0600; widen it for the certificate
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        tmp.replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
