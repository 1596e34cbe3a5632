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
MAX_DISPLAY_NAME_CHARS = 64  # after stripping surrounding whitespace
# Raw (decoded) bytes. Small enough that an avatar travels inline in one frame (base64 adds a
# third, so 32 KiB stays well under the default 64 KiB frame limit) and a contact list's
# avatars fit in memory; plenty for a 256x256 JPEG or a small PNG.
MAX_AVATAR_BYTES = 32768
AVATAR_HASH_CHARS = 16  # hex characters of the avatar's SHA-256 that identify it
MAX_CALL_ID_CHARS = 64
# A file message's name, in UTF-8 bytes: with room for a " (99)" clash suffix and a ".part"
# download suffix inside the 255-byte name limit of every common file system.
MAX_FILE_NAME_BYTES = 200
# A file message's inline thumbnail (raw bytes; base64 adds a third in JSON): a 200-pixel JPEG
# at ordinary quality. Small, because it travels in every sync page that holds the message.
MAX_THUMBNAIL_BYTES = 8192
# Checked by the server (``too_large``), not by the schema. An aiortc offer with audio, video
# and every gathered candidate is 3 to 6 KB; browsers' offers run to about 12 KB.
MAX_SDP_CHARS = 32768
MAX_CANDIDATE_CHARS = 1024  # one ICE candidate line (RFC 8839 grammar), with room to spare
MAX_CALL_DETAIL_CHARS = 200  # the plain-words reason a client gives when a call fails
MAX_ROOM_TOPIC_CHARS = 300  # one line above a room's messages
MAX_MENTIONS = 50  # distinct @names per message the server looks up and marks


class Limits(msgspec.Struct, frozen=True, kw_only=True):
    """Limits a server enforces; sent to clients in the hello result."""

    max_frame_bytes: int = 65536
    max_text_chars: int = 8192
    history_page_max: int = 200
    sync_page_max: int = 500
    rate_per_second: float = 100.0
    rate_burst: int = 200
    auth_timeout_seconds: float = 10.0
