"""A room's picture: its initials on a rounded square of its own colour.

Square where people are round, so a room and a person never look alike in one list. The
colour comes from the room's id, which a rename does not change.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPixmap

from messenger.ui.avatar import color_for, initials


def paint_room_avatar(painter: QPainter, rect: QRectF, room: str, name: str) -> None:
    """Draw the picture of ``room`` (named ``name``) into the square ``rect``."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(color_for(room))
    radius = rect.width() * 0.28
    painter.drawRoundedRect(rect, radius, radius)
    font = QFont()
    font.setBold(True)
    font.setPixelSize(max(8, round(rect.width() * 0.4)))
    painter.setFont(font)
    painter.setPen(QColor("white"))
    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, initials(name or "#"))
    painter.restore()


def room_pixmap(room: str, name: str, size: int, device_pixel_ratio: float = 1.0) -> QPixmap:
    pixmap = QPixmap(round(size * device_pixel_ratio), round(size * device_pixel_ratio))
    pixmap.setDevicePixelRatio(device_pixel_ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    paint_room_avatar(painter, QRectF(0, 0, size, size), room, name)
    painter.end()
    return pixmap
