"""Help -> About names the version, the licence and what is bundled, with versions."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from messenger import __version__
from messenger.resources import resource_path
from messenger.ui.about_dialog import AboutDialog


def test_about_lists_the_bundled_components_with_their_versions(qtbot: QtBot) -> None:
    dialog = AboutDialog()
    qtbot.addWidget(dialog)

    def cell(row: int, column: int) -> str:
        item = dialog.table.item(row, column)
        assert item is not None
        return item.text()

    rows = {cell(row, 0): (cell(row, 1), cell(row, 2)) for row in range(dialog.table.rowCount())}
    for name in ("Qt", "Qt for Python (PySide6)", "aiortc", "PyAV (FFmpeg, x264, libvpx, Opus)"):
        version, licence = rows[name]
        assert version[0].isdigit(), (name, version)
        assert licence
    assert "GPL" in rows["PyAV (FFmpeg, x264, libvpx, Opus)"][1]
    assert __version__ in dialog.title.text()


def test_third_party_notices_ship_with_the_app() -> None:
    notices = resource_path("THIRD_PARTY_NOTICES.md").read_text(encoding="utf-8")
    for component in ("FFmpeg", "x264", "Qt 6", "aiortc"):
        assert component in notices
