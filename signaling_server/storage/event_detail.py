"""``events.detail``: what a room's events say beyond the common columns, as JSON.

One nullable column rather than one per field: most events (every 1:1 message) have none,
and room entries are rare next to messages, so a small JSON object costs nothing on the hot
path and keeps the events table narrow.
"""

from __future__ import annotations

import msgspec

from messenger.protocol.rooms import MemberChange, RoomSettings


class EventDetail(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    mentions: list[str] = []
    member: MemberChange | None = None
    room: RoomSettings | None = None


_EMPTY = EventDetail()
_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(EventDetail)


def encode_detail(detail: EventDetail) -> str | None:
    return None if detail == _EMPTY else _encoder.encode(detail).decode()


def decode_detail(raw: object) -> EventDetail:
    """The stored detail; an empty one for NULL. A value this module cannot read (written by a
    newer server, then downgraded) also reads as empty, so one row never breaks a page."""
    if not isinstance(raw, str | bytes):
        return _EMPTY
    try:
        return _decoder.decode(raw)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return _EMPTY
