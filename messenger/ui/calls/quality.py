"""The call quality indicator: four bars, as on a phone, with the figures on hover."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget

BARS = 4
GOOD = QColor("#2fb344")
FAIR = QColor("#f59f00")
POOR = QColor("#e03131")
UNLIT = QColor(255, 255, 255, 60)  # the call window is always dark


class QualityBars(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.level = 0  # 0 (unknown or no connection) to 4 (excellent)
        self.setFixedSize(QSize(22, 16))
        self.setAccessibleName("Call quality")

    def set_quality(self, level: int, details: str) -> None:
        """``level`` bars lit, and ``details`` (several lines) shown on hover."""
        self.level = max(0, min(BARS, level))
        self.setToolTip(details)
        self.setAccessibleDescription(details.replace("\n", "; "))
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        lit = GOOD if self.level >= 3 else FAIR if self.level == 2 else POOR
        width = self.width() / (BARS * 1.6)
        for i in range(BARS):
            height = self.height() * (i + 1) / BARS
            x = i * width * 1.6
            painter.setPen(QColor(0, 0, 0, 0))
            painter.setBrush(lit if i < self.level else UNLIT)
            painter.drawRoundedRect(
                QRectF(x, self.height() - height, width, height), width / 3, width / 3
            )
