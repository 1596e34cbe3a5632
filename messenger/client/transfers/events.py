"""The one event a transfer emits on the client's event streams, on every change."""

from __future__ import annotations

from typing import Literal

from messenger.client.events import ClientEvent
from messenger.store.transfers import TransferKind

# queued: waiting for a free slot; preparing: hashing the file to upload; running: bytes
# are moving; waiting: offline or the server is unreachable, retried on its own; paused:
# by the user; done: uploaded and the message queued, or downloaded and verified;
# failed: stopped for good (``error_code``, ``error``), ``resume`` tries again;
# cancelled: gone (the last event of a transfer).
TransferState = Literal[
    "queued", "preparing", "running", "waiting", "paused", "done", "failed", "cancelled"
]
FINAL_STATES = frozenset({"done", "failed", "cancelled"})


class TransferUpdate(ClientEvent, tag="transfer", frozen=True):
    """Where a transfer stands: what a progress card shows.

    ``done`` and ``size`` are bytes; ``speed`` bytes per second (0 unless running);
    ``eta`` seconds left (None while unknown). An upload's ``client_id`` is its file
    message's, whose ``ack`` event follows once the server has stored it. A download's
    ``path`` is where the file is (once done) or will be.
    """

    id: int
    kind: TransferKind
    state: TransferState
    conversation: str
    name: str
    size: int
    done: int
    speed: float = 0.0
    eta: float | None = None
    mime: str = "application/octet-stream"
    file_id: str | None = None
    client_id: str | None = None
    path: str | None = None
    error_code: str | None = None
    error: str | None = None
