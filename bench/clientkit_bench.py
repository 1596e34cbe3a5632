"""Shared pieces of the desktop client benchmarks.

Two sides live here:

- the **child probe** (``install_probe``), imported by the measured ``python -m messenger``
  process before the app runs. It adds no hook to the app: it replaces the asyncio event loop
  policy so that the app's own ``asyncio.set_event_loop(qasync loop)`` call (made once the
  ``QApplication`` exists) installs a Qt event filter; the filter notes when the first main
  window or welcome dialog is shown, painted, and the event loop has gone idle, prints one JSON
  line and ends the process. Only the standard library and ``keyring`` (which the app imports
  anyway) are imported at module level, so the probe adds almost nothing to the start-up it
  measures.
- **parent helpers** (RSS, summaries, tables), which import what they need lazily.

``FileKeyring`` is a bench-only keyring backend (a JSON file named by
``MESSENGER_BENCH_KEYRING``): the project machine has no OS keyring, and a remembered account
needs its token to survive from the bench process into the app process. It is selected with
``PYTHON_KEYRING_BACKEND=clientkit_bench.FileKeyring`` and refuses to be chosen otherwise.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from keyring.backend import KeyringBackend
from keyring.compat import properties
from keyring.errors import PasswordDeleteError

KEYRING_FILE_ENV = "MESSENGER_BENCH_KEYRING"
LAUNCH_ENV = "MESSENGER_BENCH_LAUNCH"  # time.time() just before the parent started the child
CONNECT_WAIT_ENV = "MESSENGER_BENCH_CONNECT_WAIT"  # seconds to wait for sign-in after idle
PROFILE_ENV = "MESSENGER_BENCH_PROFILE"  # a path: profile the child (cProfile) up to idle
# Modules that must not be loaded at start-up (calls, codecs, the server, migrations), and
# others worth knowing about when they are.
WATCHED_MODULES = (
    "aiortc",
    "av",
    "numpy",
    "PIL",
    "cv2",
    "PySide6.QtMultimedia",
    "PySide6.QtNetwork",
    "PySide6.QtDBus",
    "PySide6.QtSvg",
    "signaling_server",
    "alembic",
    "sqlalchemy",
    "argon2",
    "cryptography",
    "cryptography.x509",
    "jeepney",
    "aiohttp",
)


# --- a bench-only keyring -------------------------------------------------------------------


class FileKeyring(KeyringBackend):
    """Secrets in a plain JSON file: for benchmarks on a machine with no OS keyring only."""

    @properties.classproperty
    def priority(cls) -> float:
        # keyring registers every backend class it sees; without the variable this one must
        # never win the automatic choice (it would change what the app does on a first run).
        if not os.environ.get(KEYRING_FILE_ENV):
            raise RuntimeError(f"{KEYRING_FILE_ENV} is not set")
        return 0.1

    @staticmethod
    def _path() -> Path:
        return Path(os.environ[KEYRING_FILE_ENV])

    def _load(self) -> dict[str, dict[str, str]]:
        try:
            data: dict[str, dict[str, str]] = json.loads(self._path().read_text())
        except FileNotFoundError:
            return {}
        return data

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(service, {}).get(username)

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._load()
        data.setdefault(service, {})[username] = password
        self._path().write_text(json.dumps(data))

    def delete_password(self, service: str, username: str) -> None:
        data = self._load()
        if data.get(service, {}).pop(username, None) is None:
            raise PasswordDeleteError(username)
        self._path().write_text(json.dumps(data))


# --- the child probe ------------------------------------------------------------------------


def _since_launch() -> float:
    return time.time() - float(os.environ[LAUNCH_ENV])


def _rss_mb() -> float:
    with Path("/proc/self/statm").open() as f:
        resident = int(f.read().split()[1])
    return resident * os.sysconf("SC_PAGE_SIZE") / 1e6


def _rss_by_mapping(limit: int = 20) -> list[tuple[str, float]]:
    """Resident memory per mapped file (shared libraries) or kind of anonymous memory."""
    sizes: dict[str, int] = {}
    name = "?"
    with Path("/proc/self/smaps").open() as f:
        for line in f:
            head = line.split(None, 5)
            if len(head) >= 5 and "-" in head[0] and not head[0].endswith(":"):
                path = head[5].strip() if len(head) == 6 else ""
                name = Path(path).name if path.startswith("/") else (path or "[anonymous]")
            elif line.startswith("Rss:"):
                sizes[name] = sizes.get(name, 0) + int(line.split()[1])
    ranked = sorted(sizes.items(), key=lambda kv: -kv[1])
    return [(n, kb / 1000) for n, kb in ranked[:limit]]


def _traced_by_package(limit: int = 14) -> tuple[float, list[tuple[str, float]]]:
    """Python allocations still alive (PYTHONTRACEMALLOC=1), summed by package."""
    import tracemalloc

    sizes: dict[str, int] = {}
    for stat in tracemalloc.take_snapshot().statistics("filename"):
        path = stat.traceback[0].filename
        if "site-packages/" in path:
            key = path.split("site-packages/", 1)[1].split("/", 1)[0]
        elif "/messenger/" in path:
            key = "messenger/" + path.split("/messenger/", 1)[1].split("/", 1)[0]
        elif path.startswith("<frozen"):
            key = "python: imports (frozen importlib)"
        else:
            key = "python: " + Path(path).name
        sizes[key] = sizes.get(key, 0) + stat.size
    total = tracemalloc.get_traced_memory()[0] / 1e6
    ranked = sorted(sizes.items(), key=lambda kv: -kv[1])
    return total, [(k, v / 1e6) for k, v in ranked[:limit]]


def install_probe(started: float) -> None:
    """Report when the app's first window is shown, painted and idle (see the module doc).

    ``started`` is the child's ``time.time()`` at its first statement.
    """
    launched = float(os.environ[LAUNCH_ENV])
    figures: dict[str, Any] = {"python_started": started - launched, "probe": _since_launch()}
    base = asyncio.DefaultEventLoopPolicy

    class ProbePolicy(base):  # type: ignore[misc,valid-type]
        installed = False

        def set_event_loop(self, loop: asyncio.AbstractEventLoop | None) -> None:
            super().set_event_loop(loop)
            if not ProbePolicy.installed and loop is not None:
                ProbePolicy.installed = True
                figures["loop_created"] = _since_launch()
                _watch_windows(figures)

    asyncio.set_event_loop_policy(ProbePolicy())


def _watch_windows(figures: dict[str, Any]) -> None:
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication, QWidget

    app = QApplication.instance()
    assert app is not None
    targets = ("MainWindow", "WelcomeDialog")

    def finish() -> None:
        figures["modules"] = sorted(m for m in WATCHED_MODULES if m in sys.modules)
        figures["messenger_modules"] = sorted(m for m in sys.modules if m.startswith("messenger"))
        figures["module_count"] = len(sys.modules)
        print(json.dumps(figures), flush=True)
        os._exit(0)  # the measurement is over: no orderly shutdown needed

    def idle() -> None:
        figures["idle"] = _since_launch()
        figures["rss_mb"] = _rss_mb()
        profiler = _PROFILER.pop("profiler", None)
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(os.environ[PROFILE_ENV])
        figures["rss_by_mapping"] = _rss_by_mapping()
        import tracemalloc

        if tracemalloc.is_tracing():
            figures["traced_mb"], figures["traced_by_package"] = _traced_by_package()
        # PySide6 reads the source of every imported module (to look for "PySide6" in it, for
        # its __feature__ switch); linecache keeps it all. What would dropping it give back?
        import gc
        import linecache

        figures["linecache_files"] = len(linecache.cache)
        linecache.clearcache()
        gc.collect()
        figures["rss_after_linecache_clear_mb"] = _rss_mb()
        window = probe.window
        wait = float(os.environ.get(CONNECT_WAIT_ENV, "0"))
        session = getattr(window, "session", None)
        if session is None or wait <= 0:
            finish()
            return
        # The remembered account signs in in the background; note when it is connected.
        figures["connected"] = None

        def on_connection(state: str, _error: str) -> None:
            if state == "authenticated" and figures["connected"] is None:
                figures["connected"] = _since_launch()
                QTimer.singleShot(0, finish)

        session.connection_changed.connect(on_connection)
        if session.state.value == "authenticated":
            on_connection("authenticated", "")
        QTimer.singleShot(int(wait * 1000), finish)

    class Probe(QObject):
        window: QWidget | None = None

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            kind = event.type()
            if self.window is None:
                if (
                    kind == QEvent.Type.Show
                    and isinstance(watched, QWidget)
                    and watched.isWindow()
                    and type(watched).__name__ in targets
                ):
                    self.window = watched
                    figures["window"] = type(watched).__name__
                    figures["shown"] = _since_launch()
            elif (
                kind == QEvent.Type.Paint
                and "painted" not in figures
                and isinstance(watched, QWidget)
                and watched.window() is self.window
            ):
                figures["painted"] = _since_launch()
                app.removeEventFilter(self)
                # A zero timer runs once the events already queued (the rest of the first
                # paint, posted layout requests, the qasync callbacks) have been handled.
                QTimer.singleShot(0, idle)
            return False

    probe = Probe(app)
    app.installEventFilter(probe)


_PROFILER: dict[str, Any] = {}


def run_app_with_probe(argv: list[str], started: float) -> None:
    """The child's body: ``python -m messenger ARGS`` with the probe installed first."""
    import runpy

    install_probe(started)
    if os.environ.get(PROFILE_ENV):
        import cProfile

        profiler = cProfile.Profile()
        _PROFILER["profiler"] = profiler
        profiler.enable()
    sys.argv = ["messenger", *argv]
    runpy.run_module("messenger", run_name="__main__", alter_sys=True)


# --- parent helpers -------------------------------------------------------------------------


def rss_mb(pid: int | None = None) -> float:
    import psutil

    return float(psutil.Process(pid).memory_info().rss) / 1e6


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of an already sorted sequence."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(p / 100.0 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def summary(values: Sequence[float]) -> dict[str, float]:
    """min, median, mean, p95 and max of ``values``."""
    ordered = sorted(values)
    if not ordered:
        return {"n": 0}
    return {
        "n": len(ordered),
        "min": ordered[0],
        "median": percentile(ordered, 50),
        "mean": sum(ordered) / len(ordered),
        "p95": percentile(ordered, 95),
        "max": ordered[-1],
    }


def table(rows: Sequence[Sequence[object]], header: Sequence[str]) -> str:
    """A plain text table, columns left-aligned; floats as they were formatted by the caller."""
    cells = [[str(c) for c in header], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def ms(seconds: float) -> str:
    return "-" if seconds is None or math.isnan(seconds) else f"{seconds * 1000:.1f} ms"


def cpu_description() -> str:
    """One line on the machine, so figures from different machines are not mixed up."""
    import platform

    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{os.cpu_count()} CPUs {model}; Python {platform.python_version()}; load average {load}"
