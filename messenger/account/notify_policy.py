"""Whether a new message deserves a desktop notification, and what it says.

A pure function of the message and the situation (own status, which chat is
open, the desktop's do-not-disturb, the user's settings), so the rules are
testable without a desktop and the same for every notification backend.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from messenger.account.preferences import Preferences
from messenger.protocol.events import MessageEvent

BUSY = "busy"
PREVIEW_LIMIT = 200
HIDDEN_PREVIEW = "New message"
# Messages older than this when they reach us (history caught up after a night
# offline, a first sync of a long conversation) are shown as unread, not announced.
STALE_SECONDS = 300.0

_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class NotificationContext:
    """The situation a message arrives in."""

    own_username: str
    own_status: str
    open_conversation: str | None  # the chat shown in the window, if any
    window_active: bool  # the window is visible and has the focus
    desktop_dnd: bool  # the desktop's own do-not-disturb
    now: float  # when the message reached us, on the server's clock scale (Unix time)


@dataclass(frozen=True)
class Notification:
    conversation: str
    title: str
    body: str
    sound: bool


def decide_notification(
    event: MessageEvent,
    context: NotificationContext,
    prefs: Preferences,
    *,
    sender_name: str,
    chat_title: str | None = None,
    muted: bool = False,
    mentions_me: bool = False,
) -> Notification | None:
    """The notification to raise for ``event``, or None when it would only disturb.

    No notification for one's own messages (sent from another device), for the chat
    the user is looking at, while busy (do not disturb), while the desktop itself is in
    do-not-disturb, or when notifications are switched off. ``chat_title`` names a room:
    its notifications are titled with it and read "Alice: text". A ``muted`` room raises
    nothing, not even a sound, except for a message that ``mentions_me``, which is titled
    as a mention wherever it comes from.
    """
    if event.sender == context.own_username or not prefs.notifications:
        return None
    if muted and not mentions_me:
        return None
    if context.now - event.ts > STALE_SECONDS:
        return None
    if context.own_status == BUSY or context.desktop_dnd:
        return None
    if context.window_active and context.open_conversation == event.conversation:
        return None
    body = (preview(event.text) if prefs.notification_preview else "") or HIDDEN_PREVIEW
    if chat_title:
        title = f"Mention in {chat_title}" if mentions_me else chat_title
        body = f"{sender_name}: {body}"
    else:
        title = sender_name
    return Notification(event.conversation, title, body, prefs.notification_sound)


def preview(text: str, limit: int = PREVIEW_LIMIT) -> str:
    """The message as one line of plain text (links stay text), cut at a word near ``limit``."""
    flat = _WHITESPACE.sub(" ", text).strip()
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit * 3 // 4:  # a word boundary near the end; else cut mid-word (a long URL)
        cut = cut[:space]
    return cut.rstrip() + "…"
