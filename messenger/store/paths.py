"""Where a client keeps its local data: one directory per (server, account).

Everything here is public or user data (history cache, outbox, pinned
certificate fingerprints). Secrets never land under these paths; they go to the
OS keyring (see ``messenger.client.credentials``).
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import platformdirs

APP_NAME = "messenger"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def data_dir() -> Path:
    """The platform's per-user data directory (``XDG_DATA_HOME`` moves it on Linux)."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def server_key(url: str) -> str:
    """``host:port`` of a ws/wss URL, with the scheme's default port filled in.

    The key names a server everywhere locally (profiles, pinned certificates),
    so ``wss://h/ws`` and ``wss://h:443/ws`` must be the same server.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("ws", "wss") or not parts.hostname:
        raise ValueError(f"not a ws:// or wss:// URL: {url!r}")
    port = parts.port or (443 if parts.scheme == "wss" else 80)
    host = parts.hostname.lower()
    if ":" in host:  # IPv6 literal: keep it readable and unambiguous
        host = f"[{host}]"
    return f"{host}:{port}"


def _safe(component: str) -> str:
    # Host names and usernames are already tame; this only keeps ':' and IPv6
    # brackets out of file names (':' is not allowed on Windows).
    return _UNSAFE.sub("_", component)


def profile_dir(url: str, username: str, root: Path | None = None) -> Path:
    """``<data>/profiles/<host_port>/<username>``: one account on one server."""
    base = root if root is not None else data_dir()
    return base / "profiles" / _safe(server_key(url)) / _safe(username.lower())


def store_path(url: str, username: str, root: Path | None = None) -> Path:
    return profile_dir(url, username, root) / "store.sqlite3"
