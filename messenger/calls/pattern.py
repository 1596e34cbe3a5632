"""The synthetic test pattern: colour bars, a moving square and the capture time in the picture.

Drawn straight into yuv420p (what VP8 encodes) so a frame costs one copy and two small fills,
even at 1280x720 and 30 fps. Everything is placed in proportion to the frame size, so the
receiving side reads it back at whatever size the frame arrives.

Layout, top to bottom: six colour bars (60% of the height); a grey band with a white square
moving left to right (20%), so an encoder has motion to code; and a strip of 32 black or white
cells (20%) holding the capture time: the wall clock in milliseconds modulo 2**24, then an
8-bit check, most significant bit first.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

# Saturated, well inside what yuv420p can hold, and far apart from each other.
BARS: tuple[tuple[int, int, int], ...] = (
    (230, 40, 40),  # red
    (40, 200, 40),  # green
    (40, 40, 230),  # blue
    (230, 220, 40),  # yellow
    (40, 210, 220),  # cyan
    (220, 40, 210),  # magenta
)
BARS_END = 0.6  # fraction of the height
BAND_END = 0.8
CELLS = 32
TIME_BITS = 24
TIME_MODULO = 1 << TIME_BITS
SWEEP_SECONDS = 2.0  # the square crosses the picture in this long

_BLACK_Y, _WHITE_Y, _BAND_Y = 16, 235, 80

Plane = npt.NDArray[np.uint8]


def rgb_to_yuv(rgb: tuple[int, int, int]) -> tuple[int, int, int]:
    """BT.601 limited range, the conversion decoders assume for yuv420p by default."""
    r, g, b = (c / 255 for c in rgb)
    y = 16 + 65.481 * r + 128.553 * g + 24.966 * b
    u = 128 - 37.797 * r - 74.203 * g + 112.0 * b
    v = 128 + 112.0 * r - 93.786 * g - 18.214 * b
    return round(y), round(u), round(v)


def _check(value: int) -> int:
    total = (value >> 16 & 0xFF) + (value >> 8 & 0xFF) + (value & 0xFF)
    return (total ^ 0xA5) & 0xFF


def time_code(ms: int) -> int:
    """The 32 bits the strip shows for the wall-clock time ``ms``."""
    value = ms % TIME_MODULO
    return (value << 8) | _check(value)


def decode_time_code(bits: int) -> int | None:
    """The time in ms modulo 2**24, or None when the check fails (a damaged picture)."""
    value = bits >> 8
    return value if bits & 0xFF == _check(value) else None


class PatternPainter:
    """Paints frames of one size; keeps the static part so each frame costs one copy."""

    def __init__(self, width: int, height: int) -> None:
        if width < CELLS * 2 or height < 32 or width % 2 or height % 2:
            raise ValueError(f"pattern size must be even and at least {CELLS * 2}x32")
        self.width, self.height = width, height
        self._base = self._paint_base()
        self._band = (int(height * BARS_END) // 2 * 2, int(height * BAND_END) // 2 * 2)

    def _paint_base(self) -> Plane:
        w, h = self.width, self.height
        image = np.empty((h * 3 // 2, w), dtype=np.uint8)
        y_plane = image[:h]
        u_plane = image[h : h + h // 4].reshape(h // 2, w // 2)
        v_plane = image[h + h // 4 :].reshape(h // 2, w // 2)
        bars_end, band_end = int(h * BARS_END), int(h * BAND_END)
        for i, colour in enumerate(BARS):
            y, u, v = rgb_to_yuv(colour)
            x0, x1 = w * i // len(BARS), w * (i + 1) // len(BARS)
            y_plane[:bars_end, x0:x1] = y
            u_plane[: bars_end // 2, x0 // 2 : x1 // 2] = u
            v_plane[: bars_end // 2, x0 // 2 : x1 // 2] = v
        y_plane[bars_end:band_end] = _BAND_Y
        y_plane[band_end:] = _BLACK_Y
        u_plane[bars_end // 2 :] = 128
        v_plane[bars_end // 2 :] = 128
        return image

    def paint(self, elapsed: float, ms: int) -> Plane:
        """The frame ``elapsed`` seconds into the stream, captured at wall-clock ``ms``."""
        w, h = self.width, self.height
        image = self._base.copy()
        top, bottom = self._band
        side = bottom - top
        x = int((elapsed % SWEEP_SECONDS) / SWEEP_SECONDS * (w - side)) // 2 * 2
        image[top:bottom, x : x + side] = _WHITE_Y
        code = time_code(ms)
        strip = image[int(h * BAND_END) : h]
        for i in range(CELLS):
            if code >> (CELLS - 1 - i) & 1:
                strip[:, w * i // CELLS : w * (i + 1) // CELLS] = _WHITE_Y
        return image


def read_time_code(luma: Plane) -> int | None:
    """The capture time (ms modulo 2**24) from a received frame's Y plane, if legible."""
    h, w = luma.shape
    top, bottom = int(h * BAND_END), h
    # The middle of each cell, away from its edges where the codec smears.
    rows = luma[top + (bottom - top) // 4 : bottom - (bottom - top) // 4]
    bits = 0
    for i in range(CELLS):
        x0, x1 = w * i // CELLS, w * (i + 1) // CELLS
        cell = rows[:, x0 + (x1 - x0) // 4 : x1 - (x1 - x0) // 4]
        bits = bits << 1 | int(cell.mean() > (_BLACK_Y + _WHITE_Y) / 2)
    return decode_time_code(bits)


def bar_colours(rgb: npt.NDArray[np.uint8]) -> list[tuple[int, int, int]]:
    """The average colour in the middle of each bar of a received frame (RGB, HxWx3)."""
    h, w, _ = rgb.shape
    rows = rgb[int(h * BARS_END * 0.2) : int(h * BARS_END * 0.8)]
    colours = []
    for i in range(len(BARS)):
        x0, x1 = w * i // len(BARS), w * (i + 1) // len(BARS)
        cell = rows[:, x0 + (x1 - x0) // 4 : x1 - (x1 - x0) // 4].reshape(-1, 3)
        r, g, b = (int(c) for c in cell.mean(axis=0))
        colours.append((r, g, b))
    return colours
