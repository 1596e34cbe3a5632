"""Protocol limits. The server announces its own values in the hello result;
these are the defaults and the bounds clients may assume."""

from __future__ import annotations

import msgspec

MAX_REQUEST_ID_CHARS = 64
MAX_CLIENT_ID_CHARS = 64
MAX_DEVICE_CHARS = 64
MAX_PASSWORD_CHARS = 1024  # long enough for any passphrase, short enough to bound hashing cost
MIN_PASSWORD_CHARS = 8
MAX_STATUS_TEXT_CHARS = 140
MAX_EMOJI_CHARS = 32
MAX_CONVERSATION_ID_CHARS = 80


class Limits(msgspec.Struct, frozen=True, kw_only=True):
    """Limits a server enforces; sent to clients in the hello result."""

    max_frame_bytes: int = 65536
    max_text_chars: int = 8192
    history_page_max: int = 200
    sync_page_max: int = 500
    rate_per_second: float = 100.0
    rate_burst: int = 200
    auth_timeout_seconds: float = 10.0
