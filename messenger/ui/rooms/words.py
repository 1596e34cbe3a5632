"""Sentences about rooms: the name rule, and the server's refusals in words."""

from __future__ import annotations

from messenger.protocol.errors import ErrorCode, ProtocolError

NAME_RULE = (
    "2 to 32 characters: letters, digits, dots, dashes and underscores, "
    "starting with a letter or digit"
)


def room_error(exc: ProtocolError, name: str = "") -> str:
    """A server refusal about a room, as a sentence a person can act on."""
    match exc.code:
        case ErrorCode.CONFLICT:
            return f"A room named “{name}” already exists. Pick another name."
        case ErrorCode.FORBIDDEN:
            return f"The server refused: {exc.message}."
        case ErrorCode.NOT_FOUND:
            return f"Not found: {exc.message}."
        case ErrorCode.INVALID_STATE:
            return f"That cannot be done now: {exc.message}."
    return f"The server said: {exc.message}."
