"""Echo cancellation and noise suppression for the microphone path.

WebRTC's own audio processing module (AEC3 and its noise suppressor, through the
``pywebrtc-audio`` bindings) removes from what the microphone hears the sound the speaker
just played: the far end, which the engine feeds in as it hands received audio to the
speaker. Without it a call on laptop speakers echoes back to the other side.
"""

from __future__ import annotations

import logging
from collections import deque
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from pywebrtc_audio import AudioProcessor

log = logging.getLogger(__name__)

RATE = 48000
CHUNK = RATE // 100  # the module works in 10 ms blocks
FAR_LIMIT = RATE // 2  # keep at most 500 ms of far end: more is stale, not echo


class EchoCanceller:
    """One call's processing state: feed the far end, process the near end, in order."""

    def __init__(self, processor: AudioProcessor) -> None:
        self._processor = processor
        self._far: deque[npt.NDArray[np.int16]] = deque()
        self._far_samples = 0
        self._near_rest = np.zeros(0, dtype=np.int16)

    @classmethod
    def create(cls) -> EchoCanceller | None:
        """A canceller, or None (logged) where the processing module cannot be loaded."""
        try:
            from pywebrtc_audio import AudioProcessor
        except ImportError as exc:
            log.warning("echo cancellation unavailable (pywebrtc-audio): %s", exc)
            return None
        return cls(AudioProcessor(sample_rate=RATE, echo_cancellation=True, noise_suppression=True))

    def feed_far(self, samples: npt.NDArray[np.int16]) -> None:
        """Mono s16 at 48 kHz that was just handed to the speaker."""
        self._far.append(samples)
        self._far_samples += len(samples)
        while self._far_samples > FAR_LIMIT:
            self._far_samples -= len(self._far.popleft())

    def _take_far(self, count: int) -> npt.NDArray[np.int16]:
        parts: list[npt.NDArray[np.int16]] = []
        needed = count
        while needed and self._far:
            head = self._far[0]
            if len(head) <= needed:
                parts.append(self._far.popleft())
                needed -= len(head)
            else:
                parts.append(head[:needed])
                self._far[0] = head[needed:]
                needed = 0
        self._far_samples -= count - needed
        if needed:  # the far end is silent (or late): silence is the right reference
            parts.append(np.zeros(needed, dtype=np.int16))
        return np.concatenate(parts)

    def process(self, near: npt.NDArray[np.int16]) -> npt.NDArray[np.int16]:
        """Mono s16 at 48 kHz from the microphone, cleaned; whole 10 ms blocks only.

        The module pads a partial block with zeros, which would click, so a remainder
        waits for the next call (the output may be up to 10 ms shorter or longer).
        """
        samples = np.concatenate([self._near_rest, near]) if len(self._near_rest) else near
        usable = len(samples) - len(samples) % CHUNK
        self._near_rest = samples[usable:]
        if not usable:
            return np.zeros(0, dtype=np.int16)
        block = np.ascontiguousarray(samples[:usable])
        return self._processor.process(block, self._take_far(usable))
