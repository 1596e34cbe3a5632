"""Who is typing in which conversation: notices that expire unless they are renewed."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

TYPING_EXPIRES = 6.0  # seconds a typing notice lasts unless renewed


class TypingNotices(QObject):
    changed = Signal()  # someone started or stopped typing, or a notice expired

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._until: dict[tuple[str, str], float] = {}  # (conversation, user) -> expiry
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._expire)

    def set(self, conversation: str, user: str, typing: bool) -> None:
        if typing:
            self._until[(conversation, user)] = time.monotonic() + TYPING_EXPIRES
        elif self._until.pop((conversation, user), None) is None:
            return
        self._expire()

    def typing_in(self, conversation: str) -> list[str]:
        return [user for (c, user) in self._until if c == conversation]

    def sentence(self, conversation: str, name_of: Callable[[str], str]) -> str:
        """ "bob is typing…", "bob and carol are typing…", or "" when nobody is."""
        names = [name_of(user) for user in self.typing_in(conversation)]
        if not names:
            return ""
        if len(names) == 1:
            return f"{names[0]} is typing…"
        return f"{', '.join(names[:-1])} and {names[-1]} are typing…"

    def _expire(self) -> None:
        now = time.monotonic()
        self._until = {key: until for key, until in self._until.items() if until > now}
        if self._until:
            soonest = min(self._until.values())
            self._timer.start(max(50, int((soonest - now) * 1000) + 50))
        self.changed.emit()
