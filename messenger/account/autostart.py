"""Start the app when the user logs in: the desktop's own mechanism on each platform.

- Linux and other freedesktop desktops: an entry in ``$XDG_CONFIG_HOME/autostart`` (the XDG
  Autostart specification), which GNOME, KDE, Xfce and the rest all read.
- Windows: a value under ``HKEY_CURRENT_USER\\...\\CurrentVersion\\Run``.
- macOS: a LaunchAgent property list in ``~/Library/LaunchAgents`` with ``RunAtLoad``.

Nothing here needs Qt or privileges: it only writes (or removes) the user's own files.
"""

from __future__ import annotations

import contextlib
import os
import plistlib
import shutil
import sys
from pathlib import Path

from messenger.resources import APP_ID

RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"
RUN_VALUE = "Messenger"


def launch_command() -> list[str]:
    """How this installation of the app is started: the bundle's executable, the installed
    ``messenger`` script, or this interpreter running the package."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    script = shutil.which("messenger")
    if script is not None:
        return [script]
    return [sys.executable, "-m", "messenger"]


def _desktop_quote(arg: str) -> str:
    # The desktop entry Exec key's quoting rules: reserved characters need double quotes,
    # and inside them ", `, $ and \ take a backslash.
    if arg and not any(ch in arg for ch in " \t\n\"'\\><~|&;$*?#()`="):
        return arg
    escaped = "".join("\\" + ch if ch in '"`$\\' else ch for ch in arg)
    return f'"{escaped}"'


def _xdg_entry(home: Path) -> Path:
    config = os.environ.get("XDG_CONFIG_HOME") or str(home / ".config")
    return Path(config) / "autostart" / f"{APP_ID}.desktop"


def _launch_agent(home: Path) -> Path:
    return home / "Library" / "LaunchAgents" / f"{APP_ID}.plist"


def is_enabled(*, home: Path | None = None, platform: str = sys.platform) -> bool:
    home = home or Path.home()
    if platform == "win32":
        return _windows_enabled()
    if platform == "darwin":
        return _launch_agent(home).exists()
    return _xdg_entry(home).exists()


def set_enabled(
    enabled: bool,
    command: list[str] | None = None,
    *,
    home: Path | None = None,
    platform: str = sys.platform,
) -> None:
    """Start ``command`` (default: this installation) at login, or stop doing so.

    Raises ``OSError`` when the file or registry value cannot be written.
    """
    home = home or Path.home()
    command = command or launch_command()
    if platform == "win32":
        _set_windows(enabled, command)
    elif platform == "darwin":
        _set_file(_launch_agent(home), enabled, _plist(command))
    else:
        _set_file(_xdg_entry(home), enabled, _desktop_entry(command).encode())


def _set_file(path: Path, enabled: bool, content: bytes) -> None:
    if not enabled:
        path.unlink(missing_ok=True)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".tmp")
    partial.write_bytes(content)
    partial.replace(path)  # never a half-written entry for the session manager to choke on


def _desktop_entry(command: list[str]) -> str:
    return (
        "[Desktop Entry]\n"
        "Type=Application\n"
        "Name=Messenger\n"
        "Comment=Chat, send files and call your contacts\n"
        f"Exec={' '.join(_desktop_quote(arg) for arg in command)}\n"
        f"Icon={APP_ID}\n"
        "Terminal=false\n"
        "X-GNOME-Autostart-enabled=true\n"
    )


def _plist(command: list[str]) -> bytes:
    return plistlib.dumps(
        {
            "Label": APP_ID,
            "ProgramArguments": command,
            "RunAtLoad": True,
            "ProcessType": "Interactive",
        }
    )


if sys.platform == "win32":
    import subprocess
    import winreg

    def _windows_enabled() -> bool:
        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN_KEY) as key:
                winreg.QueryValueEx(key, RUN_VALUE)
        except OSError:
            return False
        return True

    def _set_windows(enabled: bool, command: list[str]) -> None:
        with winreg.CreateKey(winreg.HKEY_CURRENT_USER, RUN_KEY) as key:
            if not enabled:
                with contextlib.suppress(FileNotFoundError):
                    winreg.DeleteValue(key, RUN_VALUE)
                return
            line = subprocess.list2cmdline(command)
            winreg.SetValueEx(key, RUN_VALUE, 0, winreg.REG_SZ, line)

else:

    def _windows_enabled() -> bool:
        raise OSError("the Windows registry exists only on Windows")

    def _set_windows(enabled: bool, command: list[str]) -> None:
        raise OSError("the Windows registry exists only on Windows")
