"""Start on login: the desktop's own login item is written, read back and removed."""

from __future__ import annotations

import plistlib
import shlex
from pathlib import Path

import pytest

from messenger.account import autostart
from messenger.resources import APP_ID


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    return tmp_path


def test_freedesktop_login_item_round_trip(home: Path) -> None:
    command = ["/opt/My Apps/messenger", "--data-dir", "/home/me/it's $HOME"]
    assert not autostart.is_enabled(home=home, platform="linux")
    autostart.set_enabled(True, command, home=home, platform="linux")
    entry = home / ".config" / "autostart" / f"{APP_ID}.desktop"
    assert autostart.is_enabled(home=home, platform="linux")
    lines = dict(line.split("=", 1) for line in entry.read_text().splitlines() if "=" in line)
    assert lines["Type"] == "Application"
    # What a session manager runs: the same arguments, spaces and specials intact.
    exec_line = lines["Exec"].replace("\\$", "$").replace("\\\\", "\\")
    assert shlex.split(exec_line) == command
    autostart.set_enabled(False, command, home=home, platform="linux")
    assert not entry.exists()
    autostart.set_enabled(False, command, home=home, platform="linux")  # already off: fine


def test_xdg_config_home_is_honoured(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "cfg"))
    autostart.set_enabled(True, ["messenger"], home=home, platform="linux")
    assert (home / "cfg" / "autostart" / f"{APP_ID}.desktop").exists()


def test_macos_launch_agent(home: Path) -> None:
    autostart.set_enabled(
        True, ["/Applications/Messenger.app/Contents/MacOS/messenger"], home=home, platform="darwin"
    )
    agent = plistlib.loads((home / "Library" / "LaunchAgents" / f"{APP_ID}.plist").read_bytes())
    assert agent["RunAtLoad"] is True
    assert agent["ProgramArguments"] == ["/Applications/Messenger.app/Contents/MacOS/messenger"]
    assert autostart.is_enabled(home=home, platform="darwin")
    autostart.set_enabled(False, home=home, platform="darwin")
    assert not autostart.is_enabled(home=home, platform="darwin")


def test_an_unwritable_config_dir_is_an_error_not_a_crash(home: Path) -> None:
    (home / ".config").write_text("a file where the directory should be")
    with pytest.raises(OSError):
        autostart.set_enabled(True, ["messenger"], home=home, platform="linux")
