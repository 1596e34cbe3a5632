"""The desktop app's UI event loop during a video call: how late it runs, and what it costs.

The app's call engine shares the Qt event loop (qasync), so a video call's networking, frame
conversion and painting compete with everything the window does. This runs the real app side
(``AccountUi``: main window, call window, Qt media adapters, the video widget painting every
frame) in this process, calling a headless peer in another process (``call_bench.py``'s side,
as on another computer) through the real server, and measures for ``--seconds``:

- UI loop lag: how late a 10 ms ticker on the Qt loop wakes (p50, p99, max): what a user feels
  as stutter when typing, scrolling or moving the window;
- frames painted per second in the remote video widget, and the app process's CPU.

    python bench/call_ui_lag.py [--seconds 10] [--size 1280x720] [--window 1280x800]
        [--platform offscreen|xcb]

Prints a table and a final JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import benchkit as bk
import call_bench as cb
from PySide6.QtCore import QEvent, QObject

WARMUP = 3.0  # seconds of call before measuring: keyframes, encoder ramp-up, window layout
TARGET_LAG_P99_MS = 30.0


class PaintCounter(QObject):
    """Counts the paints of the widget it filters: each new frame is one repaint."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


async def app_side(args: argparse.Namespace, url: str, user: str, peer: str) -> dict[str, Any]:
    from messenger.account.preferences import Preferences
    from messenger.calls.manager import CallOptions
    from messenger.client import Credentials
    from messenger.ui.account_ui import AccountUi, Services
    from messenger.ui.idle import IdleMonitor
    from messenger.ui.media.devices import PATTERN_KEY, TONE_KEY
    from messenger.ui.session import AccountSession
    from messenger.ui.sign_in import Account, build_client
    from messenger.ui.tray import TrayController

    win_w, win_h = (int(v) for v in args.window.split("x"))
    data = Path(tempfile.mkdtemp(prefix="call-ui-bench-"))
    prefs = Preferences(audio_input=TONE_KEY, camera=PATTERN_KEY)
    tray = TrayController(available=False)
    services = Services(
        prefs=lambda: prefs,
        save_prefs=lambda _prefs: None,
        tray=tray,
        idle=IdleMonitor(desktop=False),
        data_dir=data,
        call_options=CallOptions(host_addresses=("127.0.0.1",)),
    )
    credentials = Credentials("bench", user, use_keyring=False)
    client = build_client(data, Account(url, user, False, None), credentials)
    client.start(bk.PASSWORD)
    await client.wait_ready()
    session = AccountSession(client)
    ui = AccountUi(session, services)
    session.start()
    ui.window.show()
    try:
        await cb.until(lambda: ui.calls.manager is not None)
        ui.calls.place(peer, True)
        await cb.until(lambda: ui.calls.ongoing is not None)
        ongoing = ui.calls.ongoing
        assert ongoing is not None
        ongoing.window.resize(win_w, win_h)
        await cb.until(lambda: "video" in ongoing.call.first_frame_at, within=30)
        await asyncio.sleep(WARMUP)
        paints = PaintCounter()
        ongoing.window.remote_view.installEventFilter(paints)
        lag = cb.LoopLag()
        lag.start()
        cpu_before, started = bk.cpu_seconds(), time.monotonic()
        await asyncio.sleep(args.seconds)
        span = time.monotonic() - started
        cpu = (bk.cpu_seconds() - cpu_before) / span * 100
        painted = paints.count
        lag.stop()
        samples = sorted(lag.samples)
        await ongoing.call.hangup()
        await cb.until(lambda: ui.calls.ongoing is None, within=20)
    finally:
        await ui.close()
        tray.hide()
    return {
        "video_size": args.size,
        "window": args.window,
        "loop_lag_p50_ms": bk.percentile(samples, 50),
        "loop_lag_p99_ms": bk.percentile(samples, 99),
        "loop_lag_max_ms": samples[-1] if samples else 0.0,
        "painted_fps": painted / span,
        "app_cpu_percent": cpu,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--size", default="1280x720", help="the peer's camera size (default 720p)")
    parser.add_argument("--window", default="1280x800", help="the call window's size")
    parser.add_argument("--platform", default=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    args = parser.parse_args()
    os.environ["QT_QPA_PLATFORM"] = args.platform

    import qasync
    from PySide6.QtWidgets import QApplication

    width, height = (int(v) for v in args.size.split("x"))
    env = {**bk.CHEAP_ARGON2, **bk.NO_RATE_LIMIT}
    with bk.BenchServer(env) as server:
        user, peer = asyncio.run(cb.make_pair(server.url))
        opts = {"calls": 1, "seconds": args.seconds, "width": width, "height": height, "fps": 30}
        callee = cb.spawn("callee", server.url, peer, user, **opts)
        try:
            cb.read_json(callee, "ready", 30)
            app = QApplication(sys.argv[:1])
            app.setQuitOnLastWindowClosed(False)
            loop = qasync.QEventLoop(app)
            asyncio.set_event_loop(loop)
            with loop:
                figures = loop.run_until_complete(app_side(args, server.url, user, peer))
        finally:
            callee.kill()
            callee.wait()
    rows = [
        ("peer's video / call window", f"{figures['video_size']} / {figures['window']}"),
        (
            "UI loop lag p50 / p99 / max",
            "{:.1f} / {:.1f} / {:.1f} ms".format(
                figures["loop_lag_p50_ms"], figures["loop_lag_p99_ms"], figures["loop_lag_max_ms"]
            ),
        ),
        ("remote video painted", f"{figures['painted_fps']:.1f} fps"),
        ("app process CPU", f"{figures['app_cpu_percent']:.0f} %"),
    ]
    print(f"call UI bench: {args.seconds:g} s of a video call, platform {args.platform}")
    for name, value in rows:
        print(f"  {name:<32}{value}")
    print(f"target: UI loop lag p99 < {TARGET_LAG_P99_MS:g} ms")
    print(json.dumps({"bench": "call_ui", **figures}))
    return 0


if __name__ == "__main__":
    sys.exit(bk.run_main("call_ui", main))
