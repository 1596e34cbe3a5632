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
from typing import Annotated, Any, Literal

import msgspec

from messenger.protocol.limits import Limits

ENV_PREFIX = "MESSENGER_"

# RFC 7065 (turn:, turns:) and RFC 7064 (stun:, stuns:) URIs, checked loosely: the scheme
# catches a URL pasted into the wrong list, the rest is the TURN/STUN client's business.
TurnUrl = Annotated[str, msgspec.Meta(pattern=r"^turns?:\S+$")]
StunUrl = Annotated[str, msgspec.Meta(pattern=r"^stuns?:\S+$")]


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


class CallSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    # An unanswered call ends as missed after this long.
    ring_timeout_seconds: Annotated[float, msgspec.Meta(gt=0)] = 45.0
    # An answered call whose party lost its connection ends as lost unless that same
    # session reconnects within this time (media flows peer to peer meanwhile).
    reconnect_grace_seconds: Annotated[float, msgspec.Meta(ge=0)] = 20.0


class TurnSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    # TURN servers (turn:/turns: URIs) sharing ``secret`` with this server (coturn's
    # use-auth-secret): clients get credentials valid for ``ttl_seconds``, never the secret.
    urls: list[TurnUrl] = []
    secret: str = ""
    ttl_seconds: Annotated[int, msgspec.Meta(gt=0)] = 3600
    stun_urls: list[StunUrl] = []

    def __post_init__(self) -> None:
        # TURN servers with no secret would be handed out with credentials they refuse.
        if self.urls and not self.secret:
            raise ValueError("turn.urls are set but turn.secret is empty")


class FileSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    max_file_bytes: Annotated[int, msgspec.Meta(ge=0)] = 2 * 1024**3
    # Per user: every file they uploaded counts at full size, unfinished uploads included.
    user_quota_bytes: Annotated[int, msgspec.Meta(ge=0)] = 10 * 1024**3
    # Unfinished uploads a user may have at once (each reserves its size in the quota).
    max_pending_uploads: Annotated[int, msgspec.Meta(ge=1)] = 20
    # An unfinished upload untouched this long is abandoned; so is a finished one that no
    # message carries (never sent, or every message with it deleted) this long after it ended.
    upload_expiry_seconds: Annotated[float, msgspec.Meta(gt=0)] = 86400.0
    cleanup_interval_seconds: Annotated[float, msgspec.Meta(gt=0)] = 600.0
    # Empty: <data_dir>/files.
    storage_dir: str = ""


class Settings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    server: ServerSettings = ServerSettings()
    tls: TlsSettings = TlsSettings()
    database: DatabaseSettings = DatabaseSettings()
    auth: AuthSettings = AuthSettings()
    limits: Limits = Limits()
    calls: CallSettings = CallSettings()
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
