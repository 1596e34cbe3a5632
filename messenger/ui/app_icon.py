"""The app's own icon for its windows, from the icon theme when installed, else shipped files."""

from __future__ import annotations

from PySide6.QtGui import QIcon

from messenger.resources import APP_ID, app_icon_files


def app_icon() -> QIcon:
    fallback = QIcon()
    for path in app_icon_files():
        if path.exists():
            fallback.addFile(str(path))
    # An installed package puts the icon in the theme, where a user's icon theme may restyle it.
    return QIcon.fromTheme(APP_ID, fallback)
