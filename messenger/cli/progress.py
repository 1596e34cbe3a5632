"""Transfer progress on stderr: a live line for a person, JSON lines for a script.

stdout stays for the one result object, so a script can pipe it while a person watches.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

import msgspec

from messenger.client.transfers import TransferUpdate

# A script gets a progress line at most this often (every state change still shows).
JSON_INTERVAL = 1.0
_UNITS = ("B", "KB", "MB", "GB", "TB")
_encoder = msgspec.json.Encoder()


def human_bytes(count: float) -> str:
    for unit in _UNITS:
        if count < 1000 or unit == _UNITS[-1]:
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1000
    raise AssertionError("unreachable")


def human_line(update: TransferUpdate) -> str:
    percent = 100.0 * update.done / update.size if update.size else 100.0
    parts = [
        f"{update.name}: {update.state}",
        f"{percent:3.0f}%",
        f"{human_bytes(update.done)} of {human_bytes(update.size)}",
    ]
    if update.speed:
        parts.append(f"{human_bytes(update.speed)}/s")
    if update.eta is not None:
        parts.append(f"{update.eta:.0f} s left")
    if update.error:
        parts.append(update.error)
    return ", ".join(parts)


class ProgressPrinter:
    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream or sys.stderr
        self._live = self._stream.isatty()
        self._last_state = ""
        self._last_json = 0.0

    def show(self, update: TransferUpdate) -> None:
        if self._live:
            self._stream.write("\r\x1b[K" + human_line(update))
            self._stream.flush()
            return
        now = time.monotonic()
        if update.state == self._last_state and now - self._last_json < JSON_INTERVAL:
            return
        self._last_state, self._last_json = update.state, now
        fields = ("id", "state", "name", "done", "size", "speed", "eta", "error_code", "error")
        progress = {name: getattr(update, name) for name in fields}
        self._stream.write(_encoder.encode({"progress": progress}).decode() + "\n")
        self._stream.flush()

    def finish(self) -> None:
        if self._live:
            self._stream.write("\n")
            self._stream.flush()
