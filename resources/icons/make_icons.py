"""Render the shipped PNG icons from their sources, so they can be regenerated exactly.

- ``hicolor/NxN/apps/APP_ID.png``: the app icon (``hicolor/scalable/apps/APP_ID.svg``) at
  the sizes desktops look up in the freedesktop icon theme, for menus, docks and switchers.
- ``tray/STATUS.png``: the tray picture per presence, drawn by the same code the running app
  draws its tray icon with (``messenger.ui.tray_icon``), for packagers and docs.

Run from a checkout: ``python resources/icons/make_icons.py`` (needs PySide6, no display).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
APP_ID = "io.github.messenger.Messenger"
APP_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
TRAY_SIZE = 64
STATUSES = ("available", "away", "busy", "invisible", "offline")


def main() -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(HERE.parent.parent))
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication([])
    renderer = QSvgRenderer(str(HERE / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg"))
    for size in APP_SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        target = HERE / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        image.save(str(target))

    from messenger.ui import tray_icon

    palette = app.palette()
    (HERE / "tray").mkdir(exist_ok=True)
    for status in STATUSES:
        tray_icon.render(TRAY_SIZE, status, 0, palette).save(str(HERE / "tray" / f"{status}.png"))


if __name__ == "__main__":
    main()
