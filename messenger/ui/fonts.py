"""Fonts the app asks Qt for: colour emoji wherever the system has a colour emoji font."""

from __future__ import annotations

from PySide6.QtGui import QFontDatabase

# Tried in order; the first one installed wins (Linux, Windows, macOS).
COLOR_EMOJI_FAMILIES = ("Noto Color Emoji", "Segoe UI Emoji", "Apple Color Emoji")


def use_color_emoji() -> str | None:
    """Make Qt draw emoji from a colour font instead of a text font's monochrome glyphs.

    Without this, Qt takes an emoji's glyph from the first font that has one, which
    on Linux is often DejaVu's black-and-white outline. Returns the family used.
    """
    installed = set(QFontDatabase.families())
    for family in COLOR_EMOJI_FAMILIES:
        if family in installed:
            QFontDatabase.setApplicationEmojiFontFamilies([family])
            return family
    return None
