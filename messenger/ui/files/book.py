"""The latest word on every transfer of an account, found by what a chat row knows of it.

A row of one's own file message knows its ``client_id`` (the upload's), a received one
its ``file_id`` (the downloads'); both are looked up for every card drawn, so they are
indexed rather than searched. Qt-free: fed ``TransferUpdate`` events by the session.
"""

from __future__ import annotations

from collections.abc import Iterable

from messenger.client.transfers import TransferUpdate


class TransferBook:
    def __init__(self) -> None:
        self._by_id: dict[int, TransferUpdate] = {}
        self._uploads: dict[str, int] = {}  # message client_id -> transfer id
        self._downloads: dict[str, int] = {}  # file_id -> the newest download's id

    def load(self, updates: Iterable[TransferUpdate]) -> None:
        """Start from what the store remembers (oldest first, so the newest download wins)."""
        for update in updates:
            self.apply(update)

    def apply(self, update: TransferUpdate) -> None:
        if update.state == "cancelled":
            self._forget(update.id)
            return
        self._by_id[update.id] = update
        if update.kind == "upload" and update.client_id is not None:
            self._uploads[update.client_id] = update.id
        elif update.kind == "download" and update.file_id is not None:
            newest = self._downloads.get(update.file_id, -1)
            if update.id >= newest:
                self._downloads[update.file_id] = update.id

    def _forget(self, transfer_id: int) -> None:
        gone = self._by_id.pop(transfer_id, None)
        if gone is None:
            return
        if gone.client_id is not None and self._uploads.get(gone.client_id) == transfer_id:
            del self._uploads[gone.client_id]
        if gone.file_id is not None and self._downloads.get(gone.file_id) == transfer_id:
            del self._downloads[gone.file_id]
            # An earlier download of the same file (done, say) speaks for it again.
            earlier = [
                t.id
                for t in self._by_id.values()
                if t.kind == "download" and t.file_id == gone.file_id
            ]
            if earlier:
                self._downloads[gone.file_id] = max(earlier)

    def get(self, transfer_id: int) -> TransferUpdate | None:
        return self._by_id.get(transfer_id)

    def upload(self, client_id: str) -> TransferUpdate | None:
        """The upload behind one's own file message."""
        transfer_id = self._uploads.get(client_id)
        return None if transfer_id is None else self._by_id.get(transfer_id)

    def download(self, file_id: str) -> TransferUpdate | None:
        """The newest download of a file (running, done or failed)."""
        transfer_id = self._downloads.get(file_id)
        return None if transfer_id is None else self._by_id.get(transfer_id)

    def unsent_uploads(self, conversation: str) -> list[TransferUpdate]:
        """Uploads to ``conversation`` whose message is not queued yet, oldest first."""
        return sorted(
            (
                t
                for t in self._by_id.values()
                if t.kind == "upload" and t.conversation == conversation and t.state != "done"
            ),
            key=lambda t: t.id,
        )
