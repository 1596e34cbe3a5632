"""Header parsing and building for the file routes: pure functions, no I/O.

tus 1.0 (https://tus.io/protocols/resumable-upload) for uploads, RFC 6266 for the
download's file name, RFC 9530 for its digest.
"""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata
from email.utils import formatdate
from urllib.parse import quote

from messenger.protocol.files import SHA256_RE, normalize_file_name, normalize_mime

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,expiration,termination"
OFFSET_OCTET_STREAM = "application/offset+octet-stream"
_DIGITS = re.compile(r"^[0-9]{1,19}$")
_METADATA_KEY = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class BadHeader(ValueError):
    """A header the request needs is missing or malformed; the message names it."""


def non_negative(value: str | None, header: str) -> int:
    """A tus integer header (``Upload-Length``, ``Upload-Offset``): digits only."""
    if value is None:
        raise BadHeader(f"{header} is required")
    if not _DIGITS.fullmatch(value.strip()):
        raise BadHeader(f"{header} must be a non-negative integer")
    return int(value)


def parse_metadata(value: str | None) -> dict[str, str]:
    """``Upload-Metadata``: comma-separated ``key base64(value)`` pairs, values UTF-8."""
    out: dict[str, str] = {}
    if not value:
        return out
    for pair in value.split(","):
        key, _, encoded = pair.strip().partition(" ")
        if not _METADATA_KEY.fullmatch(key) or key in out:
            raise BadHeader(f"Upload-Metadata: bad or repeated key {key[:64]!r}")
        try:
            out[key] = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise BadHeader(f"Upload-Metadata: {key} is not base64 of UTF-8 text") from None
    return out


class Declared:
    """What a creation request says about the file to come."""

    __slots__ = ("mime", "name", "sha256")

    def __init__(self, metadata: dict[str, str]) -> None:
        sha256 = metadata.get("sha256", "").strip().lower()
        if not SHA256_RE.fullmatch(sha256):
            raise BadHeader(
                "Upload-Metadata must declare sha256 (the file's SHA-256 as 64 hex digits)"
            )
        self.sha256 = sha256
        self.name = normalize_file_name(metadata.get("filename", ""))
        self.mime = normalize_mime(metadata.get("filetype", ""))


def http_date(ts: float) -> str:
    """RFC 9110 date, as tus ``Upload-Expires`` wants it."""
    return formatdate(ts, usegmt=True)


def _ascii_fallback(name: str) -> str:
    # For clients without RFC 8187 support: accents dropped, anything else non-ASCII,
    # quotes, backslashes and controls replaced.
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    plain = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\' else "_" for ch in plain)
    return plain.strip() or "file"


def content_disposition(name: str) -> str:
    """``attachment`` with the name twice (RFC 6266): a quoted ASCII fallback and the exact
    UTF-8 name percent-encoded in ``filename*``; the name is normalised again first."""
    safe = normalize_file_name(name)
    fallback, encoded = _ascii_fallback(safe), quote(safe, safe="")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"


def repr_digest(sha256_hex: str) -> str:
    """RFC 9530 ``Repr-Digest``: the whole file's SHA-256, so a client can check what it got
    (and a resumed download as a whole) without trusting anything but the server."""
    return f"sha-256=:{base64.b64encode(bytes.fromhex(sha256_hex)).decode()}:"
