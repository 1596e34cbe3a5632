"""A real TURN server (coturn's ``turnserver``) on loopback, for the call tests.

It uses the TURN REST shared-secret scheme (``--use-auth-secret``), the same secret the
signaling server signs its time-limited credentials with, and allows loopback peers since
both ends of a test call live on this machine. Ports are picked free at start.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

STARTUP_TIMEOUT = 10.0
REALM = "messenger.test"


def _free_port() -> int:
    # Free for both UDP and TCP, which coturn listens on.
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind(("127.0.0.1", 0))
            port = int(udp.getsockname()[1])
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                try:
                    tcp.bind(("127.0.0.1", port))
                except OSError:
                    continue
            return port


def _stun_answers(port: int) -> bool:
    """A STUN binding request over UDP gets any answer (the server is up)."""
    request = bytes.fromhex("000100002112a442") + os.urandom(12)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(0.2)
        sock.sendto(request, ("127.0.0.1", port))
        try:
            reply, _ = sock.recvfrom(2048)
        except OSError:
            return False
    return reply[8:20] == request[8:20]


class TurnServer:
    def __init__(self, workdir: Path, secret: str) -> None:
        self.workdir = workdir
        self.secret = secret
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = workdir / "turnserver.log"

    @property
    def url(self) -> str:
        return f"turn:127.0.0.1:{self.port}?transport=udp"

    @property
    def stun_url(self) -> str:
        return f"stun:127.0.0.1:{self.port}"

    def start(self) -> None:
        binary = shutil.which("turnserver")
        assert binary is not None
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = _free_port()
        relay_low = 40000 + (os.getpid() % 200) * 100
        cmd = [
            binary,
            "-n",  # no config file: only what is given here
            "--listening-ip=127.0.0.1",
            "--relay-ip=127.0.0.1",
            f"--listening-port={self.port}",
            f"--min-port={relay_low}",
            f"--max-port={relay_low + 99}",
            "--use-auth-secret",
            f"--static-auth-secret={self.secret}",
            f"--realm={REALM}",
            "--allow-loopback-peers",
            "--no-tls",
            "--no-dtls",
            "--no-cli",
            "--no-tcp-relay",
            "--simple-log",
            f"--log-file={self.log_path}",
            f"--pidfile={self.workdir / 'turnserver.pid'}",
            f"--db={self.workdir / 'turndb'}",
        ]
        self.proc = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            if _stun_answers(self.port):
                return
            time.sleep(0.1)
        self.stop()
        logs = "\n".join(str(p.read_text(errors="replace")) for p in self.workdir.glob("*.log"))
        raise RuntimeError(f"turnserver did not start on port {self.port}:\n{logs}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


def require_turnserver() -> None:
    """Skip when coturn is missing on a developer's machine; CI installs it, so fail there."""
    if shutil.which("turnserver") is not None:
        return
    message = "coturn's turnserver is not installed (apt-get install coturn, or ./dev test)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def running_turnserver(workdir: Path, secret: str) -> Iterator[TurnServer]:
    """For a fixture: ``yield from running_turnserver(path, secret)``."""
    require_turnserver()
    server = TurnServer(workdir, secret)
    server.start()
    try:
        yield server
    finally:
        server.stop()
