"""Rate limits: a token bucket per connection, and failed-login throttling."""

from __future__ import annotations

import time
from collections import deque


class TokenBucket:
    """Allows ``rate`` events per second on average with bursts up to ``burst``."""

    __slots__ = ("_burst", "_rate", "_stamp", "_tokens")

    def __init__(self, rate: float, burst: int) -> None:
        self._rate = rate
        self._burst = float(burst)
        self._tokens = float(burst)
        self._stamp = time.monotonic()

    def take(self) -> float:
        """Take one token; return 0.0 on success, else the seconds until one is free."""
        now = time.monotonic()
        self._tokens = min(self._burst, self._tokens + (now - self._stamp) * self._rate)
        self._stamp = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return 0.0
        return (1.0 - self._tokens) / self._rate


class LoginThrottle:
    """Counts failures per key inside a window; past ``limit`` the key is locked out
    for a delay that doubles with each further failure, up to ``max_lockout``.

    Keys are account names (existing or not, so a lockout reveals nothing) and
    client addresses. In-process: each server instance throttles on its own.
    """

    def __init__(self, limit: int, window: float, max_lockout: float) -> None:
        self._limit = limit
        self._window = window
        self._max_lockout = max_lockout
        self._failures: dict[str, deque[float]] = {}

    def retry_after(self, key: str) -> float:
        """Seconds until ``key`` may try again (0 when it may now)."""
        stamps = self._prune(key)
        if stamps is None or len(stamps) < self._limit:
            return 0.0
        lockout = min(self._max_lockout, 2.0 ** (len(stamps) - self._limit))
        return max(0.0, stamps[-1] + lockout - time.monotonic())

    def failed(self, key: str) -> None:
        self._failures.setdefault(key, deque()).append(time.monotonic())

    def succeeded(self, key: str) -> None:
        self._failures.pop(key, None)

    def _prune(self, key: str) -> deque[float] | None:
        stamps = self._failures.get(key)
        if stamps is None:
            return None
        horizon = time.monotonic() - self._window
        while stamps and stamps[0] < horizon:
            stamps.popleft()
        if not stamps:
            del self._failures[key]
            return None
        return stamps
