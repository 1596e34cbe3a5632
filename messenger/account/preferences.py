"""The app's settings: a small JSON file in the data directory, validated on load.

Settings are not secrets (those go to the keyring), so a plain file is right.
A file that is unreadable or holds a bad value is not fatal: the bad part falls
back to its default and the problem is reported, so a hand edit never locks a
user out of the app.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Literal

import msgspec

log = logging.getLogger(__name__)

Theme = Literal["system", "light", "dark"]
ServerMode = Literal["embedded", "remote"]
Minutes = Annotated[int, msgspec.Meta(ge=1, le=240)]
Port = Annotated[int, msgspec.Meta(ge=1, le=65535)]


class Preferences(msgspec.Struct, kw_only=True):
    # Notifications
    notifications: bool = True
    notification_preview: bool = True
    notification_sound: bool = True
    # Presence
    auto_away: bool = True
    auto_away_minutes: Minutes = 5
    # Look and window behaviour
    theme: Theme = "system"
    start_minimized: bool = False
    close_to_tray: bool = True
    # Mirrors the login item (``messenger.account.autostart``), which is the truth: the user
    # may remove it with the desktop's own tools.
    start_on_login: bool = False
    # Where to sign in: the server this computer runs, or a remote one
    server_mode: ServerMode = "embedded"
    server_url: str = ""
    embedded_port: Port = 8765
    last_username: str = ""
    remember: bool = True
    # Devices (chosen in the calls settings page); "" means the system default
    audio_input: str = ""
    audio_output: str = ""
    camera: str = ""
    # Calls: clean the microphone of the speaker's echo and of steady background noise
    echo_cancellation: bool = True


def load(path: Path) -> tuple[Preferences, str | None]:
    """The saved preferences and, if some could not be used, a sentence saying so."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Preferences(), None
    except OSError as exc:
        return Preferences(), f"could not read the settings file {path}: {exc}"
    try:
        return msgspec.json.decode(raw, type=Preferences), None
    except msgspec.DecodeError as exc:
        problem = f"some settings in {path} were not valid and were reset ({exc})"
    # Keep every field that is still valid on its own; reset only the bad ones.
    prefs = Preferences()
    try:
        data = msgspec.json.decode(raw)
    except msgspec.DecodeError:
        return prefs, problem
    if isinstance(data, dict):
        for field in msgspec.structs.fields(Preferences):
            if field.name not in data:
                continue
            try:
                candidate = msgspec.convert(
                    {**msgspec.to_builtins(prefs), field.name: data[field.name]}, Preferences
                )
            except msgspec.ValidationError:
                continue
            prefs = candidate
    return prefs, problem


def save(path: Path, prefs: Preferences) -> None:
    """Write-then-rename, so a crash never leaves a half-written settings file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(msgspec.json.format(msgspec.json.encode(prefs), indent=2))
    tmp.replace(path)
