"""Draws video: the latest frame as a QImage, fitted to the widget, or a placeholder.

QVideoWidget paints nothing under the offscreen platform (tests, screenshots) and needs
a QVideoSink fed with QVideoFrames; this widget paints a plain QImage, so what it shows can
be checked with ``grab()``. The picture always sits on a dark ground, in light and dark
themes alike, as video does in every call app: letterbox bars must not look like content.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent, QPixmap
from PySide6.QtWidgets import QSizePolicy, QWidget

GROUND = QColor("#17181b")
CAPTION = QColor("#c9ccd1")
FRAME = QColor("#4a4d55")


class VideoWidget(QWidget):
    def __init__(
        self, parent: QWidget | None = None, *, mirrored: bool = False, framed: bool = False
    ) -> None:
        """``mirrored`` flips the picture left to right: a self view reads like a mirror.
        ``framed`` draws a border, for a small view laid over a larger one."""
        super().__init__(parent)
        self.mirrored = mirrored
        self.framed = framed
        self._image: QImage | None = None
        self._avatar: QPixmap | None = None
        self._caption = ""
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    # --- what to show -------------------------------------------------------------------

    @property
    def showing_video(self) -> bool:
        return self._image is not None

    def set_image(self, image: QImage) -> None:
        """Show this frame (the newest; earlier ones are gone)."""
        self._image = image
        self.update()

    def clear(self) -> None:
        """Back to the placeholder (the camera went off, the call ended)."""
        if self._image is not None:
            self._image = None
            self.update()

    def set_placeholder(self, avatar: QPixmap | None, caption: str) -> None:
        """What shows while there is no video: a picture (the person's avatar) and a caption."""
        self._avatar = avatar
        self.set_caption(caption)

    def set_caption(self, caption: str) -> None:
        """Change only the placeholder's caption."""
        self._caption = caption
        self.setAccessibleDescription(caption)
        self.update()

    def frame_box(self) -> tuple[int, int]:
        """The size frames should be converted to: the widget's, in device pixels."""
        ratio = self.devicePixelRatioF()
        return round(self.width() * ratio), round(self.height() * ratio)

    def sizeHint(self) -> QSize:
        return QSize(640, 360)

    # --- painting -----------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), GROUND)
        target = self.picture_rect()
        if self._image is not None and target is not None:
            self._paint_image(painter, self._image, target)
        else:
            self._paint_placeholder(painter)
        if self.framed:
            painter.resetTransform()
            painter.setPen(FRAME)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(self.rect().adjusted(0, 0, -1, -1))

    def picture_rect(self) -> QRectF | None:
        """Where the frame is drawn (logical pixels), or None while there is no video."""
        image = self._image
        if image is None or image.isNull():
            return None
        ratio = self.devicePixelRatioF()
        width, height = image.width() / ratio, image.height() / ratio
        # Frames are converted at the widget's size; during a resize the last one is scaled.
        scale = min(self.width() / width, self.height() / height)
        target = QRectF(0, 0, width * scale, height * scale)
        target.moveCenter(QRectF(self.rect()).center())
        return target

    def _paint_image(self, painter: QPainter, image: QImage, target: QRectF) -> None:
        scaled = abs(target.width() - image.width() / self.devicePixelRatioF()) > 0.5
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, scaled)
        if self.mirrored:
            painter.translate(self.width(), 0)
            painter.scale(-1, 1)  # the target is centred, so it stays where it was
        painter.drawImage(target, image)

    def _paint_placeholder(self, painter: QPainter) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect())
        caption_height = painter.fontMetrics().height() if self._caption else 0
        avatar = self._avatar if self._avatar is not None and not self._avatar.isNull() else None
        size = 0.0
        if avatar is not None:
            size = min(avatar.width() / avatar.devicePixelRatio(), rect.height() * 0.5)
        top = rect.center().y() - (size + (12 if size else 0) + caption_height) / 2
        if avatar is not None:
            target = QRectF(rect.center().x() - size / 2, top, size, size)
            painter.drawPixmap(target, avatar, QRectF(avatar.rect()))
            top += size + 12
        if self._caption:
            painter.setPen(CAPTION)
            painter.drawText(
                QRectF(rect.left() + 8, top, rect.width() - 16, caption_height),
                Qt.AlignmentFlag.AlignCenter,
                painter.fontMetrics().elidedText(
                    self._caption, Qt.TextElideMode.ElideRight, int(rect.width() - 16)
                ),
            )
