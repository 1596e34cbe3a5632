"""The tray icon's picture: a speech bubble, one's presence dot and an unread count badge.

Drawn at each size the tray may ask for (16 px on Windows, 22-24 px on Linux
panels, more on high-DPI screens) so the dot and the digits stay legible
instead of being a blurry downscale of one large picture.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QIcon,
    QImage,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
    QPixmap,
)

from messenger.ui import presence_style

SIZES = (16, 20, 22, 24, 32, 48, 64)

# The unread badge is the red that means "needs you" on every desktop, readable on light
# and dark panels alike (the panel's colour is not ours to know); white digits on it.
BADGE_FILL = presence_style.color("busy")
BADGE_INK = QColor(Qt.GlobalColor.white)


def badge_text(unread: int, *, compact: bool = False) -> str:
    """What the badge says: nothing when all is read, else the count, capped so it fits.

    ``compact`` is for the smallest icons, where only one digit stays legible.
    """
    cap = 9 if compact else 99
    if unread <= 0:
        return ""
    return f"{cap}+" if unread > cap else str(unread)


def render(size: int, status: str, unread: int, palette: QPalette) -> QImage:
    """The icon at ``size`` pixels square, for one presence and unread count."""
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    _paint_bubble(painter, size, status, palette)
    dot = size * 0.44
    ring = palette.color(QPalette.ColorRole.Window)
    presence_style.paint_dot(painter, QRectF(size - dot, size - dot, dot, dot), status, ring)
    text = badge_text(unread, compact=size < 32)
    if text:
        _paint_badge(painter, size, text, ring)
    painter.end()
    return image


def app_glyph(size: int, palette: QPalette) -> QImage:
    """The bare speech bubble: the app's picture where presence does not belong."""
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    _paint_bubble(painter, size, "available", palette)
    painter.end()
    return image


def icon(status: str, unread: int, palette: QPalette) -> QIcon:
    result = QIcon()
    for size in SIZES:
        result.addPixmap(QPixmap.fromImage(render(size, status, unread, palette)))
    return result


def _paint_bubble(painter: QPainter, size: int, status: str, palette: QPalette) -> None:
    """A rounded speech bubble with a tail at the lower left; grey while offline."""
    fill = palette.color(QPalette.ColorRole.Accent)
    if status == "offline":
        # Halfway between the window and its text: a grey that shows in light and dark themes.
        fill = _mix(
            palette.color(QPalette.ColorRole.Window), palette.color(QPalette.ColorRole.WindowText)
        )
    s = float(size)
    body = QRectF(s * 0.04, s * 0.10, s * 0.80, s * 0.60)
    path = QPainterPath()
    path.addRoundedRect(body, s * 0.18, s * 0.18)
    tail = QPainterPath()
    tail.moveTo(QPointF(s * 0.18, body.bottom() - s * 0.04))
    tail.lineTo(QPointF(s * 0.12, s * 0.90))
    tail.lineTo(QPointF(s * 0.44, body.bottom() - s * 0.04))
    tail.closeSubpath()
    path = path.united(tail)
    # A thin outline in the text colour keeps the bubble visible on a panel of its own colour.
    outline = QColor(palette.color(QPalette.ColorRole.WindowText))
    outline.setAlphaF(0.35)
    painter.setPen(QPen(outline, max(1.0, s / 32)))
    painter.setBrush(fill)
    painter.drawPath(path)
    if size >= 24:
        # Three typing dots make it read as a chat, where there are pixels for them.
        ink = palette.color(QPalette.ColorRole.HighlightedText)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(ink)
        r = s * 0.05
        for i in range(3):
            centre = QPointF(body.left() + body.width() * (0.25 + 0.25 * i), body.center().y())
            painter.drawEllipse(centre, r, r)


def _paint_badge(painter: QPainter, size: int, text: str, ring: QColor) -> None:
    """The count in a pill at the top right, ringed so it stands off the bubble."""
    s = float(size)
    height = max(9.0, s * 0.50)
    font = QFont()
    font.setBold(True)
    font.setPixelSize(max(7, round(height * 0.72)))
    metrics = QFontMetricsF(font)
    width = max(height, metrics.horizontalAdvance(text) + height * 0.45)
    width = min(width, s)
    pill = QRectF(s - width, 0, width, height)
    painter.setPen(QPen(ring, max(1.0, s / 32)))
    painter.setBrush(BADGE_FILL)
    painter.drawRoundedRect(pill, height / 2, height / 2)
    painter.setFont(font)
    painter.setPen(BADGE_INK)
    painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, text)


def _mix(a: QColor, b: QColor) -> QColor:
    return QColor(
        (a.red() + b.red()) // 2, (a.green() + b.green()) // 2, (a.blue() + b.blue()) // 2
    )
