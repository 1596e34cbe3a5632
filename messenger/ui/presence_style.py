"""How presence looks everywhere in the app: one colour and one label per status."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPalette, QPen, QPixmap
from PySide6.QtWidgets import QApplication

STATUSES = ("available", "away", "busy", "invisible", "offline")
SETTABLE = ("available", "away", "busy", "invisible")

LABELS = {
    "available": "Available",
    "away": "Away",
    "busy": "Busy — do not disturb",
    "invisible": "Invisible",
    "offline": "Offline",
}

COLORS = {
    "available": QColor("#2fb344"),
    "away": QColor("#f59f00"),
    "busy": QColor("#d63939"),
    "invisible": QColor("#868e96"),
    "offline": QColor("#868e96"),
}


def color(status: str) -> QColor:
    return COLORS.get(status, COLORS["offline"])


def paint_dot(painter: QPainter, rect: QRectF, status: str, ring: QColor) -> None:
    """A presence dot with a ring in the background colour, so it reads on top of an avatar."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(ring, max(1.5, rect.width() / 6)))
    if status in ("invisible", "offline"):
        painter.setBrush(ring)
        inner = QPen(color(status), max(1.5, rect.width() / 5))
        painter.drawEllipse(rect)
        painter.setPen(inner)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        m = rect.width() / 4
        painter.drawEllipse(rect.adjusted(m, m, -m, -m))
    else:
        painter.setBrush(color(status))
        painter.drawEllipse(rect)
    painter.restore()


def dot_icon(status: str) -> QIcon:
    """A menu or combo-box icon: the status dot, ringed in the window colour."""
    pixmap = QPixmap(16, 16)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    ring = QApplication.palette().color(QPalette.ColorRole.Window)
    paint_dot(painter, QRectF(3, 3, 10, 10), status, ring)
    painter.end()
    return QIcon(pixmap)
