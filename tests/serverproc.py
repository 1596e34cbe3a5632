"""A real signaling server in a subprocess, on an ephemeral loopback port."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

STARTUP_TIMEOUT = 20.0


class ServerProcess:
    """Starts ``python -m signaling_server`` and parses its ``listening on`` line.

    ``kill()`` is a SIGKILL (nothing flushed, nothing cleaned up); ``restart()``
    comes back on the same port with the same data directory.
    """

    def __init__(
        self, data_dir: Path, env: dict[str, str] | None = None, config: Path | None = None
    ) -> None:
        self.data_dir = data_dir
        self.config = config
        self.env = {**os.environ, **(env or {})}
        self.port = 0
        self.url = ""
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = data_dir / "server.log"

    @property
    def http_url(self) -> str:
        return (
            self.url.replace("ws://", "http://").replace("wss://", "https://").removesuffix("/ws")
        )

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        cmd = [
            sys.executable,
            "-m",
            "signaling_server",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--data-dir",
            str(self.data_dir),
        ]
        if self.config is not None:
            cmd += ["--config", str(self.config)]
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log, env=self.env)
        log.close()
        assert self.proc.stdout is not None
        deadline = time.monotonic() + STARTUP_TIMEOUT
        line = b""
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.1)
            if ready:
                line = self.proc.stdout.readline()
                break
            if self.proc.poll() is not None:
                break
        text = line.decode().strip()
        if not text.startswith("listening on "):
            self.kill()
            raise RuntimeError(
                f"server did not start: {text!r}\n{self.log_path.read_text(errors='replace')}"
            )
        self.url = text.removeprefix("listening on ")
        self.port = int(self.url.rsplit(":", 1)[1].split("/")[0])

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def terminate(self, timeout: float = 15.0) -> int:
        """SIGTERM and wait: the graceful shutdown path. Returns the exit code."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout)
        self.proc = None
        return code

    def restart(self) -> None:
        self.kill()
        self.start()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
