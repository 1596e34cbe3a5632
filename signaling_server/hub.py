"""This instance's open connections, indexed by user and by session."""

from __future__ import annotations

from collections.abc import Iterable

from messenger.protocol.events import SessionRevokedEvent
from signaling_server.connection import CLOSE_SESSION_ENDED, Connection


class Hub:
    def __init__(self) -> None:
        self._by_user: dict[int, set[Connection]] = {}
        self._by_session: dict[int, set[Connection]] = {}

    def add(self, conn: Connection) -> None:
        assert conn.user_id is not None and conn.session_id is not None
        self._by_user.setdefault(conn.user_id, set()).add(conn)
        self._by_session.setdefault(conn.session_id, set()).add(conn)

    def remove(self, conn: Connection) -> bool:
        """Forget ``conn``; return True if it was its session's last connection here."""
        if conn.user_id is None or conn.session_id is None:
            return False
        users = self._by_user.get(conn.user_id)
        if users is not None:
            users.discard(conn)
            if not users:
                del self._by_user[conn.user_id]
        sessions = self._by_session.get(conn.session_id)
        if sessions is not None:
            sessions.discard(conn)
            if not sessions:
                del self._by_session[conn.session_id]
        return conn.session_id not in self._by_session

    def users_online(self) -> int:
        return len(self._by_user)

    def session_ids(self) -> list[int]:
        return list(self._by_session)

    def deliver(self, user_ids: Iterable[int], frame: bytes, exclude_session: int | None) -> None:
        for user_id in user_ids:
            for conn in self._by_user.get(user_id, ()):
                if conn.session_id != exclude_session:
                    conn.send(frame)

    def deliver_to_sessions(self, session_ids: Iterable[int], frame: bytes) -> None:
        for session_id in session_ids:
            for conn in self._by_session.get(session_id, ()):
                conn.send(frame)

    def sessions_of(self, user_id: int) -> set[int]:
        """The user's sessions with a connection here."""
        return {c.session_id for c in self._by_user.get(user_id, ()) if c.session_id is not None}

    def has_session(self, session_id: int) -> bool:
        return session_id in self._by_session

    def end_sessions(self, session_ids: Iterable[int], reason: str) -> None:
        notice = SessionRevokedEvent(reason=reason)
        for session_id in session_ids:
            for conn in list(self._by_session.get(session_id, ())):
                conn.send_frame(notice)
                conn.close(CLOSE_SESSION_ENDED, reason)
