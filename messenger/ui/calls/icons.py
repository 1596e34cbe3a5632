"""The call glyphs (handset, camera, microphone, ...), drawn rather than shipped as files.

Drawn with QPainter in a 24-unit box at each size asked for, in the colour asked for, so they
follow the theme (the chat header's buttons) or sit white on a coloured button (hang up)
and stay sharp at any scale.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap

SIZES = (16, 20, 24, 32, 48)
ACCEPT = QColor("#2fb344")  # the green of "available": answering is the go-ahead
HANG_UP = QColor("#e03131")  # the red every phone uses for ending a call

Glyph = Callable[[QPainter, QColor], None]


def _pen(color: QColor, width: float = 2.0) -> QPen:
    return QPen(color, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)


def handset(painter: QPainter, color: QColor) -> None:
    """A telephone receiver, earpiece up right, mouthpiece down left."""
    painter.setPen(_pen(color, 3.6))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    body = QPainterPath(QPointF(6, 17))
    body.arcTo(QRectF(6, 6, 22, 22), 180, -90)
    painter.drawPath(body)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(color)
    painter.drawRoundedRect(QRectF(14, 2.5, 8, 7.5), 2.5, 2.5)
    painter.drawRoundedRect(QRectF(2.5, 14, 7.5, 8), 2.5, 2.5)


def hang_up(painter: QPainter, color: QColor) -> None:
    """The receiver turned down: put the phone back."""
    painter.translate(12, 14)
    painter.rotate(45)
    painter.translate(-12, -12)
    handset(painter, color)


def camera(painter: QPainter, color: QColor) -> None:
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(color)
    painter.drawRoundedRect(QRectF(2.5, 6.5, 13, 11), 2.5, 2.5)
    lens = QPainterPath(QPointF(16.5, 12))
    lens.lineTo(21.5, 7.5)
    lens.lineTo(21.5, 16.5)
    lens.closeSubpath()
    painter.drawPath(lens)


def microphone(painter: QPainter, color: QColor) -> None:
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(color)
    painter.drawRoundedRect(QRectF(9, 2.5, 6, 11.5), 3, 3)
    painter.setPen(_pen(color, 1.8))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    cup = QPainterPath(QPointF(6, 11))
    cup.arcTo(QRectF(6, 5, 12, 12), 180, 180)
    painter.drawPath(cup)
    painter.drawLine(QPointF(12, 17), QPointF(12, 20.5))
    painter.drawLine(QPointF(9, 20.5), QPointF(15, 20.5))


def devices(painter: QPainter, color: QColor) -> None:
    """Three sliders: the device settings."""
    painter.setPen(_pen(color, 1.8))
    for y, knob in ((6, 15), (12, 8), (18, 13)):
        painter.drawLine(QPointF(3.5, y), QPointF(20.5, y))
        painter.setBrush(color)
        painter.drawEllipse(QPointF(knob, y), 2.4, 2.4)


def full_screen(painter: QPainter, color: QColor) -> None:
    painter.setPen(_pen(color, 2.0))
    for x, y, dx, dy in ((4, 4, 1, 1), (20, 4, -1, 1), (4, 20, 1, -1), (20, 20, -1, -1)):
        painter.drawLine(QPointF(x, y), QPointF(x + 5 * dx, y))
        painter.drawLine(QPointF(x, y), QPointF(x, y + 5 * dy))


def leave_full_screen(painter: QPainter, color: QColor) -> None:
    painter.setPen(_pen(color, 2.0))
    for x, y, dx, dy in ((9, 9, -1, -1), (15, 9, 1, -1), (9, 15, -1, 1), (15, 15, 1, 1)):
        painter.drawLine(QPointF(x, y), QPointF(x + 5 * dx, y))
        painter.drawLine(QPointF(x, y), QPointF(x, y + 5 * dy))


def crossed(glyph: Glyph) -> Glyph:
    """``glyph`` struck through: muted, camera off."""

    def draw(painter: QPainter, color: QColor) -> None:
        glyph(painter, color)
        # Cut a gap along the stroke so the line reads on top of any glyph.
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Clear)
        painter.setPen(_pen(color, 4.6))
        painter.drawLine(QPointF(3, 3), QPointF(21, 21))
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)
        painter.setPen(_pen(color, 2.0))
        painter.drawLine(QPointF(3.5, 3.5), QPointF(20.5, 20.5))

    return draw


def pixmap(glyph: Glyph, color: QColor, size: int, ratio: float = 1.0) -> QPixmap:
    """``glyph`` at ``size`` logical pixels square."""
    image = QPixmap(round(size * ratio), round(size * ratio))
    image.setDevicePixelRatio(ratio)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.scale(size / 24, size / 24)
    glyph(painter, color)
    painter.end()
    return image


def icon(glyph: Glyph, color: QColor, disabled: QColor | None = None) -> QIcon:
    """``glyph`` at every usual size, in ``color`` (and ``disabled`` when greyed out)."""
    result = QIcon()
    for size in SIZES:
        result.addPixmap(pixmap(glyph, color, size), QIcon.Mode.Normal)
        if disabled is not None:
            result.addPixmap(pixmap(glyph, disabled, size), QIcon.Mode.Disabled)
    return result


def round_pixmap(glyph: Glyph, fill: QColor, ink: QColor, size: int, ratio: float = 1.0) -> QPixmap:
    """``glyph`` in ``ink`` on a ``fill`` disc: the big buttons of the call windows."""
    image = QPixmap(round(size * ratio), round(size * ratio))
    image.setDevicePixelRatio(ratio)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(fill)
    painter.drawEllipse(QRectF(0, 0, size, size))
    inner = size * 0.5
    painter.translate((size - inner) / 2, (size - inner) / 2)
    painter.scale(inner / 24, inner / 24)
    glyph(painter, ink)
    painter.end()
    return image


def round_icon(glyph: Glyph, fill: QColor, ink: QColor, size: int) -> QIcon:
    result = QIcon()
    for ratio in (1.0, 2.0):
        result.addPixmap(round_pixmap(glyph, fill, ink, size, ratio))
        dimmed = QColor(fill)
        dimmed.setAlphaF(0.4)
        result.addPixmap(round_pixmap(glyph, dimmed, ink, size, ratio), QIcon.Mode.Disabled)
    return result
