"""The wire protocol: typed frame schemas, codec, version, errors, limits. Pure, no I/O."""

from __future__ import annotations

from messenger.protocol.errors import ErrorCode, ProtocolError
from messenger.protocol.version import MIN_SUPPORTED, PROTOCOL_VERSION

__all__ = ["MIN_SUPPORTED", "PROTOCOL_VERSION", "ErrorCode", "ProtocolError"]
