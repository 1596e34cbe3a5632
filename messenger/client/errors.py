"""Errors the client raises, each one something a UI or CLI can explain and act on.

Replies the server refused arrive as ``messenger.protocol.ProtocolError`` (with
the server's code, message and retry_after); everything here is about the
connection itself.
"""

from __future__ import annotations

from messenger.protocol.errors import ErrorCode, ProtocolError
from messenger.protocol.events import Error


class ClientError(Exception):
    """Base class for client-side failures."""


class ConnectionFailed(ClientError):
    """The server could not be reached or the connection dropped; retrying may help."""


class NotConnected(ConnectionFailed):
    """A request was made while there is no live connection."""


class RequestTimeout(ConnectionFailed):
    """No reply arrived in time; the connection is probably dead."""


class UntrustedCertificate(ClientError):
    """The server's TLS certificate is not trusted by the system (self-signed or unknown CA).

    Show ``fingerprint`` to the user; if they confirm it out of band, connect
    again with it accepted and it is pinned for this server from then on.
    """

    def __init__(self, server: str, fingerprint: str, reason: str) -> None:
        super().__init__(
            f"the certificate of {server} is not trusted ({reason}); its SHA-256 fingerprint is "
            f"{fingerprint}. Accept it only if it matches what the server's operator gave you."
        )
        self.server = server
        self.fingerprint = fingerprint
        self.reason = reason


class CertificateChanged(ClientError):
    """The server presented a different certificate than the one pinned for it."""

    def __init__(self, server: str, expected: str, actual: str) -> None:
        super().__init__(
            f"the certificate of {server} changed: pinned {expected}, got {actual}. This may be "
            "an attack; if the operator really replaced it, remove the old pin and accept the "
            "new fingerprint."
        )
        self.server = server
        self.expected = expected
        self.actual = actual


class AuthenticationFailed(ClientError):
    """The server refused our credentials, or we have none to offer; retrying will not help."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class SessionEnded(ClientError):
    """The server ended this session (logged out or revoked from another device)."""


class IncompatibleServer(ClientError):
    """The server does not speak our protocol version."""


def error_from_frame(frame: Error) -> ProtocolError:
    """The ``ProtocolError`` for an error reply; codes newer than this client keep their text."""
    try:
        code = ErrorCode(frame.code)
    except ValueError:
        return ProtocolError(
            ErrorCode.INTERNAL_ERROR,
            f"{frame.code}: {frame.message}",
            request_id=frame.id,
            retry_after=frame.retry_after,
        )
    return ProtocolError(code, frame.message, request_id=frame.id, retry_after=frame.retry_after)
