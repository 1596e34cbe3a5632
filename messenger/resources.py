"""Where the app's shipped files (icons, sounds, desktop entry) are found."""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent
# An installed wheel (or a bundle) carries resources/ inside the package as ``_resources``; in a
# checkout (and an editable install) it sits beside the package.
RESOURCES = _HERE / "_resources" if (_HERE / "_resources").is_dir() else _HERE.parent / "resources"

# The reverse-DNS id the desktop entry, the icons and the AppStream metainfo are named by; the
# desktop matches a running window to its menu entry (and so its icon and name) through it.
APP_ID = "io.github.messenger.Messenger"


def resource_path(*parts: str) -> Path:
    """The path of a shipped file, e.g. ``resource_path("sounds", "message.wav")``."""
    return RESOURCES.joinpath(*parts)


def app_icon_files() -> list[Path]:
    """The app icon's renderings, smallest first, then the scalable one."""
    hicolor = RESOURCES / "icons" / "hicolor"
    sized = sorted(
        hicolor.glob(f"*x*/apps/{APP_ID}.png"), key=lambda p: int(p.parts[-3].split("x")[0])
    )
    return [*sized, hicolor / "scalable" / "apps" / f"{APP_ID}.svg"]
