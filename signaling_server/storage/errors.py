"""Domain failures raised by storage operations; handlers turn them into error replies."""

from __future__ import annotations


class StorageError(Exception):
    """Base of the expected, user-facing storage failures."""


class UsernameTaken(StorageError):
    pass


class NotFound(StorageError):
    pass


class Forbidden(StorageError):
    pass


class NotAccepted(StorageError):
    """The recipient accepts messages from contacts only."""


class Conflict(StorageError):
    """A client id reused with other content."""


class Invalid(StorageError):
    """A request that contradicts what is stored (a file reference that is not the upload)."""


class QuotaExceeded(StorageError):
    """An upload past the user's storage quota or unfinished-upload limit."""


class NameTaken(StorageError):
    """A room name (compared case-insensitively) another room has."""


class InvalidState(StorageError):
    """An action that does not apply now (joining a room one is in, declining no invitation)."""
