"""The desktop app's composition root: Qt application, qasync loop, services and windows.

``messenger`` signs in (the welcome screen, or silently with a remembered
account) and opens the main window; ``messenger --demo`` starts a throwaway
server with two accounts that are contacts, each in its own window.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
import tempfile
from pathlib import Path

from messenger import __version__


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="messenger", description="Messenger: chats, files and calls with your contacts."
    )
    parser.add_argument("--version", action="version", version=f"messenger {__version__}")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="start a private demo server with two signed-in accounts, one window each",
    )
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="check this installation offscreen (plugins, codecs, windows, a call) and exit",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="where accounts, history and settings live (default: the user's data directory)",
    )
    parser.add_argument(
        "--log-level",
        default=os.environ.get("MESSENGER_LOG_LEVEL", "WARNING"),
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="how much to log on stderr (default: WARNING)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # Qt and the call stack load only after the arguments are known: `--version`
    # and `--help` answer at once, and start-up pays only for what it uses.
    if args.self_test:
        # Offscreen, so it runs the same on a desktop, over SSH and on a build machine.
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    import qasync
    from PySide6.QtWidgets import QApplication

    from messenger.resources import APP_ID
    from messenger.store.paths import data_dir as default_data_dir
    from messenger.ui.app_icon import app_icon
    from messenger.ui.shell import Shell
    from messenger.ui.single_instance import SingleInstance

    app = QApplication(sys.argv[:1])
    app.setApplicationName("Messenger")
    app.setApplicationDisplayName("Messenger")
    app.setOrganizationName("Messenger")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(APP_ID)
    app.setWindowIcon(app_icon())
    app.setQuitOnLastWindowClosed(False)  # the tray keeps the app alive; Quit ends it

    if args.self_test:
        from messenger.ui import self_test

        loop = qasync.QEventLoop(app)
        asyncio.set_event_loop(loop)
        with loop:
            result: int = loop.run_until_complete(self_test.run(app))
        return result
    if args.demo:
        data = Path(tempfile.mkdtemp(prefix="messenger-demo-"))
    else:
        data = args.data_dir or default_data_dir()
    instance = SingleInstance(data)
    if not instance.claim():
        print(f"Messenger is already running with {data}: its window was raised.")
        return 0
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    shell = Shell(app, data, demo=args.demo)
    instance.activated.connect(shell.show_windows)
    # Ctrl+C in a terminal quits cleanly (closing sessions, stopping the embedded server).
    loop.add_signal_handler(signal.SIGINT, shell.quit)
    loop.add_signal_handler(signal.SIGTERM, shell.quit)
    with loop:
        code: int = loop.run_until_complete(shell.run())
    instance.release()
    return code


if __name__ == "__main__":
    raise SystemExit(main())
