"""Screenshots of the demo for the README: main window, a chat, settings, the tray menu,
a video call (the incoming-call window and the call window, with the synthetic test pattern)
and a chat with file cards.

Runs ``messenger --demo``'s shell in this process on a virtual X screen (Xvfb),
lets the two demo accounts talk, and saves PNGs into ``docs/screenshots``:

    python scripts/screenshots.py [--out DIR] [--theme light|dark]

Needs Debian's ``xvfb`` (``apt-get install xvfb``) unless a display is already set.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCREEN = "1280x800x24"


@contextlib.contextmanager
def virtual_display() -> Iterator[None]:
    """Start Xvfb on a free display number unless one is already set."""
    if os.environ.get("DISPLAY"):
        yield
        return
    if shutil.which("Xvfb") is None:
        sys.exit("screenshots: Xvfb is not installed (apt-get install xvfb)")
    read, write = os.pipe()
    # -displayfd: Xvfb picks a free display and writes its number once it accepts clients.
    proc = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", SCREEN, "-nolisten", "tcp"],
        pass_fds=(write,),
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as pipe:
        number = pipe.readline().strip()
    if not number:
        proc.kill()
        sys.exit("screenshots: Xvfb did not start")
    os.environ["DISPLAY"] = f":{number}"
    try:
        yield
    finally:
        proc.terminate()
        proc.wait(timeout=10)


async def settle(seconds: float = 0.6) -> None:
    await asyncio.sleep(seconds)


async def shoot(out: Path, theme: str) -> None:
    from PySide6.QtWidgets import QApplication

    from messenger.account.preferences import Preferences
    from messenger.ui.settings_dialog import SettingsDialog
    from messenger.ui.shell import Shell
    from messenger.ui.theme import apply_theme

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    shell = Shell(app, Path(tempfile.mkdtemp(prefix="messenger-shots-")), demo=True)
    running = asyncio.ensure_future(shell.run())
    while len(shell.accounts) < 2 or any(  # noqa: ASYNC110  (no event says "both signed in")
        a.session.state.value != "authenticated" for a in shell.accounts
    ):
        await asyncio.sleep(0.1)
    apply_theme(app, theme)
    alice, bob = shell.accounts
    alice.session.set_presence("available", "Working from the café")
    bob.session.set_presence("busy", "In a meeting until 3")
    conversation = alice.session.conversation_with(bob.session.username)
    for sender, text in [
        (bob, "Hi Alice! Did you see the plan for Saturday? 🚲"),
        (alice, "Yes :) Leaving at 9 from the station, see https://example.org/route"),
        (bob, "Perfect. I'll bring coffee ☕"),
        (alice, "Great, see you there!"),
    ]:
        sender.session.send_text(conversation, text)
        await settle(0.3)
    await settle(1.0)
    for account in shell.accounts:
        account.window.resize(900, 620)
        account.window.activateWindow()
        await settle()

    alice.window.chat.set_window_active(True)
    await settle()
    alice.window.grab().save(str(out / "main-window.png"))
    bob.window.grab().save(str(out / "chat.png"))

    settings = SettingsDialog(Preferences(), alice.window)
    settings.show()
    await settle()
    settings.grab().save(str(out / "settings.png"))
    settings.close()

    menu = shell.tray.menu
    menu.popup(alice.window.geometry().center())
    await settle()
    menu.grab().save(str(out / "tray-menu.png"))
    menu.close()
    shell.tray.icon_image(64).save(str(out / "tray-icon.png"))

    bob.choose_status("available")  # Busy means do not disturb: calls would not ring
    await settle(1.0)
    alice.calls.place(bob.session.username, True)
    while not bob.calls.ringing:  # noqa: ASYNC110  (the ring is what is being waited for)
        await asyncio.sleep(0.1)
    incoming = next(iter(bob.calls.ringing.values()))
    await settle()
    incoming.grab().save(str(out / "incoming-call.png"))
    incoming.video_button.click()
    await settle(4.0)  # connected, both cameras (test patterns) running
    ongoing = bob.calls.ongoing
    assert ongoing is not None
    ongoing.window.grab().save(str(out / "call.png"))
    ongoing.hang_up()
    await settle(3.5)  # the windows say how the call ended, then close

    await shoot_files(alice, bob, out)

    shell.quit()
    await running


async def shoot_files(alice: Any, bob: Any, out: Path) -> None:
    """Alice sends a photo and a PDF, Bob a list; Bob downloads the PDF (files.png)."""
    from PySide6.QtCore import QPointF, Qt
    from PySide6.QtGui import QColor, QImage, QLinearGradient, QPainter

    folder = Path(tempfile.mkdtemp(prefix="messenger-shots-files-"))
    photo = QImage(1200, 800, QImage.Format.Format_RGB32)
    sky = QLinearGradient(QPointF(0, 0), QPointF(0, 800))
    sky.setColorAt(0.0, QColor("#f6a04d"))
    sky.setColorAt(0.6, QColor("#e8546b"))
    sky.setColorAt(1.0, QColor("#3b2b5c"))
    painter = QPainter(photo)
    painter.fillRect(photo.rect(), sky)
    painter.setBrush(QColor("#ffd36e"))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawEllipse(QPointF(600, 560), 120, 120)
    painter.setBrush(QColor("#2a2040"))
    painter.drawRect(0, 600, 1200, 200)
    painter.end()
    photo.save(str(folder / "Saturday route.jpg"))
    (folder / "Ride plan.pdf").write_bytes(b"%PDF-1.4\n" + os.urandom(1_800_000))
    (folder / "packing-list.txt").write_text("helmet\nwater\nspare tube\n")

    alice.window.open_chat(
        alice.session.conversation_with(bob.session.username), bob.session.username
    )
    bob.window.open_chat(
        bob.session.conversation_with(alice.session.username), alice.session.username
    )
    alice.window.chat.send_files([folder / "Saturday route.jpg", folder / "Ride plan.pdf"])
    await settle(2.0)
    bob.window.chat.send_files([folder / "packing-list.txt"])
    await settle(2.0)
    chat = bob.window.chat
    model = chat.model
    assert model is not None
    row = next(
        r
        for r in range(model.rowCount())
        if (info := model.info(r)) is not None and info.file and info.file.name == "Ride plan.pdf"
    )
    chat.file_action(row, "download")
    await settle(2.0)
    chat.view.scroll_to_bottom()
    chat.set_window_active(True)
    await settle()
    bob.window.grab().save(str(out / "files.png"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--theme", choices=["light", "dark"], default="light")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    # Downloads land in a scratch folder, not the user's own (XDG user dirs).
    config = Path(tempfile.mkdtemp(prefix="messenger-shots-config-"))
    (config / "user-dirs.dirs").write_text(f'XDG_DOWNLOAD_DIR="{config / "Downloads"}"\n')
    os.environ["XDG_CONFIG_HOME"] = str(config)
    with virtual_display():
        os.environ.setdefault("QT_QPA_PLATFORM", "xcb")
        import qasync
        from PySide6.QtWidgets import QApplication

        app = QApplication(sys.argv[:1])
        app.setApplicationName("Messenger")
        app.setQuitOnLastWindowClosed(False)
        loop = qasync.QEventLoop(app)
        asyncio.set_event_loop(loop)
        with loop:
            loop.run_until_complete(shoot(args.out, args.theme))
    for png in sorted(args.out.glob("*.png")):
        print(png)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
