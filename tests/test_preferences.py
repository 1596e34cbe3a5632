"""The settings file: defaults, round trips, and surviving bad hand edits."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec

from messenger.account.preferences import Preferences, load, save


def test_missing_file_gives_defaults_without_complaint(tmp_path: Path) -> None:
    """A first run has no settings file: defaults (embedded server, system theme), no problem."""
    prefs, problem = load(tmp_path / "settings.json")
    assert prefs == Preferences()
    assert prefs.server_mode == "embedded" and prefs.theme == "system"
    assert problem is None


def test_saved_preferences_load_back(tmp_path: Path) -> None:
    """What the settings dialog saves is what the next start loads."""
    path = tmp_path / "sub" / "settings.json"
    changed = msgspec.structs.replace(
        Preferences(), theme="dark", auto_away_minutes=42, server_mode="remote", camera="ab12"
    )
    save(path, changed)
    assert load(path) == (changed, None)
    assert [p.name for p in path.parent.iterdir()] == ["settings.json"]  # no temp file left


def test_one_bad_value_resets_only_itself(tmp_path: Path) -> None:
    """A hand-edited out-of-range value falls back to its default; the other settings stay."""
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"theme": "dark", "auto_away_minutes": 0, "sound": "loud"}))
    prefs, problem = load(path)
    assert prefs.theme == "dark"
    assert prefs.auto_away_minutes == Preferences().auto_away_minutes
    assert problem is not None and str(path) in problem


def test_wrong_type_resets_that_field(tmp_path: Path) -> None:
    """A setting of the wrong type (a string for a switch) is reset and reported."""
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"notifications": "yes", "start_minimized": True}))
    prefs, problem = load(path)
    assert prefs.notifications is True and prefs.start_minimized is True
    assert problem is not None


def test_garbage_file_gives_defaults_and_a_sentence(tmp_path: Path) -> None:
    """A file that is not JSON at all (or not an object) still lets the app start."""
    path = tmp_path / "settings.json"
    for content in (b"\x00\xff not json", b"[1, 2, 3]", b"null"):
        path.write_bytes(content)
        prefs, problem = load(path)
        assert prefs == Preferences()
        assert problem is not None and "settings" in problem


def test_unreadable_path_is_reported(tmp_path: Path) -> None:
    """A settings path that cannot be read (a directory) gives defaults and says why."""
    path = tmp_path / "settings.json"
    path.mkdir()
    prefs, problem = load(path)
    assert prefs == Preferences()
    assert problem is not None and "could not read" in problem
