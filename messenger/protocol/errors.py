"""Stable error codes carried by ``error`` frames.

Codes are part of the protocol: clients branch on them, so they never change
meaning. The human message next to a code may change freely.
"""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    BAD_REQUEST = "bad_request"  # not JSON, not an object, or a field of the wrong type
    UNKNOWN_TYPE = "unknown_type"  # the frame's ``type`` names no request
    UNSUPPORTED_VERSION = "unsupported_version"  # hello with a protocol we do not speak
    HELLO_REQUIRED = "hello_required"  # a request before the hello handshake
    NOT_AUTHENTICATED = "not_authenticated"  # a request that needs a signed-in session
    ALREADY_AUTHENTICATED = "already_authenticated"
    INVALID_CREDENTIALS = "invalid_credentials"  # never says which of name/password is wrong
    INVALID_TOKEN = "invalid_token"  # unknown, revoked or expired session token
    INVALID_USERNAME = "invalid_username"
    USERNAME_TAKEN = "username_taken"
    WEAK_PASSWORD = "weak_password"
    RATE_LIMITED = "rate_limited"  # carries ``retry_after`` in seconds
    NOT_FOUND = "not_found"
    FORBIDDEN = "forbidden"  # not a member / not the author / not allowed
    NOT_ACCEPTED = "not_accepted"  # recipient only accepts messages from contacts
    CONFLICT = "conflict"  # same client id reused with other content
    TOO_LARGE = "too_large"  # a field over its documented limit
    INVALID_STATE = "invalid_state"  # e.g. accepting a request that does not exist
    QUOTA_EXCEEDED = "quota_exceeded"  # files: the upload would pass the user's storage quota
    CHECKSUM_MISMATCH = "checksum_mismatch"  # files: the upload's bytes do not hash as declared
    INTERNAL_ERROR = "internal_error"


class ProtocolError(Exception):
    """A request that cannot be served; becomes one ``error`` reply.

    ``request_id`` is the id of the offending request when it could be read,
    so the reply still pairs with its request.
    """

    def __init__(
        self,
        code: ErrorCode,
        message: str,
        *,
        request_id: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.request_id = request_id
        self.retry_after = retry_after

    def __repr__(self) -> str:
        return f"ProtocolError({self.code.value!r}, {self.message!r})"
