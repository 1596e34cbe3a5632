"""``messenger-server``: run the signaling server."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import signal
import ssl
import sys
import threading
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import platformdirs
from aiohttp import web

from signaling_server import __version__
from signaling_server.app import build_app
from signaling_server.config import ConfigError, Settings, load_settings
from signaling_server.logs import configure
from signaling_server.storage import UnsupportedDatabase

log = logging.getLogger("signaling_server")


def _parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="messenger-server",
        description="The messenger signaling server: accounts, contacts, presence, messages.",
    )
    p.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port to listen on; 0 picks a free one (default 8765)")
    p.add_argument("--data-dir", type=Path, help="where the database lives")
    p.add_argument("--config", type=Path, help="TOML settings file (see docs/server.md)")
    p.add_argument("--version", action="version", version=f"messenger-server {__version__}")
    p.add_argument(
        "--exit-with-stdin",
        action="store_true",
        help="shut down gracefully when stdin closes (for a parent process that runs the server)",
    )
    return p.parse_args(argv)


def _exit_when_stdin_closes() -> None:
    """A parent that holds the only write end of our stdin ends it when it exits, however it
    exits (a crash, SIGKILL, a debugger stop): we then stop as on SIGTERM instead of living on
    as an orphan that keeps the port busy. ``os.read``, not ``sys.stdin``: a daemon thread
    holding the buffered reader's lock aborts the interpreter at exit."""

    def watch() -> None:
        while os.read(0, 4096):
            pass
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _tls_context(settings: Settings) -> ssl.SSLContext | None:
    if not settings.tls.enabled:
        return None
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        ctx.load_cert_chain(settings.tls.cert_file, settings.tls.key_file)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(f"cannot load the TLS certificate or key: {exc}") from None
    return ctx


async def serve(settings: Settings, data_dir: Path) -> None:
    tls = _tls_context(settings)
    app = build_app(settings, data_dir)
    runner = web.AppRunner(
        app, handle_signals=False, shutdown_timeout=settings.server.shutdown_grace_seconds
    )
    await runner.setup()
    try:
        site = web.TCPSite(runner, settings.server.host, settings.server.port, ssl_context=tls)
        await site.start()
        host, port = runner.addresses[0][:2]
        scheme = "wss" if tls else "ws"
        shown = f"[{host}]" if ":" in host else host
        # Handlers before the ready line: whoever reads that line may stop us at once.
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        # Everything loaded so far (aiohttp, SQLAlchemy and Alembic for the migrations, the
        # settings) lives as long as the process: keep it out of the cyclic collector's full
        # passes, which would otherwise walk it all and stall the loop for tens of ms.
        gc.collect()
        gc.freeze()
        print(f"listening on {scheme}://{shown}:{port}/ws", flush=True)
        log.info(
            "started",
            extra={"host": host, "port": port, "tls": bool(tls), "data_dir": str(data_dir)},
        )
        await stop.wait()
        log.info("stopping")
    finally:
        await runner.cleanup()
        log.info("stopped")


def _run(main: Coroutine[Any, Any, None]) -> None:
    """Run on uvloop where it exists (not on Windows): its transports and loop are C, which
    takes about a fifth off the server's CPU per message and, more than that, the tail
    latency the event loop adds while the SQLite writer thread holds the GIL."""
    try:
        import uvloop
    except ImportError:
        asyncio.run(main)
        return
    uvloop.run(main)


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    if args.exit_with_stdin:
        _exit_when_stdin_closes()
    overrides: dict[str, dict[str, object]] = {"server": {}}
    if args.host is not None:
        overrides["server"]["host"] = args.host
    if args.port is not None:
        overrides["server"]["port"] = args.port
    if args.data_dir is not None:
        overrides["server"]["data_dir"] = str(args.data_dir)
    try:
        settings = load_settings(args.config, overrides)
    except ConfigError as exc:
        print(f"messenger-server: {exc}", file=sys.stderr)
        return 2
    configure(settings.server.log_level, settings.server.log_format)
    data_dir = Path(
        settings.server.data_dir or Path(platformdirs.user_data_dir("messenger")) / "server"
    )
    try:
        _run(serve(settings, data_dir))
    except (ConfigError, UnsupportedDatabase) as exc:
        print(f"messenger-server: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"messenger-server: cannot listen: {exc.strerror or exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
