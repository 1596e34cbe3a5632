"""Profile pictures as the server takes them: a small square PNG or JPEG.

The server only checks the size and magic bytes (``messenger.protocol.profiles``),
so the client does the scaling: any picture a user picks is cropped to its centre
square and scaled to 128x128, which fits the 32 KiB limit.
"""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QColor, QImage, QImageReader, QImageWriter, QPainter

from messenger.protocol.limits import MAX_AVATAR_BYTES

AVATAR_SIZE = 128
# Bigger pictures than this are refused before decoding: a file picked by mistake
# (a 200-megapixel scan) should not take the app's memory with it.
MAX_SOURCE_PIXELS = 60_000_000


def avatar_from_file(path: str) -> bytes:
    """A square 128x128 PNG (or JPEG when the PNG is too big) of the picture at ``path``.

    The picture is cropped to its centre square, so faces in portraits stay whole.
    Raises ValueError with a sentence when the file cannot be used.
    """
    reader = QImageReader(path)
    reader.setAutoTransform(True)  # photos from phones carry their rotation in EXIF
    size = reader.size()
    if size.isValid() and size.width() * size.height() > MAX_SOURCE_PIXELS:
        raise ValueError("That picture is too large to use; pick one under 60 megapixels.")
    image = reader.read()
    if image.isNull():
        raise ValueError(f"That file could not be read as a picture ({reader.errorString()}).")
    return encode_avatar(image)


def encode_avatar(image: QImage) -> bytes:
    side = min(image.width(), image.height())
    square = image.copy(
        (image.width() - side) // 2, (image.height() - side) // 2, side, side
    ).scaled(
        AVATAR_SIZE,
        AVATAR_SIZE,
        Qt.AspectRatioMode.IgnoreAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    )
    data = _encoded(square, b"PNG", -1)
    if len(data) <= MAX_AVATAR_BYTES:
        return data
    # A photo compresses badly as PNG; JPEG has no transparency, so flatten it first.
    flat = QImage(square.size(), QImage.Format.Format_RGB32)
    flat.fill(QColor("white"))
    painter = QPainter(flat)
    painter.drawImage(0, 0, square)
    painter.end()
    for quality in (90, 80, 70, 55, 40):
        data = _encoded(flat, b"JPEG", quality)
        if len(data) <= MAX_AVATAR_BYTES:
            return data
    raise ValueError("That picture could not be made small enough; try a simpler one.")


def _encoded(image: QImage, fmt: bytes, quality: int) -> bytes:
    array = QByteArray()
    buffer = QBuffer(array)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QImageWriter(buffer, QByteArray(fmt))
    writer.setQuality(quality)
    if not writer.write(image):
        raise ValueError(f"The picture could not be converted ({writer.errorString()}).")
    buffer.close()
    return bytes(array.data())
