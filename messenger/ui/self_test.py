"""``messenger --self-test``: does this installation have what it needs, and does it work?

Meant for an installed package (CI runs it on the installed .deb) and for a user's bug report.
It runs offscreen on throwaway data, so it passes on a machine with no display, keyring, tray,
camera or microphone. It checks Qt's plugins and the codecs calls need, then does what a user
would: builds the welcome, main, settings and About windows, starts the embedded server, and
places a video call between two demo accounts with the synthetic devices until video arrives
at both ends. One line per check; the caller exits 1 if any failed.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from PySide6.QtGui import QGuiApplication, QImageReader
from PySide6.QtWidgets import QApplication

from messenger.account.preferences import Preferences

if TYPE_CHECKING:
    from messenger.ui.account_ui import AccountUi

CALL_SECONDS = 60.0  # from placing the call to video at both ends, on a slow machine
IMAGE_FORMATS = ("png", "jpeg", "svg", "gif", "ico")
# (codec, "w" to encode or "r" to decode): what aiortc negotiates for calls.
CODECS: tuple[tuple[str, Literal["r", "w"]], ...] = (
    ("libvpx", "w"),
    ("vp8", "r"),
    ("libx264", "w"),
    ("h264", "r"),
    ("libopus", "w"),
    ("opus", "r"),
)


@dataclass(frozen=True)
class Check:
    name: str
    problem: str | None  # None: passed

    def line(self) -> str:
        return (
            f"ok    {self.name}" if self.problem is None else f"FAIL  {self.name}: {self.problem}"
        )


def qt_plugins() -> str | None:
    missing = [f for f in IMAGE_FORMATS if f.encode() not in QImageReader.supportedImageFormats()]
    if missing:
        return "Qt image format plugins missing: " + ", ".join(missing)
    from messenger.ui.app_icon import app_icon

    if app_icon().pixmap(64, 64).isNull():
        return "the app icon does not load"
    return None


def qt_multimedia() -> str | None:
    try:
        from PySide6.QtMultimedia import QMediaDevices, QMediaFormat
    except ImportError as exc:
        return f"Qt Multimedia cannot be loaded: {exc}"
    QMediaDevices.audioOutputs()  # loads the multimedia backend plugin
    decodable = QMediaFormat().supportedAudioCodecs(QMediaFormat.ConversionMode.Decode)
    if not decodable:
        return "Qt Multimedia has no backend plugin (it can decode no audio format)"
    return None


def codecs() -> str | None:
    import av
    import numpy as np

    missing = []
    for name, mode in CODECS:
        try:
            av.codec.Codec(name, mode)
        except Exception:  # av raises its own UnknownCodecError, or ValueError in older versions
            missing.append(f"{name} ({'encoder' if mode == 'w' else 'decoder'})")
    if missing:
        return "FFmpeg codecs missing: " + ", ".join(missing)
    # One real round trip, so a codec that is listed but cannot run shows up here.
    encoder = av.CodecContext.create("libvpx", "w")
    encoder.width, encoder.height, encoder.pix_fmt = 320, 240, "yuv420p"
    frame = av.VideoFrame.from_ndarray(np.zeros((240, 320, 3), dtype=np.uint8), format="rgb24")
    packets = encoder.encode(frame.reformat(format="yuv420p")) + encoder.encode(None)
    decoder = av.CodecContext.create("vp8", "r")
    if not any(decoder.decode(packet) for packet in packets):
        return "VP8 encodes but the result does not decode"
    return None


def echo_cancellation() -> str | None:
    from messenger.calls.echo import EchoCanceller

    if EchoCanceller.create() is None:
        return "the WebRTC audio processing module does not load (calls would echo)"
    return None


def seconds_since_process_start() -> float | None:
    """Wall time since this process was started, interpreter start-up included (Linux)."""
    try:
        stat = Path("/proc/self/stat").read_text()
        uptime = float(Path("/proc/uptime").read_text().split()[0])
    except OSError:
        return None
    # Field 22, counted after the command name, which is in parentheses and may hold spaces.
    started_ticks = int(stat.rsplit(")", 1)[1].split()[19])
    return uptime - started_ticks / os.sysconf("SC_CLK_TCK")


def first_window() -> str:
    """Show the window a new user sees first, before anything heavy loads, and say when."""
    from messenger.ui.welcome import WelcomeDialog

    welcome = WelcomeDialog(Preferences(), None)
    welcome.show()
    welcome.repaint()  # painted now, as on screen; no nested event loop
    since_start = seconds_since_process_start()
    welcome.close()
    if since_start is None:
        return "first window shown"
    return f"first window shown {since_start * 1000:.0f} ms after the process started"


async def app_and_call(app: QApplication, data_dir: Path) -> str | None:
    """The windows a user sees, and a video call between two demo accounts."""
    from messenger.calls.manager import CallOptions
    from messenger.localserver import LocalServer, prepare_demo
    from messenger.ui.about_dialog import AboutDialog
    from messenger.ui.account_ui import AccountUi, Services
    from messenger.ui.idle import IdleMonitor
    from messenger.ui.media.devices import PATTERN_KEY, TONE_KEY
    from messenger.ui.session import AccountSession
    from messenger.ui.settings_dialog import SettingsDialog
    from messenger.ui.sign_in import build_demo_client
    from messenger.ui.tray import TrayController

    prefs = Preferences(audio_input=TONE_KEY, camera=PATTERN_KEY)
    for window in (SettingsDialog(prefs), AboutDialog()):
        window.show()
        window.close()

    server = LocalServer(data_dir / "server", host="127.0.0.1", port=0)
    await server.start()
    tray = TrayController(available=False)
    uis: list[AccountUi] = []
    try:
        accounts = await prepare_demo(server.url, server.fingerprint)
        services = Services(
            prefs=lambda: prefs,
            save_prefs=lambda _prefs: None,
            tray=tray,
            idle=IdleMonitor(desktop=False),
            data_dir=data_dir,
            # Both ends are on this machine: loopback is the one path ICE needs to try.
            call_options=CallOptions(host_addresses=("127.0.0.1",)),
        )
        for demo in accounts:
            client = build_demo_client(
                data_dir, server.url, server.fingerprint, demo.username, demo.token
            )
            session = AccountSession(client)
            ui = AccountUi(session, services)
            uis.append(ui)
            session.start()
            ui.window.show()
        caller, callee = uis
        async with asyncio.timeout(CALL_SECONDS):
            await _until(lambda: all(ui.calls.manager is not None for ui in uis))
            caller.calls.place(callee.session.username, True)
            await _until(lambda: bool(callee.calls.ringing))
            next(iter(callee.calls.ringing.values())).accepted.emit(True)
            await _until(lambda: all(_video_arrived(ui) for ui in uis))
            ongoing = caller.calls.ongoing
            assert ongoing is not None
            await ongoing.call.hangup()
            await _until(lambda: all(ui.calls.ongoing is None for ui in uis))
    except TimeoutError:
        return f"no video at both ends of a call within {CALL_SECONDS:g} s"
    finally:
        for ui in uis:
            await ui.close()
        tray.hide()
        await server.stop()
    return None


def _video_arrived(ui: AccountUi) -> bool:
    ongoing = ui.calls.ongoing
    return ongoing is not None and "video" in ongoing.call.first_frame_at


async def _until(condition: Callable[[], bool]) -> None:
    # Polled: the conditions are widget and engine state that signal nothing we could await.
    while not condition():  # noqa: ASYNC110
        await asyncio.sleep(0.05)


async def run(app: QApplication, report: Callable[[str], None] = print) -> int:
    """Run every check, report each, and return the exit code (0: all passed)."""
    report(f"Qt platform: {QGuiApplication.platformName()}")
    report(first_window())
    checks: list[tuple[str, Callable[[], str | None]]] = [
        ("Qt image formats and icons", qt_plugins),
        ("Qt Multimedia", qt_multimedia),
        ("video and audio codecs (VP8, H.264, Opus)", codecs),
        ("echo cancellation", echo_cancellation),
    ]
    failed = 0
    for name, check in checks:
        result = _guarded(check)
        failed += result is not None
        report(Check(name, result).line())
    with tempfile.TemporaryDirectory(prefix="messenger-self-test-") as data:
        started = time.monotonic()
        try:
            result = await app_and_call(app, Path(data))
        except Exception as exc:  # a self-test reports what broke; it must not crash
            result = f"{type(exc).__name__}: {exc}"
        name = f"windows, embedded server and a video call ({time.monotonic() - started:.1f} s)"
        failed += result is not None
        report(Check(name, result).line())
    report("self-test passed" if not failed else f"self-test FAILED: {failed} check(s)")
    return 1 if failed else 0


def _guarded(check: Callable[[], str | None]) -> str | None:
    try:
        return check()
    except Exception as exc:  # a missing library surfaces as any exception: report it
        return f"{type(exc).__name__}: {exc}"
