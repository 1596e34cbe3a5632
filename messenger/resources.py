"""Where the app's shipped files (icons, sounds, desktop entry) are found."""

from __future__ import annotations

from pathlib import Path

# resources/ sits beside the messenger package in a checkout.
RESOURCES = Path(__file__).resolve().parent.parent / "resources"


def resource_path(*parts: str) -> Path:
    """The path of a shipped file, e.g. ``resource_path("sounds", "message.wav")``."""
    return RESOURCES.joinpath(*parts)
