"""Desktop client start-up: from launching ``python -m messenger`` to an interactive window.

Starts the real server (``python -m signaling_server --port 0``, fresh temp dir), registers an
account and prepares a data directory in which that account is remembered (settings.json with
``server_mode="remote"``, the server's URL, ``last_username`` and ``remember``; its session token
in a bench-only file keyring, as there is no OS keyring here). Then launches the app ``--runs``
times in fresh processes, each with a probe (``clientkit_bench.install_probe``) that reports
when the main window was shown, first painted and the event loop idle, and when the account
was signed in; and as many times on an empty data directory, where the app opens its welcome
dialog (the first run). Prints min/median of each, start-up RSS, which heavy modules were
loaded, and where the time goes (``-X importtime``, the PySide6 share, optionally cProfile).

Run: ``python bench/client_startup.py [--runs 5] [--platform offscreen|xcb]``. See
bench/README.md.
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import importlib.util
import json
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import benchkit as bk
import clientkit_bench as ck

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
USERNAME = "startbench"
CHILD = (
    "import time; started = time.time()\n"
    "import sys, clientkit_bench; clientkit_bench.run_app_with_probe(sys.argv[1:], started)"
)
BASELINE = (
    "import os, time, json; "
    f"print(json.dumps({{'python_started': time.time() - float(os.environ['{ck.LAUNCH_ENV}'])}}))"
)
CHILD_TIMEOUT = 60.0
CONNECT_WAIT = 15.0  # seconds the remembered account gets to sign in after the window is idle
PYSIDE_PACKAGES = ("PySide6", "shiboken6", "shibokensupport")
# Groups for the import-time breakdown (top-level package names).
AIOHTTP_DEPS = (
    "aiohttp",
    "multidict",
    "yarl",
    "frozenlist",
    "aiosignal",
    "propcache",
    "aiohappyeyeballs",
    "attr",
    "idna",
)
KEYRING_DEPS = ("keyring", "jaraco", "importlib_metadata", "zipp", "more_itertools")


# --- setting up ---------------------------------------------------------------------------


async def _register(url: str) -> str:
    async with bk.new_session() as http:
        result = await bk.register(http, url, USERNAME)
    return str(result["token"])


def prepare_remembered(root: Path, url: str, token: str) -> tuple[Path, Path]:
    """A data dir whose settings remember the account, and the keyring file with its token."""
    from messenger.account import preferences
    from messenger.account.preferences import Preferences
    from messenger.client import Credentials
    from messenger.store.paths import server_key

    data = root / "remembered"
    data.mkdir(parents=True)
    prefs = Preferences(server_mode="remote", server_url=url, last_username=USERNAME, remember=True)
    preferences.save(data / "settings.json", prefs)
    keyring_file = root / "keyring.json"
    os.environ[ck.KEYRING_FILE_ENV] = str(keyring_file)
    import keyring

    keyring.set_keyring(ck.FileKeyring())
    credentials = Credentials(server_key(url), USERNAME)
    if not credentials.persistent:
        raise bk.BenchError(f"the bench keyring is not usable: {credentials.problem}")
    credentials.set_token(token)
    del os.environ[ck.KEYRING_FILE_ENV]
    return data, keyring_file


# --- launching ----------------------------------------------------------------------------


def child_env(platform: str, extra: dict[str, str], pycache: Path | None = None) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in (
            "PYTHON_KEYRING_BACKEND",
            ck.KEYRING_FILE_ENV,
            ck.PROFILE_ENV,
            "PYTHONDONTWRITEBYTECODE",
            "PYTHONPYCACHEPREFIX",
        )
    }
    if pycache is not None:
        # An installed app has its bytecode compiled; a checkout run with
        # PYTHONDONTWRITEBYTECODE=1 would recompile ~90 modules of ours on every launch.
        # Bytecode goes to a private tree, never into the source tree.
        env["PYTHONPYCACHEPREFIX"] = str(pycache)
    env["QT_QPA_PLATFORM"] = platform
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(BENCH_DIR), str(REPO), os.environ.get("PYTHONPATH", "")) if p
    )
    env.update(extra)
    return env


def launch(
    args: Sequence[str], env: dict[str, str], *, python_flags: Sequence[str] = ()
) -> tuple[dict[str, Any], str]:
    """Run one child; its figures (the last JSON line on stdout) and its stderr."""
    with tempfile.TemporaryFile() as err:
        env = {**env, ck.LAUNCH_ENV: repr(time.time())}
        proc = subprocess.Popen(
            [sys.executable, *python_flags, "-c", *args],
            stdout=subprocess.PIPE,
            stderr=err,
            env=env,
            cwd=REPO,
        )
        try:
            out, _ = proc.communicate(timeout=CHILD_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            err.seek(0)
            tail = err.read().decode(errors="replace")[-3000:]
            raise bk.BenchError(
                f"the app did not show a window in {CHILD_TIMEOUT:.0f} s\n{tail}"
            ) from None
        err.seek(0)
        stderr = err.read().decode(errors="replace")
    lines = [line for line in out.decode(errors="replace").splitlines() if line.startswith("{")]
    if not lines:
        raise bk.BenchError(f"the app exited ({proc.returncode}) without figures\n{stderr[-3000:]}")
    figures: dict[str, Any] = json.loads(lines[-1])
    return figures, stderr


def run_app(
    data_dir: Path,
    platform: str,
    extra: dict[str, str],
    pycache: Path,
    python_flags: Sequence[str] = (),
) -> tuple[dict[str, Any], str]:
    return launch(
        [CHILD, "--data-dir", str(data_dir)],
        child_env(platform, extra, pycache),
        python_flags=python_flags,
    )


# --- analysis -----------------------------------------------------------------------------


def parse_importtime(stderr: str) -> list[tuple[str, int, int, int]]:
    """(module, depth, self µs, cumulative µs) for each line of ``-X importtime``."""
    entries = []
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "imported package" in line:
            continue
        head, cumulative, name = line.split("|")
        self_us = head.split(":", 1)[1]
        depth = (len(name) - len(name.lstrip(" ")) - 1) // 2
        entries.append((name.strip(), depth, int(self_us), int(cumulative)))
    return entries


def group_of(module: str) -> str:
    top = module.split(".", 1)[0]
    if top in PYSIDE_PACKAGES:
        return "PySide6 + shiboken"
    if top == "messenger":
        return "messenger"
    if top in AIOHTTP_DEPS:
        return "aiohttp + deps"
    if top in KEYRING_DEPS:
        return "keyring + deps"
    if top in sys.stdlib_module_names or top.startswith("_") or top == "encodings":
        return "stdlib"
    return top


def import_report(entries: list[tuple[str, int, int, int]]) -> dict[str, Any]:
    total = sum(e[2] for e in entries)
    groups: dict[str, int] = defaultdict(int)
    for name, _, self_us, _ in entries:
        groups[group_of(name)] += self_us
    cumulative = {name: cum for name, _, _, cum in entries}
    return {
        "modules": len(entries),
        "total_self_ms": total / 1000,
        "groups_ms": {k: v / 1000 for k, v in sorted(groups.items(), key=lambda kv: -kv[1])},
        "top_self_ms": [
            (name, self_us / 1000) for name, _, self_us, _ in sorted(entries, key=lambda e: -e[2])
        ][:15],
        "subtrees_ms": {
            name: cumulative[name] / 1000
            for name in (
                "messenger.app",
                "qasync",
                "PySide6.QtCore",
                "PySide6.QtGui",
                "PySide6.QtWidgets",
                "messenger.ui.shell",
                "messenger.ui.account_ui",
                "messenger.ui.main_window",
                "messenger.ui.chat.panel",
                "messenger.ui.welcome",
                "messenger.client",
                "messenger.localserver",
                "keyring",
                "aiohttp",
            )
            if name in cumulative
        },
    }


def pyside_names(modules: Sequence[str]) -> dict[str, set[str]]:
    """Every PySide6 name the given (loaded) messenger modules import, by PySide6 module."""
    names: dict[str, set[str]] = defaultdict(set)
    for module in modules:
        spec = importlib.util.find_spec(module)
        if spec is None or spec.origin is None or not spec.origin.endswith(".py"):
            continue
        tree = ast.parse(Path(spec.origin).read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("PySide6"):
                names[str(node.module)].update(a.name for a in node.names)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("PySide6"):
                        names[alias.name].add("")
    return names


def time_pyside_imports(names: dict[str, set[str]], runs: int, pycache: Path) -> list[float]:
    """Seconds a fresh interpreter takes to import exactly those PySide6 names (type creation
    is lazy in PySide6 6.x, so -X importtime charges it to whichever module asks first)."""
    spec = {module: sorted(n for n in found if n) for module, found in names.items()}
    code = (
        "import importlib, json, sys, time\n"
        "t = time.perf_counter()\n"
        f"for module, names in {spec!r}.items():\n"
        "    m = importlib.import_module(module)\n"
        "    for name in names:\n"
        "        getattr(m, name)\n"
        "print(json.dumps({'seconds': time.perf_counter() - t}))\n"
    )
    results = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            check=True,
            text=True,
            cwd=REPO,
            env=child_env("offscreen", {}, pycache),
        )
        results.append(float(json.loads(out.stdout.strip().splitlines()[-1])["seconds"]))
    return results


def keyring_discovery(runs: int, pycache: Path) -> list[float]:
    """What ``keyring.get_keyring()`` costs with automatic backend discovery (the real app)."""
    code = (
        "import json, time\nimport keyring\nt = time.perf_counter()\nkeyring.get_keyring()\n"
        "print(json.dumps({'seconds': time.perf_counter() - t}))\n"
    )
    env = child_env("offscreen", {}, pycache)
    results = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, check=True, text=True, env=env
        )
        results.append(float(json.loads(out.stdout.strip().splitlines()[-1])["seconds"]))
    return results


def profile_report(path: Path, limit: int = 25) -> str:
    stats = pstats.Stats(str(path))
    stats.sort_stats("cumulative")
    rows = []
    for func, (_, calls, _tt, ct, _) in sorted(
        stats.stats.items(),  # type: ignore[attr-defined]
        key=lambda kv: -kv[1][3],
    ):
        filename, line, name = func
        where = filename.replace(str(REPO) + "/", "")
        if "site-packages/" in where:
            where = where.split("site-packages/", 1)[1]
        rows.append((f"{ct * 1000:8.1f} ms", calls, f"{where}:{line} {name}"))
        if len(rows) >= limit:
            break
    return ck.table(rows, ["cumulative", "calls", "function"])


# --- the run ------------------------------------------------------------------------------


def _parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--runs", type=int, default=5, help="measured launches per mode (default 5)")
    p.add_argument(
        "--platform",
        choices=("offscreen", "xcb"),
        default="offscreen",
        help="Qt platform plugin (xcb needs DISPLAY; default offscreen)",
    )
    p.add_argument(
        "--profile",
        nargs="?",
        const="/tmp/messenger-startup.prof",
        metavar="PATH",
        help="also run once under cProfile (remembered account), print the top functions and"
        " keep the stats in PATH (default /tmp/messenger-startup.prof)",
    )
    return p.parse_args(argv)


KEYS = ("python_started", "probe", "loop_created", "shown", "painted", "idle", "connected")


def _timeline(runs: list[dict[str, Any]], keys: Sequence[str]) -> list[tuple[str, str, str]]:
    rows = []
    for key in keys:
        values = [r[key] for r in runs if r.get(key) is not None]
        if values:
            s = ck.summary(values)
            rows.append((key, ck.ms(s["min"]), ck.ms(s["median"])))
    return rows


@dataclass
class Collected:
    baseline: list[dict[str, Any]]
    warm_remembered: dict[str, Any]
    warm_welcome: dict[str, Any]
    remembered: list[dict[str, Any]]
    welcome: list[dict[str, Any]]
    imports: dict[str, Any]
    traced: dict[str, Any]
    profile_text: str
    pyside: list[float]
    keyring: list[float]


def collect(args: argparse.Namespace) -> Collected:
    """Every launch of the bench, with the server running."""
    with bk.BenchServer(bk.CHEAP_ARGON2) as server:
        token = asyncio.run(_register(server.url))
        root = server.data_dir / "client"
        pycache = root / "pycache"
        data, keyring_file = prepare_remembered(root, server.url, token)
        remembered_env = {
            "PYTHON_KEYRING_BACKEND": "clientkit_bench.FileKeyring",
            ck.KEYRING_FILE_ENV: str(keyring_file),
            ck.CONNECT_WAIT_ENV: str(CONNECT_WAIT),
        }

        def remembered(extra: dict[str, str] | None = None) -> tuple[dict[str, Any], str]:
            return run_app(data, args.platform, {**remembered_env, **(extra or {})}, pycache)

        def first_run() -> dict[str, Any]:
            fresh = Path(tempfile.mkdtemp(prefix="welcome-", dir=root))
            try:
                return run_app(fresh, args.platform, {}, pycache)[0]
            finally:
                shutil.rmtree(fresh, ignore_errors=True)

        baseline_env = child_env(args.platform, {}, pycache)
        baseline = [launch([BASELINE], baseline_env)[0] for _ in range(args.runs)]
        # The first launch compiles the bytecode (into ``pycache``) and creates the store.
        warm_remembered = remembered()[0]
        warm_welcome = first_run()
        main_runs: list[dict[str, Any]] = []
        welcome_runs: list[dict[str, Any]] = []
        for _ in range(args.runs):
            main_runs.append(remembered()[0])
            welcome_runs.append(first_run())
        for figures in main_runs:
            if figures.get("window") != "MainWindow":
                raise bk.BenchError(f"the remembered account did not open: {figures}")
        _, imp_err = run_app(
            data, args.platform, remembered_env, pycache, python_flags=("-X", "importtime")
        )
        traced = remembered({"PYTHONTRACEMALLOC": "1"})[0]
        profile_text = ""
        if args.profile:
            remembered({ck.PROFILE_ENV: args.profile})
            profile_text = profile_report(Path(args.profile))
        loaded = main_runs[-1]["messenger_modules"]
        return Collected(
            baseline=baseline,
            warm_remembered=warm_remembered,
            warm_welcome=warm_welcome,
            remembered=main_runs,
            welcome=welcome_runs,
            imports=import_report(parse_importtime(imp_err)),
            traced=traced,
            profile_text=profile_text,
            pyside=time_pyside_imports(pyside_names(loaded), args.runs, pycache),
            keyring=keyring_discovery(args.runs, pycache),
        )


def _figures_table(pairs: Sequence[tuple[str, float]], unit: str, header: str) -> str:
    return ck.table([(name, f"{value:.1f} {unit}") for name, value in pairs], header.split("|"))


def report(c: Collected, args: argparse.Namespace) -> dict[str, Any]:
    last = c.remembered[-1]
    print("\nremembered account -> main window (time since launch)")
    print(ck.table(_timeline(c.remembered, KEYS), ["event", "min", "median"]))
    print("\nfirst run -> welcome dialog")
    print(ck.table(_timeline(c.welcome, KEYS[:-1]), ["event", "min", "median"]))
    base = ck.summary([b["python_started"] for b in c.baseline])
    print(f"\nbare interpreter (python -c 'print(...)'): median {ck.ms(base['median'])}")
    print(
        f"first launches (not counted; bytecode compiled, store created): main window idle "
        f"{ck.ms(c.warm_remembered['idle'])}, welcome idle {ck.ms(c.warm_welcome['idle'])}"
    )
    rss = ck.summary([r["rss_mb"] for r in c.remembered])
    rss_welcome = ck.summary([r["rss_mb"] for r in c.welcome])
    cleared = ck.summary([r["rss_after_linecache_clear_mb"] for r in c.remembered])
    print(
        f"RSS when idle: main window median {rss['median']:.1f} MB, "
        f"welcome median {rss_welcome['median']:.1f} MB"
    )
    print(
        f"RSS after linecache.clearcache() (the source of {last['linecache_files']} modules,"
        f" read by PySide6's import hook): median {cleared['median']:.1f} MB"
    )
    print(
        f"modules loaded at idle: {last['module_count']}"
        f" ({len(last['messenger_modules'])} of messenger)"
    )
    print("\nresident memory by mapping at idle (main window; shared libraries count in full):")
    print(_figures_table(last["rss_by_mapping"], "MB", "mapping|RSS"))
    print(
        f"\nPython objects alive at idle (tracemalloc, a separate launch):"
        f" {c.traced['traced_mb']:.1f} MB, by where they were allocated:"
    )
    print(_figures_table(c.traced["traced_by_package"], "MB", "allocated in|size"))

    print("\nheavy modules at idle (main window):", ", ".join(last["modules"]) or "none")
    for module in ("aiortc", "av"):
        state = "installed" if importlib.util.find_spec(module) is not None else "not installed"
        was = "IMPORTED" if module in last["modules"] else "not imported"
        print(f"  {module}: {was} at start ({state})")

    imports = c.imports
    print(
        f"\nimports under -X importtime (one launch; the flag itself adds overhead): "
        f"{imports['modules']} modules, {imports['total_self_ms']:.0f} ms in total"
    )
    print(_figures_table(list(imports["groups_ms"].items())[:12], "ms", "group|self"))
    print("\nlargest single modules (self time; PySide6 types are created lazily, on first")
    print("use, so a module importing many Qt classes first is charged for creating them):")
    print(_figures_table(imports["top_self_ms"], "ms", "module|self"))
    print("\nsubtrees (cumulative, where first imported):")
    print(_figures_table(list(imports["subtrees_ms"].items()), "ms", "module|cumulative"))
    pyside = ck.summary(c.pyside)
    print(
        f"\nPySide6 share: importing exactly the PySide6 names the loaded messenger modules use,"
        f" in a fresh interpreter: median {ck.ms(pyside['median'])} (min {ck.ms(pyside['min'])})"
    )
    keyring = ck.summary(c.keyring)
    print(
        f"keyring backend discovery (keyring.get_keyring(), automatic, as on a first run): "
        f"median {ck.ms(keyring['median'])}"
    )
    if c.profile_text:
        print("\ncProfile of one launch up to idle (remembered account; profiling slows it):")
        print(c.profile_text)
    return {
        "bench": "client_startup",
        "platform": args.platform,
        "runs": args.runs,
        "python_bare_s": base,
        "remembered": {
            k: ck.summary([r[k] for r in c.remembered if r.get(k) is not None]) for k in KEYS
        },
        "welcome": {k: ck.summary([r[k] for r in c.welcome]) for k in KEYS[:-1]},
        "rss_mb": {"main_window": rss, "welcome": rss_welcome},
        "rss_after_linecache_clear_mb": cleared,
        "rss_by_mapping_mb": dict(last["rss_by_mapping"]),
        "python_traced_mb": c.traced["traced_mb"],
        "heavy_modules": last["modules"],
        "aiortc_imported": "aiortc" in last["modules"],
        "av_imported": "av" in last["modules"],
        "imports": {
            k: imports[k] for k in ("modules", "total_self_ms", "groups_ms", "subtrees_ms")
        },
        "pyside_names_import_s": pyside,
        "keyring_discovery_s": keyring,
    }


def run(args: argparse.Namespace) -> int:
    if args.platform == "xcb" and not os.environ.get("DISPLAY"):
        raise bk.BenchError("--platform xcb needs a DISPLAY")
    print(f"machine: {ck.cpu_description()}")
    print(f"Qt platform: {args.platform}; {args.runs} measured launches per mode, after 1 warm-up")
    print(json.dumps(report(collect(args), args)))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    return bk.run_main("client_startup", lambda: run(args))


if __name__ == "__main__":
    sys.exit(main())
