"""File messages: the reference a message carries, and the rules for names and types.

Pure functions shared by the server, which normalises what it stores and sends, and by
clients, which normalise again before a name touches their file system: a server (or a
message from an older server) may send anything.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

import msgspec

from messenger.protocol import limits as L
from messenger.protocol.errors import ErrorCode, ProtocolError
from messenger.protocol.profiles import avatar_format

FILE_ID_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
OCTET_STREAM = "application/octet-stream"
FALLBACK_NAME = "file"

FileId = Annotated[str, msgspec.Meta(pattern=FILE_ID_RE.pattern)]
Sha256Hex = Annotated[str, msgspec.Meta(pattern=SHA256_RE.pattern)]
FileSize = Annotated[int, msgspec.Meta(ge=0, le=2**53)]


class FileRef(msgspec.Struct, frozen=True, kw_only=True):
    """What a file message says about its file; the bytes are fetched over HTTP by ``file_id``.

    ``name`` and ``mime`` are the sender's words, normalised by the server
    (``normalize_file_name``, ``normalize_mime``); ``thumbnail`` is a small PNG or JPEG the
    sender made, base64 in JSON. ``size`` and ``sha256`` are checked by the server against
    the upload, so a receiver can verify what it downloads.
    """

    file_id: FileId
    name: str
    size: FileSize
    sha256: Sha256Hex
    mime: str = OCTET_STREAM
    thumbnail: bytes | None = None


# Characters Windows refuses in a file name; '/' and '\\' are path separators everywhere.
_FORBIDDEN = frozenset('<>:"/\\|?*')
# Embedding, override and isolate controls reorder what follows: "invoice\u202efdp.exe"
# shows as "invoiceexe.pdf", a classic way to disguise an executable.
_BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
# Device names Windows reserves in any directory and with any extension ("con.txt").
_RESERVED = frozenset(
    ["con", "prn", "aux", "nul", "conin$", "conout$"]
    + [f"{dev}{n}" for dev in ("com", "lpt") for n in [*"0123456789", "¹", "²", "³"]]
)
_MIME_RE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$")
_MAX_EXTENSION_CHARS = 16


def _is_unsafe(ch: str) -> bool:
    # Cc: controls (newline, tab, escape, DEL...); Zl/Zp: line and paragraph separators.
    return unicodedata.category(ch) in ("Cc", "Zl", "Zp") or ch in _BIDI_CONTROLS


def _truncate_utf8(text: str, max_bytes: int) -> str:
    encoded = text.encode("utf-8")
    if len(encoded) <= max_bytes:
        return text
    return encoded[:max_bytes].decode("utf-8", errors="ignore")


def _fit(name: str, max_bytes: int) -> str:
    """Shorten ``name`` to ``max_bytes`` of UTF-8, keeping a short extension intact."""
    if len(name.encode("utf-8")) <= max_bytes:
        return name
    stem, dot, ext = name.rpartition(".")
    if dot and stem and len(ext) <= _MAX_EXTENSION_CHARS:
        tail = dot + ext
        return _truncate_utf8(stem, max_bytes - len(tail.encode("utf-8"))).rstrip(" .") + tail
    return _truncate_utf8(name, max_bytes)


def normalize_file_name(raw: str) -> str:
    """A name safe to show and to create in any directory: never a path, never a device.

    Keeps the last path component only (``../x`` and ``/etc/passwd`` name ``x`` and
    ``passwd``), drops control and bidirectional-override characters, replaces the
    characters Windows refuses with ``_``, strips leading and trailing dots and spaces
    (no hidden files, no Windows trailing-dot aliasing), prefixes reserved device names
    (``CON``, ``com1.txt``) with ``_`` and keeps at most ``MAX_FILE_NAME_BYTES`` of UTF-8
    so the receiver can still add `` (1)`` and ``.part``. Idempotent; never empty.
    """
    name = unicodedata.normalize("NFC", raw)
    name = re.split(r"[/\\]", name)[-1]
    name = "".join("_" if ch in _FORBIDDEN else ch for ch in name if not _is_unsafe(ch))
    name = name.strip(" .\t")
    if name.split(".", 1)[0].rstrip(" ").lower() in _RESERVED:
        name = "_" + name
    name = _fit(name, L.MAX_FILE_NAME_BYTES).strip(" .")
    return name or FALLBACK_NAME


def normalize_mime(raw: str) -> str:
    """The media type without parameters, lower case; ``application/octet-stream`` when it is
    not a well-formed ``type/subtype``. It is the sender's claim: good for an icon, nothing more."""
    mime = raw.split(";", 1)[0].strip().lower()
    return mime if _MIME_RE.fullmatch(mime) else OCTET_STREAM


def check_thumbnail(data: bytes) -> None:
    """A thumbnail is a PNG or JPEG of at most ``MAX_THUMBNAIL_BYTES``; raises ``ProtocolError``.

    Only the magic bytes are checked: receivers must treat it as untrusted image input.
    """
    if len(data) > L.MAX_THUMBNAIL_BYTES:
        raise ProtocolError(
            ErrorCode.TOO_LARGE,
            f"a thumbnail is at most {L.MAX_THUMBNAIL_BYTES} bytes, this one is {len(data)}",
        )
    if avatar_format(data) is None:
        raise ProtocolError(ErrorCode.BAD_REQUEST, "a thumbnail must be a PNG or JPEG image")


def normalize_file_ref(ref: FileRef) -> FileRef:
    """``ref`` with its name and type normalised; raises ``ProtocolError`` for a bad thumbnail."""
    if ref.thumbnail:
        check_thumbnail(ref.thumbnail)
    return msgspec.structs.replace(
        ref,
        name=normalize_file_name(ref.name),
        mime=normalize_mime(ref.mime),
        thumbnail=ref.thumbnail or None,
    )
