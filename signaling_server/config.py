"""Server settings: defaults, overridden by a TOML file, overridden by the environment.

Environment variables are ``MESSENGER_<SECTION>__<KEY>`` (double underscore between
section and key), e.g. ``MESSENGER_LIMITS__MAX_TEXT_CHARS=4000``. Values are
parsed as TOML scalars when possible, so numbers and booleans work unquoted.
Everything is validated with msgspec; a bad setting stops the server with a
message that names it.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import msgspec

from messenger.protocol.limits import Limits

ENV_PREFIX = "MESSENGER_"


class ServerSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    host: str = "127.0.0.1"
    port: int = 8765
    data_dir: str = ""
    public_name: str = "messenger-server"
    shutdown_grace_seconds: float = 5.0
    log_level: str = "INFO"
    log_format: Literal["json", "text"] = "json"


class TlsSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    cert_file: str = ""
    key_file: str = ""

    @property
    def enabled(self) -> bool:
        return bool(self.cert_file and self.key_file)


class DatabaseSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    # Empty means SQLite at <data_dir>/messenger.sqlite3.
    url: str = ""
    # FULL: every acknowledged message survives a power loss (fsync per commit,
    # amortised by group commit). NORMAL: survives a crash or SIGKILL of the
    # server, but the last commits may be lost on power loss.
    sqlite_synchronous: Literal["full", "normal"] = "full"
    # Upper bound on write operations folded into one transaction.
    max_batch: int = 512


class AuthSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    session_days: float = 30.0
    # Argon2id parameters; the defaults are the OWASP minimum (19 MiB, t=2, p=1).
    argon2_memory_kib: int = 19456
    argon2_time_cost: int = 2
    argon2_parallelism: int = 1
    # Failed-login throttling: this many failures inside the window locks the
    # account name (or the client address) for a back-off that doubles per failure.
    login_failures_per_account: int = 5
    login_failures_per_address: int = 20
    login_window_seconds: float = 300.0
    login_lockout_max_seconds: float = 900.0
    # How often revoked/expired sessions are looked for on open connections.
    revocation_check_seconds: float = 2.0


class TurnSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    # Used by call signaling (coturn REST shared-secret scheme).
    urls: list[str] = []
    shared_secret: str = ""
    credential_ttl_seconds: int = 3600
    stun_urls: list[str] = []


class FileSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    max_file_bytes: int = 2 * 1024**3
    user_quota_bytes: int = 10 * 1024**3


class Settings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    server: ServerSettings = ServerSettings()
    tls: TlsSettings = TlsSettings()
    database: DatabaseSettings = DatabaseSettings()
    auth: AuthSettings = AuthSettings()
    limits: Limits = Limits()
    turn: TurnSettings = TurnSettings()
    files: FileSettings = FileSettings()


class ConfigError(Exception):
    """A setting that cannot be used; the message names it."""


def _env_value(raw: str) -> Any:
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw


def _apply_env(data: dict[str, Any], environ: Mapping[str, str]) -> None:
    for key, raw in environ.items():
        if not key.startswith(ENV_PREFIX) or "__" not in key:
            continue
        section, _, name = key[len(ENV_PREFIX) :].lower().partition("__")
        if not section or not name:
            continue
        data.setdefault(section, {})[name] = _env_value(raw)


def _reject_unknown_keys(data: dict[str, Any]) -> None:
    # Limits is a protocol Struct that tolerates unknown fields (clients must), so a
    # typo in its section would pass silently; check every section's keys here.
    sections = {f.name: f.type for f in msgspec.structs.fields(Settings)}
    for section, values in data.items():
        if section not in sections:
            raise ConfigError(f"unknown config section [{section}]")
        if not isinstance(values, dict):
            raise ConfigError(f"config section [{section}] must be a table")
        known = {f.name for f in msgspec.structs.fields(sections[section])}
        for key in values:
            if key not in known:
                raise ConfigError(f"unknown setting {section}.{key}")


def load_settings(
    config_file: Path | None = None,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Defaults < TOML file < environment < explicit overrides (command-line flags)."""
    data: dict[str, Any] = {}
    if config_file is not None:
        try:
            data = tomllib.loads(config_file.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"cannot read config file {config_file}: {exc.strerror}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {config_file} is not valid TOML: {exc}") from None
    _apply_env(data, os.environ if environ is None else environ)
    for section, values in (overrides or {}).items():
        data.setdefault(section, {}).update(values)
    _reject_unknown_keys(data)
    try:
        return msgspec.convert(data, Settings, strict=False)
    except msgspec.ValidationError as exc:
        raise ConfigError(f"invalid setting: {exc}") from None
