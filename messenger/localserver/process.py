"""The signaling server as a child process of the desktop app ("run a server on this computer").

The app never imports the server: it runs ``signaling_server`` in its own
interpreter, as an operator would, so a crash or a slow query on the server
cannot freeze the UI, and the server keeps the same code path as a standalone
deployment. Everything the child writes goes to ``<data_dir>/server.log``; the
pipes are drained for as long as it runs, so it never blocks on a full pipe.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import ipaddress
import json
import os
import sys
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from messenger.localserver.addresses import lan_addresses
from messenger.localserver.certificate import CertificateFiles, ensure_certificate

LISTENING_PREFIX = "listening on "
TAIL_LINES = 40  # the child's last stderr lines, kept for error messages
LOG_ROTATE_BYTES = 5 * 1024 * 1024
CHUNK = 64 * 1024
PUMP_DRAIN_SECONDS = 5.0


def server_command(python: str) -> list[str]:
    """How to start ``messenger-server``: with ``python`` from a checkout or a wheel, or the
    bundle's own ``messenger-server`` program beside the app's when frozen (PyInstaller), where
    there is no interpreter to hand a module to."""
    if getattr(sys, "frozen", False):
        return [
            str(Path(sys.executable).with_name("messenger-server" + Path(sys.executable).suffix))
        ]
    return [python, "-m", "signaling_server"]


_UNSPECIFIED = {"", "0.0.0.0", "::"}
# How "address already in use" reads on Linux/macOS (strerror) and on Windows (WSAEADDRINUSE).
_PORT_IN_USE = ("address already in use", "only one usage of each socket address")


class LocalServerError(Exception):
    """The embedded server could not start or run; the message says why, for the user."""


class LocalServer:
    """One signaling server process for this computer, with its data under ``data_dir``.

    ``data_dir`` holds ``server.toml`` (written on every start), ``server.log``,
    the certificate in ``tls/`` and the server's own data (database) in
    ``server/``. Properties describe the server as started; before ``start()``
    they reflect the constructor's arguments.
    """

    def __init__(
        self,
        data_dir: Path,
        *,
        host: str = "0.0.0.0",
        port: int = 8765,
        tls: bool = True,
        python: str = sys.executable,
    ) -> None:
        # Absolute, because the child runs with its working directory there.
        self.data_dir = data_dir.absolute()
        self.host = host
        self.tls = tls
        self.python = python
        self.log_path = self.data_dir / "server.log"
        self.config_path = self.data_dir / "server.toml"
        self.certificate: CertificateFiles | None = None
        self._requested_port = port
        self._port = port
        self._bound_host = host
        self._lan: list[str] = []
        self._proc: asyncio.subprocess.Process | None = None
        self._returncode: int | None = None
        self._pumps: list[asyncio.Task[None]] = []
        self._log: BinaryIO | None = None
        self._tail: deque[str] = deque(maxlen=TAIL_LINES)
        self._lock = asyncio.Lock()

    # --- what the app shows and connects to ------------------------------------------------

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.returncode is None

    @property
    def pid(self) -> int | None:
        """The server process's id while it runs (for "running as pid N" and diagnostics)."""
        return self._proc.pid if self.running and self._proc is not None else None

    @property
    def returncode(self) -> int | None:
        """The exit code once the process has ended (None while it runs or before start)."""
        return self._proc.returncode if self._proc is not None else self._returncode

    @property
    def port(self) -> int:
        """The port it listens on (the one the system picked when asked for port 0)."""
        return self._port

    @property
    def _scheme(self) -> str:
        return "wss" if self.tls else "ws"

    @property
    def url(self) -> str:
        """Where a client on this machine connects: loopback, even when bound to every address."""
        host = self._bound_host
        if host in _UNSPECIFIED:
            host = "::1" if host == "::" else "127.0.0.1"
        return f"{self._scheme}://{_url_host(host)}:{self._port}/ws"

    @property
    def lan_urls(self) -> list[str]:
        """Where other computers on the LAN connect (empty when bound to loopback only).

        The addresses are looked up when the server starts; a machine that moves to
        another network shows the new ones after the next start.
        """
        host = self._bound_host
        if host in _UNSPECIFIED:
            return [f"{self._scheme}://{a}:{self._port}/ws" for a in self._lan]
        if _is_loopback(host):
            return []
        return [f"{self._scheme}://{_url_host(host)}:{self._port}/ws"]

    @property
    def fingerprint(self) -> str | None:
        """The certificate's SHA-256 fingerprint for clients to pin (None without TLS)."""
        if not self.tls or self.certificate is None:
            return None
        return self.certificate.fingerprint

    # --- starting and stopping --------------------------------------------------------------

    # A parameter, not a caller's asyncio.timeout: on time-out the child is killed and the
    # error carries what it last said, which a cancellation from outside could not report.
    async def start(self, timeout: float = 20.0) -> None:  # noqa: ASYNC109
        """Start the server and return once it accepts connections (a no-op if running).

        Raises ``LocalServerError`` when it exits first (the port is taken, a bad
        setting, ...) or is not ready within ``timeout`` seconds; the message
        carries the server's own explanation.
        """
        async with self._lock:
            if self.running:
                return
            await self._release()
            try:
                await asyncio.to_thread(self._prepare_files)
            except OSError as exc:
                raise LocalServerError(f"cannot prepare {self.data_dir}: {exc}") from exc
            serves_lan = self.host in _UNSPECIFIED
            self._lan = await asyncio.to_thread(lan_addresses) if serves_lan else []
            self._tail.clear()
            self._returncode = None
            try:
                await self._spawn_and_wait(timeout)
            except BaseException:
                # Cancelled, timed out or failed: never leave a half-started child behind.
                await self._halt(kill=True)
                raise

    # ``timeout`` is the grace period before SIGKILL, not a bound on the call.
    async def stop(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Shut the server down gracefully (SIGTERM), killing it after ``timeout`` seconds.

        Safe to call at any time, any number of times.
        """
        async with self._lock:
            await self._halt(kill=False, grace=timeout)

    async def wait(self) -> int | None:
        """Wait until the process ends (e.g. to tell the user it stopped); its exit code."""
        proc = self._proc
        if proc is None:
            return self._returncode
        return await proc.wait()

    async def __aenter__(self) -> LocalServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # --- the child process -------------------------------------------------------------------

    def _command(self) -> list[str]:
        return [
            *server_command(self.python),
            # We hold the only write end of its stdin: it stops when the app does, even a
            # crashed or killed app, rather than keep the port busy for the next start.
            "--exit-with-stdin",
            "--host",
            self.host,
            "--port",
            str(self._requested_port),
            "--data-dir",
            str(self.data_dir / "server"),
            "--config",
            str(self.config_path),
        ]

    @staticmethod
    def _child_environment() -> dict[str, str]:
        # The server reads MESSENGER_<SECTION>__<KEY> settings from its environment and
        # lets them override its config file. Variables meant for a standalone server on
        # this machine must not reconfigure the app's own (its TLS files, its port).
        return {
            k: v for k, v in os.environ.items() if not (k.startswith("MESSENGER_") and "__" in k)
        }

    async def _spawn_and_wait(self, ready_within: float) -> None:
        loop = asyncio.get_running_loop()
        listening: asyncio.Future[str] = loop.create_future()

        def on_stdout(line: str) -> None:
            if line.startswith(LISTENING_PREFIX) and not listening.done():
                listening.set_result(line.removeprefix(LISTENING_PREFIX).strip())

        try:
            proc = await asyncio.create_subprocess_exec(
                *self._command(),
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                cwd=self.data_dir,
                env=self._child_environment(),
            )
        except OSError as exc:
            raise LocalServerError(f"cannot run the server with {self.python}: {exc}") from exc
        self._proc = proc
        assert proc.stdout is not None and proc.stderr is not None  # we asked for pipes
        self._pumps = [
            asyncio.create_task(self._pump(proc.stdout, on_stdout), name="local-server-stdout"),
            asyncio.create_task(
                self._pump(proc.stderr, self._tail.append), name="local-server-stderr"
            ),
        ]
        exited = asyncio.ensure_future(proc.wait())
        waiters: set[asyncio.Future[Any]] = {listening, exited}
        try:
            done, _ = await asyncio.wait(
                waiters, timeout=ready_within, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            exited.cancel()
        if not done:
            raise LocalServerError(
                f"the local server did not start within {ready_within:g} seconds"
                + self._explanation()
            )
        if proc.returncode is not None:
            # Let the pumps reach the end of the pipes, so the message has the last words.
            await self._drain_pumps()
            raise LocalServerError(self._failure_message(proc.returncode))
        url = urlsplit(listening.result())
        self._bound_host = url.hostname or self.host
        self._port = url.port or self._requested_port

    async def _pump(self, stream: asyncio.StreamReader, on_line: Callable[[str], None]) -> None:
        """Copy ``stream`` to the log and hand each complete line to ``on_line``, until EOF.

        Reads chunks rather than lines: one over-long line must not stop the draining
        (``readline`` gives up past its limit), or the child would block on a full pipe.
        """
        pending = b""
        while chunk := await stream.read(CHUNK):
            self._write_log(chunk)
            *lines, pending = (pending + chunk).split(b"\n")
            pending = pending[-CHUNK:]
            for line in lines:
                text = line.decode("utf-8", "replace").rstrip("\r")
                if text:
                    on_line(text)
        if pending:
            on_line(pending.decode("utf-8", "replace"))

    def _write_log(self, data: bytes) -> None:
        if self._log is None:
            return
        try:
            self._log.write(data)
        except OSError:
            # A full disk must not stop the draining (the child would block on its
            # pipe): give up on the log, keep reading.
            self._log.close()
            self._log = None

    async def _halt(self, *, kill: bool, grace: float = 10.0) -> None:
        """End the child (SIGTERM, or SIGKILL when ``kill``), wait for it, release everything."""
        proc = self._proc
        if proc is not None and proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                if kill:
                    proc.kill()
                else:
                    proc.terminate()
            try:
                async with asyncio.timeout(grace):
                    await proc.wait()
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                await proc.wait()
        await self._release()

    async def _release(self) -> None:
        """Forget an ended child: close its stdin, finish the pumps, close the log."""
        proc, self._proc = self._proc, None
        if proc is not None:
            self._returncode = proc.returncode
            if proc.stdin is not None:
                proc.stdin.close()
        await self._drain_pumps()
        if self._log is not None:
            self._log.close()
            self._log = None

    async def _drain_pumps(self) -> None:
        pumps, self._pumps = self._pumps, []
        if not pumps:
            return
        # The pipes end when the child does; bounded all the same, in case something
        # it started still holds them open.
        _, pending = await asyncio.wait(pumps, timeout=PUMP_DRAIN_SECONDS)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pumps, return_exceptions=True)

    # --- files ---------------------------------------------------------------------------------

    def _prepare_files(self) -> None:
        """The data directory, certificate, config file and log (blocking: run in a thread)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self.tls:
            self.certificate = ensure_certificate(self.data_dir / "tls")
        self._write_config()
        self._open_log()

    def _write_config(self) -> None:
        lines = [
            "# Written by the messenger app on every start of its local server; edits are lost.",
            "[server]",
            # Plain text: this log is read by people on their desktop, not by a log pipeline.
            'log_format = "text"',
        ]
        if self.tls and self.certificate is not None:
            lines += [
                "",
                "[tls]",
                f"cert_file = {_toml_string(str(self.certificate.cert))}",
                f"key_file = {_toml_string(str(self.certificate.key))}",
            ]
        tmp = self.config_path.with_name(self.config_path.name + ".tmp")
        tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
        tmp.replace(self.config_path)

    def _open_log(self) -> None:
        # One old generation is kept, so the log of a long-lived install stays bounded.
        with contextlib.suppress(OSError):
            if self.log_path.stat().st_size > LOG_ROTATE_BYTES:
                self.log_path.replace(self.log_path.with_name(self.log_path.name + ".1"))
        # Unbuffered: what the server said before a crash is on disk, not in our memory.
        self._log = self.log_path.open("ab", buffering=0)
        now = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
        self._log.write(
            f"==> {now} starting the local server on {self.host}:{self._requested_port}\n".encode()
        )

    # --- messages --------------------------------------------------------------------------------

    def _explanation(self) -> str:
        last = [line for line in self._tail if line.strip()][-3:]
        detail = (": " + " / ".join(last)) if last else ""
        return f"{detail} (details in {self.log_path})"

    def _failure_message(self, returncode: int) -> str:
        said = "\n".join(self._tail).lower()
        if any(marker in said for marker in _PORT_IN_USE):
            return (
                f"port {self._requested_port} is already in use: another program, or another"
                " copy of the messenger, is listening on it. Close it or choose another port."
            )
        return f"the local server stopped with exit code {returncode}" + self._explanation()


def _toml_string(value: str) -> str:
    # JSON's string escapes are valid in TOML basic strings; keeping non-ASCII as is
    # avoids \uD83D-style surrogate escapes, which TOML does not allow.
    return json.dumps(value, ensure_ascii=False)


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
