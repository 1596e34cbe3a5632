"""Certificate fingerprints the user accepted, per server (like SSH's known_hosts).

Fingerprints are public data, so a plain JSON file in the data dir is the right
place; secrets never go here.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

_FP = re.compile(r"^[0-9A-F]{64}$")


def normalize_fingerprint(raw: str) -> str:
    """``AB:CD:...`` (upper-case, colon-separated) from any common spelling; ValueError if bad."""
    hexdigits = re.sub(r"[\s:]", "", raw).upper()
    if not _FP.fullmatch(hexdigits):
        raise ValueError(f"not a SHA-256 fingerprint: {raw!r}")
    return ":".join(hexdigits[i : i + 2] for i in range(0, 64, 2))


def fingerprint_bytes(fingerprint: str) -> bytes:
    return bytes.fromhex(normalize_fingerprint(fingerprint).replace(":", ""))


class KnownServers:
    def __init__(self, path: Path) -> None:
        self.path = path

    def _load(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        servers = data.get("servers", {}) if isinstance(data, dict) else {}
        return {str(k): str(v) for k, v in servers.items()}

    def get(self, server: str) -> str | None:
        return self._load().get(server)

    def pin(self, server: str, fingerprint: str) -> None:
        servers = self._load()
        servers[server] = normalize_fingerprint(fingerprint)
        self._save(servers)

    def forget(self, server: str) -> None:
        servers = self._load()
        if servers.pop(server, None) is not None:
            self._save(servers)

    def _save(self, servers: dict[str, str]) -> None:
        # Write-then-rename, so a crash never leaves a half-written file that
        # would make every pinned server look unknown.
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(
            json.dumps({"version": 1, "servers": servers}, indent=2, sort_keys=True),
            encoding="utf-8",
        )
        tmp.replace(self.path)
