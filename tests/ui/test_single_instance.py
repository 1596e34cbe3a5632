"""Starting the app again with the same data directory raises the running one instead."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pytestqt.qtbot import QtBot

from messenger.ui.single_instance import SingleInstance


def test_a_second_start_knocks_and_the_first_is_raised(qtbot: QtBot, tmp_path: Path) -> None:
    first = SingleInstance(tmp_path / "profile")
    assert first.claim()
    try:
        with qtbot.waitSignal(first.activated, timeout=5000):
            # Another process, as a second launch from the menu would be.
            code = subprocess.run(
                [sys.executable, "-c", _SECOND_START, str(tmp_path / "profile")],
                capture_output=True,
                text=True,
                timeout=30,
            )
        assert code.stdout.strip() == "False", code.stderr
    finally:
        first.release()


def test_other_profiles_and_a_released_profile_run_freely(tmp_path: Path) -> None:
    first = SingleInstance(tmp_path / "a")
    other = SingleInstance(tmp_path / "b")
    assert first.claim() and other.claim()
    first.release()
    again = SingleInstance(tmp_path / "a")
    assert again.claim()
    again.release()
    other.release()


def test_a_crashed_instance_does_not_lock_the_profile_out(tmp_path: Path) -> None:
    profile = tmp_path / "profile"
    # A process that takes the instance, then dies without releasing it.
    crashed = subprocess.run(
        [sys.executable, "-c", _CLAIM_AND_DIE, str(profile)], capture_output=True, timeout=30
    )
    assert crashed.returncode == 9, crashed.stderr
    assert (profile / "instance.lock").exists()
    instance = SingleInstance(profile)
    assert instance.claim()
    instance.release()


_SECOND_START = """
import sys
from pathlib import Path
from PySide6.QtCore import QCoreApplication
from messenger.ui.single_instance import SingleInstance
app = QCoreApplication([])
print(SingleInstance(Path(sys.argv[1])).claim())
"""

_CLAIM_AND_DIE = """
import os, sys
from pathlib import Path
from PySide6.QtCore import QCoreApplication
from messenger.ui.single_instance import SingleInstance
app = QCoreApplication([])
instance = SingleInstance(Path(sys.argv[1]))
assert instance.claim()
os._exit(9)
"""
