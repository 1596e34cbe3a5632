"""Frame conversion off the UI thread, on the newest frame only.

Converting a video frame (colour space, scaling) costs a few milliseconds per frame at 720p,
twice per call (the remote picture and the self view), thirty times a second: enough to make
the window stutter if the UI thread did it. The conversion runs in one worker thread instead;
while it is busy, newer frames replace the one waiting, so a slow machine shows fewer frames,
never late ones. Results are delivered on the event loop, where widgets may be touched.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

In = TypeVar("In")
Out = TypeVar("Out")


class LatestOnly(Generic[In, Out]):
    def __init__(
        self,
        convert: Callable[[In], Out | None],
        deliver: Callable[[Out], None],
        *,
        name: str,
    ) -> None:
        """``convert`` runs in the worker (it must not touch widgets); ``deliver`` on the loop."""
        self._convert = convert
        self._deliver = deliver
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._waiting: In | None = None
        self._busy = False
        self._closed = False

    def submit(self, item: In) -> None:
        """Convert ``item`` when the worker is free; an item still waiting is dropped."""
        if self._closed:
            return
        if self._busy:
            self._waiting = item
            return
        self._start(item)

    def close(self) -> None:
        """Stop converting; a conversion under way finishes but is not delivered."""
        self._closed = True
        self._waiting = None
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _start(self, item: In) -> None:
        self._busy = True
        future = asyncio.get_running_loop().run_in_executor(self._executor, self._convert, item)
        future.add_done_callback(self._finished)

    def _finished(self, future: asyncio.Future[Out | None]) -> None:
        self._busy = False
        if self._closed or future.cancelled():
            return
        error = future.exception()
        if error is not None:
            # A frame that cannot be converted is skipped; the next one may well be fine.
            log.warning("a media frame could not be converted: %s", error)
        else:
            result = future.result()
            if result is not None:
                self._deliver(result)
        waiting, self._waiting = self._waiting, None
        if waiting is not None and not self._closed:
            self._start(waiting)
