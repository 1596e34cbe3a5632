"""Transfer speed and time left, smoothed so a progress bar does not jitter."""

from __future__ import annotations

# Samples closer together than this say more about scheduling than about the network.
_MIN_INTERVAL = 0.25
# Weight of the newest sample: about the last two seconds dominate.
_ALPHA = 0.3


class Meter:
    """Bytes per second as an exponential moving average of recent progress."""

    def __init__(self, done: int, now: float) -> None:
        self._last_done = done
        self._last_time = now
        self.speed = 0.0

    def update(self, done: int, now: float) -> None:
        elapsed = now - self._last_time
        if elapsed < _MIN_INTERVAL:
            return
        rate = max(done - self._last_done, 0) / elapsed
        self.speed = rate if self.speed == 0 else _ALPHA * rate + (1 - _ALPHA) * self.speed
        self._last_done, self._last_time = done, now

    def restart(self, done: int, now: float) -> None:
        """After a pause or reconnect: measure afresh from here."""
        self._last_done, self._last_time = done, now
        self.speed = 0.0

    def eta(self, done: int, total: int) -> float | None:
        """Seconds left at the current speed; None until there is a speed to go by."""
        if self.speed <= 0:
            return None
        return max(total - done, 0) / self.speed
