"""Help -> About: the version, the licence, and every bundled component with its licence."""

from __future__ import annotations

import importlib.metadata

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, qVersion
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from messenger import __version__
from messenger.resources import resource_path
from messenger.ui.app_icon import app_icon

# (shown name, distribution to read the version of, licence). Licences are stated here rather
# than read from package metadata, which is free text in older packages.
COMPONENTS = (
    ("Qt for Python (PySide6)", "PySide6", "LGPL-3.0-only"),
    ("PyAV (FFmpeg, x264, libvpx, Opus)", "av", "BSD-3-Clause; FFmpeg LGPL/GPL, x264 GPL"),
    ("aiortc", "aiortc", "BSD-3-Clause"),
    ("aioice", "aioice", "BSD-3-Clause"),
    ("pylibsrtp", "pylibsrtp", "BSD-3-Clause"),
    ("qasync", "qasync", "BSD-2-Clause"),
    ("aiohttp", "aiohttp", "Apache-2.0 AND MIT"),
    ("msgspec", "msgspec", "BSD-3-Clause"),
    ("cryptography (OpenSSL)", "cryptography", "Apache-2.0 OR BSD-3-Clause"),
    ("NumPy", "numpy", "BSD-3-Clause"),
    ("SQLAlchemy", "sqlalchemy", "MIT"),
    ("Alembic", "alembic", "MIT"),
    ("argon2-cffi", "argon2-cffi", "MIT"),
    ("keyring", "keyring", "MIT"),
    ("platformdirs", "platformdirs", "MIT"),
)


def component_rows() -> list[tuple[str, str, str]]:
    """(name, installed version or "not installed", licence) for each component, Qt first."""
    rows = [("Qt", qVersion(), "LGPL-3.0-only")]
    for name, dist, licence in COMPONENTS:
        try:
            version = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            version = "not installed"
        rows.append((name, version, licence))
    return rows


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About Messenger")
        self.resize(560, 520)

        icon = QLabel()
        icon.setPixmap(app_icon().pixmap(64, 64))
        self.title = QLabel(f"<h2>Messenger {__version__}</h2>")
        header = QHBoxLayout()
        header.addWidget(icon)
        header.addWidget(self.title, 1)

        notices = resource_path("THIRD_PARTY_NOTICES.md").as_uri()
        blurb = QLabel(
            "<p>Chats, files and calls with your contacts, through a server you can run"
            " yourself. Call audio and video go straight between the people in the call.</p>"
            "<p>Free software under the GNU General Public License, version 3 or later: you may"
            " use, study, share and change it. It comes with no warranty.</p>"
            f'<p>Third-party licences: <a href="{notices}">notices</a>.</p>'
        )
        blurb.setWordWrap(True)
        blurb.setOpenExternalLinks(True)
        blurb.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)

        rows = component_rows()
        self.table = QTableWidget(len(rows), 3)
        self.table.setHorizontalHeaderLabels(["Component", "Version", "Licence"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        for row, values in enumerate(rows):
            for column, value in enumerate(values):
                self.table.setItem(row, column, QTableWidgetItem(value))
        header_view = self.table.horizontalHeader()
        header_view.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header_view.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header_view.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        built = QLabel(f"Built with Qt for Python {pyside_version}.")

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(blurb)
        layout.addWidget(self.table, 1)
        layout.addWidget(built)
        layout.addWidget(buttons)
