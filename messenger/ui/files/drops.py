"""What was dropped or pasted: the local files among a drag's URLs."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData


def local_files(data: QMimeData) -> list[Path]:
    """The regular files a drag or paste carries (folders and remote URLs are left out:
    only files can be sent, and a web page's link is text, not an attachment)."""
    if not data.hasUrls():
        return []
    paths = [Path(url.toLocalFile()) for url in data.urls() if url.isLocalFile()]
    return [p for p in paths if p.is_file()]
