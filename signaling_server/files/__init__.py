"""File transfer over HTTP beside /ws: resumable uploads (tus 1.0) and downloads with Range.

``routes`` is the HTTP edge (parse, authenticate, map outcomes to status codes),
``service`` decides (quotas, offsets, checksums, who may download, cleanup) and ``blobs``
keeps the bytes on disk, by upload id while incomplete and by SHA-256 once complete.
"""

from __future__ import annotations

from signaling_server.files.routes import register

__all__ = ["register"]
