"""The signaling server: accounts, contacts, presence, messages, files and call signaling."""

from __future__ import annotations

__version__ = "0.1.0"
