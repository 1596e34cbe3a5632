"""The chat panel: a conversation's messages (model, delegate, view) and the composer."""

from __future__ import annotations

from messenger.ui.chat.panel import ChatPanel

__all__ = ["ChatPanel"]
