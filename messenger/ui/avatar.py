"""Avatars: the user's picture in a circle, or their initials on a colour of their own.

The colour comes from a stable hash of the username (not Python's per-process
``hash``), so a person keeps the same colour across runs and on every device.
Rendered avatars are cached because list views repaint them on every scroll.
"""

from __future__ import annotations

import re
import zlib
from collections import OrderedDict

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPainterPath, QPixmap

from messenger.ui.session import AccountSession

# Mid-tone colours that keep white initials readable and still stand out on both a
# light and a dark background.
COLORS = tuple(
    QColor(c)
    for c in (
        "#1c7ed6",  # blue
        "#4263eb",  # indigo
        "#7048e8",  # violet
        "#ae3ec9",  # grape
        "#d6336c",  # pink
        "#e03131",  # red
        "#e8590c",  # orange
        "#099268",  # teal
        "#0c8599",  # cyan
        "#2f9e44",  # green
    )
)

_CACHE_SIZE = 256
_WORD_SPLIT = re.compile(r"[\s._\-]+")

_cache: OrderedDict[tuple[str, str, int | None, int, float], QPixmap] = OrderedDict()


def color_for(username: str) -> QColor:
    """The same colour for the same username, everywhere and every time."""
    return COLORS[zlib.crc32(username.encode("utf-8")) % len(COLORS)]


def initials(name: str) -> str:
    """One or two letters standing for a name: "Alice Smith" -> "AS", "bob.jones" -> "BJ"."""
    words = [w for w in _WORD_SPLIT.split(name.strip()) if w]
    if not words:
        return "?"
    letters = words[0][0] + (words[1][0] if len(words) > 1 else "")
    return letters.upper()


def avatar_pixmap(
    session: AccountSession, username: str, size: int, device_pixel_ratio: float = 1.0
) -> QPixmap:
    """The avatar of ``username`` as a ``size`` x ``size`` (logical pixels) round pixmap.

    Asking for a picture not fetched yet starts the fetch; the session emits
    ``profile_changed(username)`` when it arrives, and the next call draws it.
    """
    name = session.name_of(username)
    picture = session.cached_avatar(username)
    # bytes cache their hash, so keying on it costs nothing after the first time.
    key = (username, name, hash(picture) if picture else None, size, device_pixel_ratio)
    cached = _cache.get(key)
    if cached is not None:
        _cache.move_to_end(key)
        return cached
    pixmap = _render(name, username, picture, size, device_pixel_ratio)
    _cache[key] = pixmap
    if len(_cache) > _CACHE_SIZE:
        _cache.popitem(last=False)
    return pixmap


def paint_avatar(painter: QPainter, rect: QRectF, session: AccountSession, username: str) -> None:
    """Draw the avatar of ``username`` into ``rect`` (a square)."""
    dpr = painter.device().devicePixelRatioF() if painter.device() is not None else 1.0
    pixmap = avatar_pixmap(session, username, round(rect.width()), dpr)
    painter.drawPixmap(rect.topLeft(), pixmap)


def _render(name: str, username: str, picture: bytes | None, size: int, dpr: float) -> QPixmap:
    pixmap = QPixmap(round(size * dpr), round(size * dpr))
    pixmap.setDevicePixelRatio(dpr)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    circle = QPainterPath()
    circle.addEllipse(QRectF(0, 0, size, size))
    image = QImage.fromData(picture) if picture else QImage()
    if not image.isNull():
        # Fill the circle: crop the longer side rather than letterbox.
        scaled = image.scaled(
            round(size * dpr),
            round(size * dpr),
            Qt.AspectRatioMode.KeepAspectRatioByExpanding,
            Qt.TransformationMode.SmoothTransformation,
        )
        scaled.setDevicePixelRatio(dpr)
        dx = (scaled.width() / dpr - size) / 2
        dy = (scaled.height() / dpr - size) / 2
        painter.setClipPath(circle)
        painter.drawImage(QRectF(-dx, -dy, scaled.width() / dpr, scaled.height() / dpr), scaled)
    else:
        painter.fillPath(circle, color_for(username))
        font = QFont()
        font.setBold(True)
        font.setPixelSize(max(8, round(size * 0.4)))
        painter.setFont(font)
        painter.setPen(QColor("white"))
        painter.drawText(QRectF(0, 0, size, size), Qt.AlignmentFlag.AlignCenter, initials(name))
    painter.end()
    return pixmap
