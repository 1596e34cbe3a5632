"""Open a downloaded file, or show it selected in the desktop's file manager.

"Show in folder" uses the freedesktop ``org.freedesktop.FileManager1.ShowItems`` call
(Nautilus, Dolphin, Nemo, Caja, Thunar and others), which opens the folder with the file
selected; where no file manager answers on the session bus, the folder is opened instead.
The D-Bus client is jeepney on the app's loop, like the notifications'.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from jeepney import DBusAddress, new_method_call  # type: ignore[import-untyped]
from jeepney.io.asyncio import open_dbus_router  # type: ignore[import-untyped]
from jeepney.wrappers import unwrap_msg  # type: ignore[import-untyped]
from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices

from messenger.ui.freedesktop import CALL_TIMEOUT, DBusUnavailable

log = logging.getLogger(__name__)

FILE_MANAGER = DBusAddress(
    "/org/freedesktop/FileManager1",
    bus_name="org.freedesktop.FileManager1",
    interface="org.freedesktop.FileManager1",
)


def open_file(path: Path) -> bool:
    """Open with the desktop's application for the file; False if the file is gone."""
    if not path.is_file():
        return False
    return bool(QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))))


async def show_in_folder(path: Path, bus: str = "SESSION") -> bool:
    """Show ``path`` selected in its folder; False if neither it nor its folder exists."""
    if await asyncio.to_thread(path.exists):
        uri = QUrl.fromLocalFile(str(path)).toString(QUrl.ComponentFormattingOption.FullyEncoded)
        try:
            async with asyncio.timeout(CALL_TIMEOUT), open_dbus_router(bus) as router:
                message = new_method_call(FILE_MANAGER, "ShowItems", "ass", ([uri], ""))
                unwrap_msg(await router.send_and_get_reply(message))
            return True
        except DBusUnavailable as exc:
            log.info("no file manager on the session bus (%s); opening the folder", exc)
    folder = path.parent
    if not await asyncio.to_thread(folder.is_dir):
        return False
    return bool(QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))))
