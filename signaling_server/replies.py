"""Turning handler and storage failures into the one error reply a request gets."""

from __future__ import annotations

import logging

from messenger.protocol.errors import ErrorCode, ProtocolError
from signaling_server.storage import errors as se

log = logging.getLogger(__name__)

_STORAGE_CODES: dict[type[se.StorageError], tuple[ErrorCode, str]] = {
    se.NotFound: (ErrorCode.NOT_FOUND, "not found"),
    se.Forbidden: (ErrorCode.FORBIDDEN, "not allowed"),
    se.NotAccepted: (ErrorCode.NOT_ACCEPTED, "this user accepts messages from contacts only"),
    se.Conflict: (ErrorCode.CONFLICT, "this client id was already used for other content"),
    se.UsernameTaken: (ErrorCode.USERNAME_TAKEN, "this username is taken"),
    se.Invalid: (ErrorCode.BAD_REQUEST, "invalid"),
    se.QuotaExceeded: (ErrorCode.QUOTA_EXCEEDED, "over quota"),
    se.NameTaken: (ErrorCode.CONFLICT, "this room name is taken"),
    se.InvalidState: (ErrorCode.INVALID_STATE, "not possible now"),
}


def as_protocol_error(exc: BaseException, request_id: str) -> ProtocolError:
    """The error reply for ``exc``; unexpected exceptions are logged and become internal_error."""
    if isinstance(exc, ProtocolError):
        exc.request_id = request_id
        return exc
    for kind, (code, message) in _STORAGE_CODES.items():
        if isinstance(exc, kind):
            detail = str(exc)
            text = f"{message}: {detail}" if detail and kind is not se.NotAccepted else message
            return ProtocolError(code, text, request_id=request_id)
    log.error("internal error", exc_info=exc)
    return ProtocolError(
        ErrorCode.INTERNAL_ERROR, "the server failed to handle this request", request_id=request_id
    )
