"""Helpers for the call tests: what a video widget shows, read back from its pixels."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from PySide6.QtGui import QImage

from messenger.calls.analysis import colours_match
from messenger.calls.pattern import bar_colours
from messenger.ui.media.video_widget import VideoWidget


def shown_picture(widget: VideoWidget) -> npt.NDArray[np.uint8] | None:
    """The picture as the widget paints it (RGB, HxWx3, mirroring undone), from ``grab()``."""
    rect = widget.picture_rect()
    if rect is None:
        return None
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    ratio = image.devicePixelRatio()
    # One pixel in from each edge: the scaled picture's border blends with the ground.
    box = rect.adjusted(1, 1, -1, -1)
    crop = image.copy(
        round(box.x() * ratio),
        round(box.y() * ratio),
        round(box.width() * ratio),
        round(box.height() * ratio),
    )
    width, height, stride = crop.width(), crop.height(), crop.bytesPerLine()
    rows = np.frombuffer(crop.constBits(), np.uint8, count=stride * height).reshape(height, stride)
    pixels = rows[:, : width * 3].reshape(height, width, 3)
    return pixels[:, ::-1] if widget.mirrored else pixels


def shows_test_pattern(widget: VideoWidget) -> bool:
    """Whether the widget shows the synthetic test pattern's six colour bars, in order."""
    picture = shown_picture(widget)
    return picture is not None and colours_match(bar_colours(picture))
