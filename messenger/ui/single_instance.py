"""One running app per data directory: starting it again raises the running one's window.

A lock file in the data directory decides who runs (Qt's QLockFile notices a lock left by a
crashed process, so a crash never locks the user out); the running instance listens on a local
socket named after the directory, and a second start only knocks there and exits. A demo or a
test with its own data directory is a separate instance.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from PySide6.QtCore import QLockFile, QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

KNOCK = b"raise\n"
KNOCK_TIMEOUT_MS = 2000


def socket_name(data_dir: Path) -> str:
    # Local socket names are shared by every user of the machine (files in /tmp on Unix), so
    # the user id is part of it; the hash keeps it short and free of path characters.
    key = f"{getattr(os, 'getuid', lambda: 0)()}:{data_dir.resolve()}"
    return "messenger-" + hashlib.sha256(key.encode()).hexdigest()[:20]


class SingleInstance(QObject):
    """``claim()`` once at start-up; ``activated`` fires when another start knocks."""

    activated = Signal()

    def __init__(self, data_dir: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        data_dir.mkdir(parents=True, exist_ok=True)
        self._lock = QLockFile(str(data_dir / "instance.lock"))
        self._name = socket_name(data_dir)
        self._server: QLocalServer | None = None

    def claim(self) -> bool:
        """True if this process is now the instance for the directory; False after
        knocking on the running one (which then raises its window)."""
        if not self._lock.tryLock(0):
            self._knock()
            return False
        server = QLocalServer(self)
        # The lock is ours, so a socket file still there is a crashed run's leftover.
        QLocalServer.removeServer(self._name)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        server.newConnection.connect(self._on_knock)
        server.listen(self._name)
        self._server = server
        return True

    def release(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        self._lock.unlock()

    def _knock(self) -> None:
        socket = QLocalSocket()
        socket.connectToServer(self._name)
        if socket.waitForConnected(KNOCK_TIMEOUT_MS):
            socket.write(KNOCK)
            socket.waitForBytesWritten(KNOCK_TIMEOUT_MS)
            socket.disconnectFromServer()

    def _on_knock(self) -> None:
        assert self._server is not None
        while (peer := self._server.nextPendingConnection()) is not None:
            # Whatever arrives, a knock only ever raises a window: nothing is read or trusted.
            peer.disconnected.connect(peer.deleteLater)
            peer.disconnectFromServer()
            self.activated.emit()
