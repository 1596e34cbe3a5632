"""A window showing one image, fitted to the window; Esc closes it.

Opened from a thumbnail: while the full image downloads it shows the progress, then the
image. The file is read in a worker thread (a large photo takes a moment to decode) and
Qt's allocation limit refuses images that would need absurd memory.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import (
    QCloseEvent,
    QImage,
    QImageReader,
    QKeyEvent,
    QPainter,
    QPaintEvent,
    QPalette,
)
from PySide6.QtWidgets import QLabel, QProgressBar, QVBoxLayout, QWidget

from messenger.client.transfers import TransferUpdate
from messenger.ui.files.card import progress_text


def read_image(path: Path) -> QImage:
    """The image at ``path`` (null when unreadable); safe to call from a worker thread."""
    reader = QImageReader(str(path))
    reader.setAutoTransform(True)
    return reader.read()


class ImageCanvas(QWidget):
    """The image, as large as fits, centred; never blown up past its own size."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.image = QImage()
        self.setBackgroundRole(QPalette.ColorRole.Base)
        self.setAutoFillBackground(True)

    def set_image(self, image: QImage) -> None:
        self.image = image
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        if self.image.isNull():
            return
        size = self.image.size()
        if size.width() > self.width() or size.height() > self.height():
            size = size.scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
        x = (self.width() - size.width()) / 2
        y = (self.height() - size.height()) / 2
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawImage(QRectF(x, y, size.width(), size.height()), self.image)


class ImageViewer(QWidget):
    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle(name)
        self.setAccessibleName(f"Image {name}")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.transfer = 0  # the download this window waits for (0: none)
        self.canvas = ImageCanvas(self)
        self.status = QLabel(self)
        self.status.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.status.setAccessibleName("Image status")
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(False)
        self.bar.setMaximumWidth(320)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.canvas, 1)
        layout.addWidget(self.status)
        layout.addWidget(self.bar, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addSpacing(8)
        self._loading: asyncio.Task[None] | None = None

    def sizeHint(self) -> QSize:
        return QSize(900, 680)

    def show_progress(self, update: TransferUpdate) -> None:
        """The full image is on its way: say how far it got (or why it stopped)."""
        self.transfer = update.id
        self.canvas.set_image(QImage())
        self.bar.setVisible(update.state not in ("failed", "done"))
        self.bar.setValue(int(1000 * update.done / update.size) if update.size else 0)
        if update.state == "failed":
            self.status.setText(f"Could not download the image: {update.error or 'it failed'}")
        elif update.state == "waiting":
            self.status.setText("Waiting for connection…")
        else:
            self.status.setText(f"Downloading… {progress_text(update)}")
        self.status.show()

    def show_file(self, path: Path) -> None:
        """Read and show the image at ``path`` (in a worker thread)."""
        self.transfer = 0
        self.bar.hide()
        self.status.setText("Opening…")
        if self._loading is not None:
            self._loading.cancel()
        self._loading = asyncio.ensure_future(self._load(path))

    async def _load(self, path: Path) -> None:
        image = await asyncio.to_thread(read_image, path)
        if image.isNull():
            self.status.setText("This file is not an image that can be shown.")
            self.status.show()
            return
        self.status.hide()
        self.canvas.set_image(image)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.close()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._loading is not None:
            self._loading.cancel()
        super().closeEvent(event)
