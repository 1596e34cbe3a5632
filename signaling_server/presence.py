"""Presence aggregated over a user's sessions.

Each session sets its own status (a desktop may be busy while a laptop is
away). What contacts see is the most present of them: busy > available > away;
invisible sessions count as offline, so a user whose every session is
invisible appears offline.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)

_RANK = {"busy": 3, "available": 2, "away": 1}


class Presence:
    __slots__ = ("status", "text")

    def __init__(self, status: str, text: str) -> None:
        self.status = status
        self.text = text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Presence) and (self.status, self.text) == (
            other.status,
            other.text,
        )

    def __hash__(self) -> int:
        return hash((self.status, self.text))


OFFLINE = Presence("offline", "")


class PresenceTracker:
    def __init__(self) -> None:
        # user -> session -> (status, text, order set)
        self._sessions: dict[int, dict[int, tuple[str, str, int]]] = {}
        self._clock = 0

    def visible(self, user_id: int) -> Presence:
        """What an accepted contact sees."""
        sessions = self._sessions.get(user_id)
        if not sessions:
            return OFFLINE
        shown = [s for s in sessions.values() if s[0] in _RANK]
        if not shown:
            return OFFLINE
        best = max(shown, key=lambda s: (_RANK[s[0]], s[2]))
        # The status text is the one set most recently on any session.
        latest_text = max(shown, key=lambda s: s[2])[1]
        return Presence(best[0], latest_text)

    def own(self, user_id: int, session_id: int) -> Presence:
        entry = self._sessions.get(user_id, {}).get(session_id)
        return OFFLINE if entry is None else Presence(entry[0], entry[1])

    def set(self, user_id: int, session_id: int, status: str, text: str) -> bool:
        """Set one session's status; return True if what contacts see changed."""
        before = self.visible(user_id)
        self._clock += 1
        self._sessions.setdefault(user_id, {})[session_id] = (status, text, self._clock)
        return self.visible(user_id) != before

    def drop(self, user_id: int, session_id: int) -> bool:
        """A session went away; return True if what contacts see changed."""
        before = self.visible(user_id)
        sessions = self._sessions.get(user_id)
        if sessions is not None:
            sessions.pop(session_id, None)
            if not sessions:
                del self._sessions[user_id]
        return self.visible(user_id) != before
