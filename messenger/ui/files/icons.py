"""The type icon of a file card: a page with a folded corner, coloured by kind, with the
file's type in a few letters. Drawn, not loaded, so it is sharp at any scale and needs no
icon theme."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath

# One hue per kind, readable on light and dark bubbles alike.
KIND_COLORS = {
    "image": QColor("#2e9d5b"),
    "video": QColor("#8a4fd1"),
    "audio": QColor("#e07b1a"),
    "pdf": QColor("#d64541"),
    "archive": QColor("#a0782c"),
    "text": QColor("#3a7bd5"),
    "file": QColor("#6b7b8c"),
}


def paint_file_icon(painter: QPainter, rect: QRectF, kind: str, label: str, font: QFont) -> None:
    color = KIND_COLORS.get(kind, KIND_COLORS["file"])
    width = rect.height() * 0.8
    left = rect.left() + (rect.width() - width) / 2
    page = QRectF(left, rect.top(), width, rect.height())
    fold = width * 0.32
    path = QPainterPath(QPointF(page.left() + 3, page.top()))
    path.lineTo(page.right() - fold, page.top())
    path.lineTo(page.right(), page.top() + fold)
    path.lineTo(page.right(), page.bottom() - 3)
    path.quadTo(page.right(), page.bottom(), page.right() - 3, page.bottom())
    path.lineTo(page.left() + 3, page.bottom())
    path.quadTo(page.left(), page.bottom(), page.left(), page.bottom() - 3)
    path.lineTo(page.left(), page.top() + 3)
    path.quadTo(page.left(), page.top(), page.left() + 3, page.top())
    painter.save()
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(color)
    painter.drawPath(path)
    corner = QPainterPath(QPointF(page.right() - fold, page.top()))
    corner.lineTo(page.right() - fold, page.top() + fold)
    corner.lineTo(page.right(), page.top() + fold)
    corner.closeSubpath()
    painter.setBrush(color.lighter(150))
    painter.drawPath(corner)
    small = QFont(font)
    small.setBold(True)
    small.setPixelSize(max(7, round(width * (0.30 if len(label) <= 3 else 0.24))))
    painter.setFont(small)
    painter.setPen(QColor("white"))
    text_box = QRectF(page.left(), page.top() + fold * 0.8, page.width(), page.height() - fold)
    painter.drawText(text_box, Qt.AlignmentFlag.AlignCenter, label)
    painter.restore()
