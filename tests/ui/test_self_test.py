"""``messenger --self-test`` passes on this machine (no display, keyring, tray, camera or
microphone) and names what is missing when something is."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from messenger.ui import self_test


@pytest.mark.timeout(180)
def test_self_test_passes_here_and_reports_every_check() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "xcb"}  # the self-test goes offscreen by itself
    env.pop("DISPLAY", None)
    done = subprocess.run(
        [sys.executable, "-m", "messenger", "--self-test"],
        capture_output=True,
        text=True,
        timeout=170,
        env=env,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[-1] == "self-test passed"
    assert sum(line.startswith("ok    ") for line in lines) == 5, lines
    assert any("a video call" in line for line in lines)


def test_a_missing_codec_fails_the_self_test_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(self_test, "CODECS", (*self_test.CODECS, ("no-such-codec", "w")))
    assert self_test.codecs() == "FFmpeg codecs missing: no-such-codec (encoder)"
