"""Protocol version negotiated by the hello handshake.

The version is a single integer bumped on any incompatible change. A server
accepts every version in ``[MIN_SUPPORTED, PROTOCOL_VERSION]``.
"""

from __future__ import annotations

PROTOCOL_VERSION = 1
MIN_SUPPORTED = 1
