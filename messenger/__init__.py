"""Messenger: a desktop instant messenger and its headless core."""

from __future__ import annotations

__version__ = "0.1.0"
