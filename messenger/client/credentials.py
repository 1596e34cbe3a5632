"""Passwords and session tokens: the OS keyring, or memory when there is none.

Secrets never go to plain files. On a machine with no working keyring backend
(a headless server, a container) they live in this process only, and
``problem`` says why, so the UI or CLI can tell the user they will be asked
again next time.
"""

from __future__ import annotations

import logging

import keyring
import keyring.errors
from keyring.backends import fail

log = logging.getLogger(__name__)

SERVICE_PREFIX = "messenger"


def keyring_problem() -> str | None:
    """Why the OS keyring cannot hold our secrets, or None when it can."""
    try:
        backend = keyring.get_keyring()
    except Exception as exc:  # a broken keyring config must not stop the client
        return f"the OS keyring failed to load: {exc}"
    if isinstance(backend, fail.Keyring):
        return "no OS keyring backend is available"
    return None


class Credentials:
    """The secrets of one account on one server."""

    def __init__(self, server: str, username: str, *, use_keyring: bool = True) -> None:
        self._service = f"{SERVICE_PREFIX}:{server}"
        self._username = username.lower()
        self._memory: dict[str, str] = {}
        self.problem: str | None = keyring_problem() if use_keyring else "keyring disabled"

    @property
    def persistent(self) -> bool:
        return self.problem is None

    def _key(self, kind: str) -> str:
        return self._username if kind == "password" else f"{self._username}#{kind}"

    def _get(self, kind: str) -> str | None:
        if kind in self._memory:
            return self._memory[kind]
        if not self.persistent:
            return None
        try:
            return keyring.get_password(self._service, self._key(kind))
        except keyring.errors.KeyringError as exc:
            self._lost_keyring(exc)
            return None

    def _set(self, kind: str, value: str) -> None:
        self._memory[kind] = value
        if not self.persistent:
            return
        try:
            keyring.set_password(self._service, self._key(kind), value)
        except keyring.errors.KeyringError as exc:
            self._lost_keyring(exc)

    def _delete(self, kind: str) -> None:
        self._memory.pop(kind, None)
        if not self.persistent:
            return
        try:
            keyring.delete_password(self._service, self._key(kind))
        except keyring.errors.PasswordDeleteError:
            pass  # nothing stored: already gone
        except keyring.errors.KeyringError as exc:
            self._lost_keyring(exc)

    def _lost_keyring(self, exc: Exception) -> None:
        self.problem = f"the OS keyring failed: {exc}"
        log.warning("%s; keeping secrets in memory only", self.problem)

    def password(self) -> str | None:
        return self._get("password")

    def set_password(self, password: str) -> None:
        self._set("password", password)

    def token(self) -> str | None:
        return self._get("token")

    def set_token(self, token: str) -> None:
        self._set("token", token)

    def forget_token(self) -> None:
        self._delete("token")

    def forget(self) -> None:
        self._delete("token")
        self._delete("password")
