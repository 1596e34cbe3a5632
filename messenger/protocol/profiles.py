"""Display names and avatars: the rules the server enforces, as pure functions.

Clients may run the same checks before sending, so a user hears about a bad name
or picture at once, with the message the server would give.
"""

from __future__ import annotations

import hashlib
import unicodedata

from messenger.protocol.errors import ErrorCode, ProtocolError
from messenger.protocol.limits import AVATAR_HASH_CHARS, MAX_AVATAR_BYTES, MAX_DISPLAY_NAME_CHARS

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_JPEG_MAGIC = b"\xff\xd8\xff"

# Embedding, override and isolate controls reorder the text around them: in a name shown
# next to other text they could make it read as someone else's (format characters such as
# the zero-width joiner, which emoji sequences need, stay allowed).
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _is_control(ch: str) -> bool:
    # Cc: C0/C1 controls and DEL (newlines, tabs, escapes); Zl/Zp: line and paragraph
    # separators. A display name is one line of text.
    return unicodedata.category(ch) in ("Cc", "Zl", "Zp") or ch in _BIDI_CONTROLS


def normalize_display_name(raw: str) -> str:
    """The display name to store: stripped; ``""`` clears it.

    Raises ``ProtocolError``: ``bad_request`` for control characters, ``too_large``
    for more than ``MAX_DISPLAY_NAME_CHARS`` code points after stripping.
    """
    name = raw.strip()
    bad = next((ch for ch in name if _is_control(ch)), None)
    if bad is not None:
        raise ProtocolError(
            ErrorCode.BAD_REQUEST,
            f"a display name cannot contain control characters (found U+{ord(bad):04X})",
        )
    if len(name) > MAX_DISPLAY_NAME_CHARS:
        raise ProtocolError(
            ErrorCode.TOO_LARGE,
            f"a display name has at most {MAX_DISPLAY_NAME_CHARS} characters, this one {len(name)}",
        )
    return name


def avatar_format(data: bytes) -> str | None:
    """``"png"`` or ``"jpeg"`` by the file's magic bytes, else None."""
    if data.startswith(_PNG_MAGIC):
        return "png"
    if data.startswith(_JPEG_MAGIC):
        return "jpeg"
    return None


def check_avatar(data: bytes) -> None:
    """Accept a non-empty avatar only if it is a PNG or JPEG of at most ``MAX_AVATAR_BYTES``.

    Only the magic bytes are checked: the server never decodes images, so clients
    must treat a received avatar as untrusted input for their image decoder.
    Raises ``ProtocolError``: ``too_large`` or ``bad_request``.
    """
    if len(data) > MAX_AVATAR_BYTES:
        raise ProtocolError(
            ErrorCode.TOO_LARGE,
            f"an avatar is at most {MAX_AVATAR_BYTES} bytes, this one is {len(data)};"
            " scale the picture down",
        )
    if avatar_format(data) is None:
        raise ProtocolError(ErrorCode.BAD_REQUEST, "an avatar must be a PNG or JPEG image")


def avatar_hash(data: bytes) -> str:
    """The avatar's identity: the first hex characters of its SHA-256.

    Sent in contact lists and events instead of the picture, so a client refetches
    an avatar (with ``profile``) only when this changes.
    """
    return hashlib.sha256(data).hexdigest()[:AVATAR_HASH_CHARS]
