"""What the chat does with files: send the dropped, picked or pasted ones (with a thumbnail
for images), and carry out a card's actions: download, open, show in folder, cancel, retry,
and view an image (downloading it first)."""

from __future__ import annotations

import asyncio
import mimetypes
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QWidget

from messenger.client.transfers import TransferUpdate
from messenger.client.transfers.api import TransferError
from messenger.protocol.errors import ProtocolError
from messenger.protocol.files import FileRef
from messenger.ui.files.card import FileCard
from messenger.ui.files.paste import PASTED_FOLDER, save_pasted
from messenger.ui.files.reveal import open_file, show_in_folder
from messenger.ui.files.thumbs import make_thumbnail
from messenger.ui.files.viewer import ImageViewer
from messenger.ui.session import AccountSession


class FileActions(QObject):
    sent = Signal(str)  # conversation: a file was queued there (the chat shows its card)

    def __init__(self, session: AccountSession, window: QWidget) -> None:
        super().__init__(window)
        self._session = session
        self._window = window
        self.viewers: dict[str, ImageViewer] = {}  # file id (or local path) -> its window
        session.transfer_changed.connect(self._on_transfer_changed)

    # --- sending ---------------------------------------------------------------------

    def send(self, conversation: str, paths: list[Path]) -> None:
        """Send files in the order given; each shows as a card at once."""
        self._session.run(self._send(conversation, paths), "send the files")

    async def _send(self, conversation: str, paths: list[Path]) -> None:
        for path in paths:
            thumbnail = None
            if (mimetypes.guess_type(path.name)[0] or "").startswith("image/"):
                # Decoding a large photo takes a while: never on the UI thread.
                thumbnail = await asyncio.to_thread(make_thumbnail, path)
            try:
                self._session.send_file(conversation, path, thumbnail=thumbnail)
            except (TransferError, ProtocolError) as exc:
                # One unreadable file does not stop the others.
                self._session.failed.emit(f"Could not send {path.name}: {exc}")
                continue
            self.sent.emit(conversation)

    def send_pasted(self, conversation: str, image: QImage) -> None:
        """An image from the clipboard: saved as a PNG in the account's folder, then sent."""
        folder = self._session.store.path.parent / PASTED_FOLDER

        async def go() -> None:
            path = await asyncio.to_thread(save_pasted, image, folder)
            await self._send(conversation, [path])

        self._session.run(go(), "send the pasted image")

    # --- a card's actions ---------------------------------------------------------------

    def act(self, conversation: str, file: FileRef | None, card: FileCard, action: str) -> None:
        match action:
            case "download" if file is not None:
                self._download(conversation, file)
            case "open":
                if not open_file(Path(card.path)) and file is not None:
                    # Moved or deleted since: fetch it again rather than fail.
                    self._download(conversation, file)
            case "folder":
                self._session.run(show_in_folder(Path(card.path)), "show the file in its folder")
            case "cancel" if card.transfer:
                self._session.cancel_transfer(card.transfer)
            case "retry" | "resume" if card.transfer:
                self._session.retry_transfer(card.transfer)
            case "view":
                self.view(conversation, file, card)

    def _download(self, conversation: str, file: FileRef) -> TransferUpdate | None:
        try:
            return self._session.download(conversation, file)
        except TransferError as exc:
            self._session.failed.emit(f"Could not download {file.name}: {exc.message}")
            return None

    def view(self, conversation: str, file: FileRef | None, card: FileCard) -> ImageViewer:
        """Show the image in its own window, downloading it first when there is no copy."""
        key = card.file_id or card.path
        viewer = self.viewers.get(key)
        if viewer is None:
            viewer = ImageViewer(card.name, self._window)
            viewer.destroyed.connect(lambda: self.viewers.pop(key, None))
            self.viewers[key] = viewer
        if card.path and Path(card.path).is_file():
            viewer.show_file(Path(card.path))
        elif file is not None:
            update = self._session.transfers.download(file.file_id)
            if update is None or update.state == "done":
                update = self._download(conversation, file)
            elif update.state in ("failed", "paused"):
                self._session.retry_transfer(update.id)
            if update is not None:
                viewer.show_progress(update)
        viewer.show()
        viewer.raise_()
        viewer.activateWindow()
        return viewer

    def _on_transfer_changed(self, update: TransferUpdate) -> None:
        viewer = self.viewers.get(update.file_id or "")
        if viewer is None or update.kind != "download" or viewer.transfer != update.id:
            return
        if update.state == "done" and update.path:
            viewer.show_file(Path(update.path))
        elif update.state != "cancelled":
            viewer.show_progress(update)
