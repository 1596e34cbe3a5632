"""Notification policy: which messages raise a desktop notification, and what it says."""

from __future__ import annotations

from typing import Any

from messenger.account.notify_policy import (
    HIDDEN_PREVIEW,
    Notification,
    NotificationContext,
    decide_notification,
    preview,
)
from messenger.account.preferences import Preferences
from messenger.protocol.events import MessageEvent

ME = "bob"
CHAT = "dm:alice:bob"


def message(text: str = "hello bob", sender: str = "alice") -> MessageEvent:
    return MessageEvent(conversation=CHAT, seq=1, ts=0.0, sender=sender, client_id="c1", text=text)


def decide(
    event: MessageEvent,
    prefs: Preferences | None = None,
    chat_title: str | None = None,
    muted: bool = False,
    mentions_me: bool = False,
    **situation: Any,
) -> Notification | None:
    base: dict[str, Any] = {
        "own_username": ME,
        "own_status": "available",
        "open_conversation": None,
        "window_active": False,
        "desktop_dnd": False,
        "now": 10.0,
    }
    context = NotificationContext(**{**base, **situation})
    return decide_notification(
        event,
        context,
        prefs or Preferences(),
        sender_name="Alice",
        chat_title=chat_title,
        muted=muted,
        mentions_me=mentions_me,
    )


def test_background_message_notifies_with_sender_and_text() -> None:
    """A message for a chat that is not in view raises a notification: sender, text, sound."""
    assert decide(message()) == Notification(CHAT, "Alice", "hello bob", True)


def test_no_notification_for_own_messages() -> None:
    """One's own message (sent from another device) raises nothing."""
    assert decide(message(sender=ME)) is None


def test_open_chat_in_the_active_window_is_quiet() -> None:
    """The chat being looked at raises nothing; the same chat in a background window does."""
    assert decide(message(), open_conversation=CHAT, window_active=True) is None
    assert decide(message(), open_conversation=CHAT, window_active=False)
    assert decide(message(), open_conversation="dm:bob:carol", window_active=True)


def test_busy_and_desktop_dnd_suppress() -> None:
    """Busy (do not disturb) and the desktop's own do-not-disturb both suppress notifications."""
    assert decide(message(), own_status="busy") is None
    assert decide(message(), desktop_dnd=True) is None
    assert decide(message(), own_status="away")


def test_settings_switch_notifications_preview_and_sound() -> None:
    """Notifications off raises nothing; preview off hides the text; sound off is silent."""
    assert decide(message(), Preferences(notifications=False)) is None
    hidden = decide(message(), Preferences(notification_preview=False))
    assert hidden is not None and hidden.body == HIDDEN_PREVIEW and hidden.title == "Alice"
    quiet = decide(message(), Preferences(notification_sound=False))
    assert quiet is not None and not quiet.sound


def test_room_notification_is_titled_with_the_room() -> None:
    """A room's notification is titled with the room and says "sender: text"."""
    note = decide(message(), chat_title="Team")
    assert note is not None and (note.title, note.body) == ("Team", "Alice: hello bob")
    hidden = decide(message(), Preferences(notification_preview=False), chat_title="Team")
    assert hidden is not None and hidden.body == f"Alice: {HIDDEN_PREVIEW}"


def test_muted_room_is_quiet_but_a_mention_of_me_still_notifies() -> None:
    """A muted room raises nothing (so no sound); a message mentioning me raises a
    notification marked as a mention, muted or not; busy still silences even a mention."""
    assert decide(message(), chat_title="Team", muted=True) is None
    mention = decide(message("@bob look"), chat_title="Team", muted=True, mentions_me=True)
    assert mention == Notification(CHAT, "Mention in Team", "Alice: @bob look", True)
    unmuted = decide(message("@bob"), chat_title="Team", mentions_me=True)
    assert unmuted is not None and unmuted.title == "Mention in Team"
    assert decide(message(), chat_title="Team", mentions_me=True, own_status="busy") is None


def test_preview_is_one_line_and_truncated() -> None:
    """The preview flattens lines, keeps links as text, and cuts long text near 200 chars."""
    assert preview("see\n  https://example.org/a?b=1 \tnow") == "see https://example.org/a?b=1 now"
    long = preview("word " * 100)
    assert len(long) <= 200 and long.endswith("word…")
    url = preview("x" * 500)
    assert len(url) == 200 and url.endswith("…")


def test_empty_text_still_says_something() -> None:
    """A message with no text shows a generic body rather than an empty bubble."""
    note = decide(message(text="   "))
    assert note is not None and note.body == HIDDEN_PREVIEW


def test_history_caught_up_after_a_long_absence_is_not_announced() -> None:
    """A message sent long before it reached us (synced history) raises nothing."""
    assert decide(message(), now=3600.0) is None
    assert decide(message(), now=120.0) is not None
