"""Thumbnails: made by the sender from an image file, decoded by the receiver for a card.

Making one reads and scales a possibly large image, so it runs in a worker thread (QImage
and QImageReader are safe off the GUI thread; no widget is touched). Decoding a received
one treats the bytes as hostile: the image's declared size is checked before any pixel
is allocated, and the result is kept so a card is decoded once, not on every paint.
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize, Qt
from PySide6.QtGui import QImage, QImageReader, QImageWriter, QPainter

from messenger.protocol.limits import MAX_THUMBNAIL_BYTES

# Sizes and JPEG qualities tried, best first, until one fits the protocol's limit.
_EDGES = (320, 256, 200, 160, 120, 96, 64)
_QUALITIES = (80, 65, 50, 40)
# Bigger than any thumbnail we make; a declared size past it is a trick or a mistake.
MAX_DECODED_EDGE = 1024
# Source images larger than this (in pixels) are not worth reading for a preview.
MAX_SOURCE_PIXELS = 120_000_000
KEPT = 256
# Where a card shows a thumbnail: at most this box, never enlarged more than twice.
BOX = QSize(260, 200)

_decoded: OrderedDict[bytes, QImage | None] = OrderedDict()


def _jpeg(image: QImage, quality: int) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QImageWriter(buffer, QByteArray(b"JPEG"))
    writer.setQuality(quality)
    writer.write(image)
    buffer.close()
    return bytes(data.data())


def make_thumbnail(path: Path) -> bytes | None:
    """A JPEG of at most ``MAX_THUMBNAIL_BYTES`` showing the image at ``path``; None when it
    is not an image Qt can read. Slow for big photos: call it from a worker thread."""
    reader = QImageReader(str(path))
    reader.setAutoTransform(True)  # a phone photo's EXIF rotation
    size = reader.size()
    if not reader.canRead() or not size.isValid() or size.isEmpty():
        return None
    if size.width() * size.height() > MAX_SOURCE_PIXELS:
        return None
    first = size.scaled(QSize(_EDGES[0], _EDGES[0]), Qt.AspectRatioMode.KeepAspectRatio)
    if first.width() < size.width():
        reader.setScaledSize(first)  # JPEG decoders scale while decoding: far less to read
    image = reader.read()
    if image.isNull():
        return None
    if image.hasAlphaChannel():
        # JPEG has no transparency: put it on white, as image viewers show it.
        flat = QImage(image.size(), QImage.Format.Format_RGB32)
        flat.fill(Qt.GlobalColor.white)
        painter = QPainter(flat)
        painter.drawImage(0, 0, image)
        painter.end()
        image = flat
    for edge in _EDGES:
        scaled = image.scaled(
            edge,
            edge,
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
        for quality in _QUALITIES:
            data = _jpeg(scaled, quality)
            if len(data) <= MAX_THUMBNAIL_BYTES:
                return data
    return None


def decode(data: bytes) -> QImage | None:
    """A received thumbnail as an image, or None when it is not a sane PNG or JPEG."""
    if data in _decoded:
        _decoded.move_to_end(data)
        return _decoded[data]
    image = _decode(data)
    _decoded[data] = image
    while len(_decoded) > KEPT:
        _decoded.popitem(last=False)
    return image


def _decode(data: bytes) -> QImage | None:
    if len(data) > MAX_THUMBNAIL_BYTES:
        return None
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    reader = QImageReader(buffer)
    if bytes(reader.format().data()) not in (b"png", b"jpeg", b"jpg"):
        return None
    size = reader.size()
    if not size.isValid() or size.isEmpty():
        return None
    if size.width() > MAX_DECODED_EDGE or size.height() > MAX_DECODED_EDGE:
        return None
    image = reader.read()
    return None if image.isNull() else image


def shown_size(image: QImage, box: QSize = BOX) -> QSize:
    """How big a card draws a thumbnail: fitted into ``box``, at most doubled."""
    limit = QSize(min(box.width(), 2 * image.width()), min(box.height(), 2 * image.height()))
    return image.size().scaled(limit, Qt.AspectRatioMode.KeepAspectRatio)
