"""The bytes on disk: partial uploads by upload id, complete content by SHA-256.

Layout under the files directory::

    uploads/<file_id>          an upload in progress; its size is the tus offset
    blobs/<aa>/<sha256>        complete content, stored once however often it is sent

Neither path ever contains a client-supplied name: upload ids are ours (and checked
against ``FILE_ID_RE`` at the edge), hashes are hex. Every method blocks; the service runs
them on a worker thread.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from messenger.protocol.files import FILE_ID_RE, SHA256_RE

# Big reads amortise the per-call cost when a prefix is hashed again after a restart.
_READ_CHUNK = 4 * 1024 * 1024


class Sink:
    """Appends to one partial upload and hashes what it appends, off the event loop.

    Unbuffered (``FileIO``): the service hands over about a megabyte of chunks at a time,
    as they came off the socket, so Python's own buffering would only add copies.
    """

    def __init__(self, path: Path, hasher: Any) -> None:
        self._file = path.open("ab", buffering=0)
        self.hasher = hasher

    def write(self, chunks: list[bytes]) -> None:
        for chunk in chunks:
            view = memoryview(chunk)
            while view:
                view = view[self._file.write(view) :]
            # hashlib releases the GIL for chunks this size: the loop thread keeps reading.
            self.hasher.update(chunk)

    def close(self) -> None:
        self._file.close()


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._uploads = root / "uploads"
        self._blobs = root / "blobs"

    def ensure(self) -> None:
        self._uploads.mkdir(parents=True, exist_ok=True)
        self._blobs.mkdir(parents=True, exist_ok=True)

    def partial(self, file_id: str) -> Path:
        if not FILE_ID_RE.fullmatch(file_id):
            raise ValueError(f"not a file id: {file_id!r}")
        return self._uploads / file_id

    def blob(self, sha256: str) -> Path:
        if not SHA256_RE.fullmatch(sha256):
            raise ValueError(f"not a SHA-256: {sha256!r}")
        return self._blobs / sha256[:2] / sha256

    def offset(self, file_id: str) -> int:
        """How many bytes of the upload are on disk (0 before the first)."""
        try:
            return self.partial(file_id).stat().st_size
        except FileNotFoundError:
            return 0

    def open_sink(self, file_id: str, hasher: Any) -> Sink:
        return Sink(self.partial(file_id), hasher)

    def hash_prefix(self, file_id: str, length: int) -> Any:
        """A SHA-256 over the first ``length`` bytes of a partial upload, to continue from.

        Needed when the hash state was lost (a server restart between two PATCHes).
        """
        hasher = hashlib.sha256()
        with self.partial(file_id).open("rb", buffering=0) as f:
            left = length
            while left:
                chunk = f.read(min(_READ_CHUNK, left))
                if not chunk:
                    raise OSError(f"upload {file_id} is shorter than {length} bytes")
                hasher.update(chunk)
                left -= len(chunk)
        return hasher

    def commit(self, file_id: str, sha256: str) -> None:
        """Make a finished upload the content for ``sha256``: moved into place, or dropped
        when that content is already stored (the same file sent twice is stored once)."""
        partial, blob = self.partial(file_id), self.blob(sha256)
        if blob.exists():
            partial.unlink(missing_ok=True)
            return
        blob.parent.mkdir(exist_ok=True)
        # Same file system, so atomic: readers see the whole blob or none.
        partial.replace(blob)

    def remove_partial(self, file_id: str) -> None:
        self.partial(file_id).unlink(missing_ok=True)

    def remove_blob(self, sha256: str) -> None:
        path = self.blob(sha256)
        path.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            path.parent.rmdir()  # only when it was the last one of its directory

    def partial_ids(self) -> Iterator[str]:
        """Every partial upload on disk (to find those whose record is gone)."""
        for entry in os.scandir(self._uploads):
            if FILE_ID_RE.fullmatch(entry.name):
                yield entry.name

    def blob_hashes(self) -> Iterator[str]:
        for bucket in os.scandir(self._blobs):
            if bucket.is_dir():
                for entry in os.scandir(bucket.path):
                    if SHA256_RE.fullmatch(entry.name):
                        yield entry.name
