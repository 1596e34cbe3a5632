"""The app's sounds: the new-message chime and the incoming-call ring.

Qt Multimedia is loaded on the first sound, not at start-up (it pulls in the
audio stack, which a cold start does not need). Where there is no audio output
(a server, a test machine, a desktop with sound off) sounds are skipped quietly:
a missing speaker is not an error to show anyone.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QUrl

from messenger.resources import resource_path

if TYPE_CHECKING:
    from PySide6.QtMultimedia import QSoundEffect

log = logging.getLogger(__name__)

MESSAGE = "message"
RING = "ring"
NAMES = (MESSAGE, RING)

# A burst of messages (a sync after being offline) chimes once, not once per message.
MIN_GAP_SECONDS = 1.5


class Sounds(QObject):
    def __init__(self, parent: QObject | None = None, *, volume: float = 0.8) -> None:
        super().__init__(parent)
        self._volume = volume
        self._effects: dict[str, QSoundEffect] = {}
        self._last_played: dict[str, float] = {}
        self._told_no_output = False

    @property
    def volume(self) -> float:
        return self._volume

    def set_volume(self, volume: float) -> None:
        """Linear volume from 0 (silent) to 1 (full)."""
        self._volume = min(1.0, max(0.0, volume))
        for effect in self._effects.values():
            effect.setVolume(self._volume)

    def has_output(self) -> bool:
        """Whether the system has an audio output right now (one may be plugged in later)."""
        from PySide6.QtMultimedia import QMediaDevices

        return bool(QMediaDevices.audioOutputs())

    def play(self, name: str) -> bool:
        """Play a sound once; False if it was skipped (no audio output, or just played)."""
        now = time.monotonic()
        last = self._last_played.get(name)
        if last is not None and now - last < MIN_GAP_SECONDS:
            return False
        effect = self._effect(name)
        if effect is None:
            return False
        self._last_played[name] = now
        effect.setLoopCount(1)
        effect.play()
        return True

    def start_ring(self) -> bool:
        """Ring until ``stop_ring`` (an incoming call); False where there is no audio output."""
        effect = self._effect(RING)
        if effect is None:
            return False
        from PySide6.QtMultimedia import QSoundEffect

        effect.setLoopCount(QSoundEffect.Loop.Infinite.value)
        effect.play()
        return True

    def stop_ring(self) -> None:
        effect = self._effects.get(RING)
        if effect is not None:
            effect.stop()

    def _effect(self, name: str) -> QSoundEffect | None:
        if name not in NAMES:
            raise ValueError(f"unknown sound {name!r}")
        if not self.has_output():
            if not self._told_no_output:
                log.info("no audio output: sounds are off until one appears")
                self._told_no_output = True
            return None
        effect = self._effects.get(name)
        if effect is None:
            from PySide6.QtMultimedia import QSoundEffect

            effect = QSoundEffect(self)
            effect.setSource(QUrl.fromLocalFile(str(resource_path("sounds", f"{name}.wav"))))
            effect.setVolume(self._volume)
            self._effects[name] = effect
        return effect
