"""The server the desktop app runs on this computer, and the ``--demo`` accounts on it.

Qt-free: the app drives it from its asyncio loop, tests and scripts use it directly.
"""

from __future__ import annotations

from messenger.localserver.addresses import lan_addresses
from messenger.localserver.certificate import CertificateFiles, ensure_certificate
from messenger.localserver.demo import DemoAccount, DemoError, prepare_demo
from messenger.localserver.process import LocalServer, LocalServerError

__all__ = [
    "CertificateFiles",
    "DemoAccount",
    "DemoError",
    "LocalServer",
    "LocalServerError",
    "ensure_certificate",
    "lan_addresses",
    "prepare_demo",
]
