"""File transfers of the headless client: resumable uploads and downloads with progress.

``Transfers`` (``client.transfers``) is the whole API a UI or the CLI needs; each change
of a transfer arrives as a ``TransferUpdate`` on ``client.subscribe()`` streams.
"""

from __future__ import annotations

from messenger.client.transfers.api import TransferError
from messenger.client.transfers.events import FINAL_STATES, TransferState, TransferUpdate
from messenger.client.transfers.manager import Transfers

__all__ = ["FINAL_STATES", "TransferError", "TransferState", "TransferUpdate", "Transfers"]
