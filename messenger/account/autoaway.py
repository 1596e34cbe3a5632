"""Auto-away: when to switch one's presence to away after idle time, and back on activity.

A pure policy, fed samples of how long the desktop (or the app) has been idle.
It only ever moves between "available" and "away", and only undoes what it did
itself: a status the user chose by hand (away, busy, invisible, or available
while idle) always wins until the user picks "available" again.
"""

from __future__ import annotations

AVAILABLE = "available"
AWAY = "away"


class AutoAway:
    """Decides the presence to set from idle samples; remembers whether "away" was its own doing."""

    def __init__(self) -> None:
        self._set_away = False  # the current "away" was set by this policy, not by the user

    @property
    def active(self) -> bool:
        """True while the user is away because of idle time (not by their own choice)."""
        return self._set_away

    def choose(self, status: str) -> None:
        """The user picked ``status`` by hand: whatever it is, it is theirs, not ours to undo."""
        self._set_away = False

    def update(
        self, idle_seconds: float, current: str, *, enabled: bool, threshold_minutes: float
    ) -> str | None:
        """The status to switch to for this idle sample, or None to leave it alone.

        ``current`` is the current own status, however it got there: if it is no longer
        the "away" this policy set, the user (or another of their devices) changed it, and
        the policy stands back.
        """
        if self._set_away and current != AWAY:
            self._set_away = False
        threshold = threshold_minutes * 60.0
        if self._set_away:
            # Idle time only grows until there is input: dropping below the threshold
            # means the user came back. Honoured even if auto-away was switched off
            # meanwhile, so nobody stays "away" for good because of a settings change.
            if idle_seconds < threshold:
                self._set_away = False
                return AVAILABLE
            return None
        if enabled and current == AVAILABLE and idle_seconds >= threshold:
            self._set_away = True
            return AWAY
        return None
