"""An image pasted from the clipboard, saved as a PNG file so it can be sent like any file.

The file lives in the account's folder (not a temporary directory) because an upload
resumes from its source after a restart, and one's own sent image opens from there.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QByteArray
from PySide6.QtGui import QImage, QImageWriter

PASTED_FOLDER = "pasted"


def save_pasted(image: QImage, folder: Path, now: dt.datetime | None = None) -> Path:
    """Write ``image`` as "Pasted image <date time>.png" in ``folder`` (never over another
    file) and return its path; raises ``OSError`` when it cannot be written. Slow for a
    large screenshot: call it from a worker thread."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = (now or dt.datetime.now()).strftime("%Y-%m-%d %H.%M.%S")
    for n in range(1000):
        suffix = f" ({n})" if n else ""
        path = folder / f"Pasted image {stamp}{suffix}.png"
        try:
            with path.open("xb"):  # claimed atomically: two pastes in one second both keep theirs
                pass
        except FileExistsError:
            continue
        if not QImageWriter(str(path), QByteArray(b"PNG")).write(image):
            path.unlink(missing_ok=True)
            raise OSError(f"could not write {path}")
        return path
    raise OSError(f"too many pasted images named {stamp} in {folder}")
