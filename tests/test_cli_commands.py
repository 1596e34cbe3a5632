"""messenger-cli as a user runs it: a subprocess against the real server, JSON lines out."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.serverproc import ServerProcess

PASSWORD = "correct horse battery"


class Cli:
    """Runs messenger-cli with its own data dir (XDG_DATA_HOME) and the password on stdin."""

    def __init__(self, url: str, data_home: Path) -> None:
        self.url = url
        self.env = {**os.environ, "XDG_DATA_HOME": str(data_home)}

    def argv(self, user: str, *args: str, timeout: float = 10.0) -> list[str]:
        return [
            sys.executable, "-m", "messenger.cli.main",
            "--server", self.url, "--user", user, "--timeout", str(timeout), *args,
        ]  # fmt: skip

    def run(
        self, user: str, *args: str, password: str | None = PASSWORD, timeout: float = 10.0
    ) -> subprocess.CompletedProcess[str]:
        argv = self.argv(user, *(["--password-stdin"] if password else []), *args, timeout=timeout)
        return subprocess.run(
            argv,
            input=f"{password}\n" if password else "",
            capture_output=True,
            text=True,
            env=self.env,
            timeout=timeout + 30,
        )


def lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def error(proc: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    (err,) = lines(proc.stderr)
    assert isinstance(err, dict)
    return err


@pytest.fixture
def cli(shared_server: ServerProcess, tmp_path: Path) -> Cli:
    return Cli(shared_server.url, tmp_path / "data")


def test_register_contacts_send_and_history(cli: Cli, name: Callable[[str], str]) -> None:
    """The whole everyday flow works from the command line, with JSON a script can read."""
    alice, bob = name("alice"), name("bob")
    for user in (alice, bob):
        proc = cli.run(user, "register")
        assert proc.returncode == 0, proc.stderr
        (out,) = lines(proc.stdout)
        assert out["username"] == user
        assert "token" not in out  # the session token is a secret: never printed

    proc = cli.run(alice, "contacts", "add", bob)
    assert proc.returncode == 0, proc.stderr
    assert lines(proc.stdout)[0]["state"] == "outgoing"
    proc = cli.run(bob, "contacts")
    assert [(c["username"], c["state"]) for c in lines(proc.stdout)] == [(alice, "incoming")]
    assert cli.run(bob, "contacts", "accept", alice).returncode == 0

    for text in ("first", "second", "third"):
        proc = cli.run(alice, "send", bob, text)
        assert proc.returncode == 0, proc.stderr
        assert lines(proc.stdout)[0]["seq"] > 0

    proc = cli.run(bob, "history", alice, "--limit", "2")
    assert proc.returncode == 0, proc.stderr
    assert [m["text"] for m in lines(proc.stdout)] == ["second", "third"]
    assert all(m["sender"] == alice for m in lines(proc.stdout))


def test_status_sets_presence_and_shows_the_session(cli: Cli, name: Callable[[str], str]) -> None:
    """Setting a status is confirmed, and the bare command shows who and where you are."""
    user = name("stat")
    assert cli.run(user, "register").returncode == 0
    proc = cli.run(user, "status", "busy", "--text", "in a meeting")
    assert proc.returncode == 0, proc.stderr
    assert lines(proc.stdout) == [{"status": "busy", "text": "in a meeting"}]
    proc = cli.run(user, "status")
    (info,) = lines(proc.stdout)
    assert (info["username"], info["status"]) == (user, "busy")
    assert any(s["current"] for s in info["sessions"])


def test_failures_are_json_on_stderr_with_distinct_exit_codes(
    cli: Cli, name: Callable[[str], str]
) -> None:
    """Wrong password, missing credentials, refused requests and bad usage are told apart."""
    user = name("err")
    assert cli.run(user, "register").returncode == 0

    wrong = cli.run(user, "contacts", password="not my password")
    assert (wrong.returncode, error(wrong)["error"]) == (5, "invalid_credentials")

    # No keyring on the test machine and no --password-stdin: nothing to sign in with.
    none = cli.run(user, "contacts", password=None)
    assert (none.returncode, error(none)["error"]) == (5, "no_credentials")

    refused = cli.run(user, "send", "nosuchuser99", "hello?")
    assert refused.returncode == 6
    assert error(refused)["error"] == "not_found"

    usage = cli.run(user, "contacts", "add")
    assert (usage.returncode, error(usage)["error"]) == (2, "usage")


def test_send_while_the_server_is_down_queues_and_delivers_later(
    server: ServerProcess, tmp_path: Path
) -> None:
    """Exit 3 means queued, not lost: the next command sends it, before newer messages."""
    cli = Cli(server.url, tmp_path / "data")
    assert cli.run("alice", "register").returncode == 0
    assert cli.run("bob", "register").returncode == 0

    server.kill()
    proc = cli.run("alice", "send", "bob", "written offline", timeout=1.5)
    assert proc.returncode == 3
    err = error(proc)
    assert err["error"] == "queued" and "next connection" in err["message"]
    server.start()

    proc = cli.run("alice", "send", "bob", "written later")
    assert proc.returncode == 0, proc.stderr
    history = lines(cli.run("bob", "history", "alice").stdout)
    assert [m["text"] for m in history] == ["written offline", "written later"]


def test_listen_prints_incoming_messages_and_exits_cleanly_on_sigterm(
    cli: Cli, name: Callable[[str], str]
) -> None:
    """listen streams events as JSON lines until it is told to stop, then exits 0."""
    alice, bob = name("alice"), name("bob")
    assert cli.run(alice, "register").returncode == 0
    assert cli.run(bob, "register").returncode == 0
    listener = subprocess.Popen(
        cli.argv(bob, "--password-stdin", "listen"),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli.env,
    )
    try:
        assert listener.stdin is not None and listener.stdout is not None
        listener.stdin.write(f"{PASSWORD}\n")
        listener.stdin.close()
        # Wait for the listener to be signed in before sending.
        deadline = time.monotonic() + 15
        seen: list[dict[str, Any]] = []
        while time.monotonic() < deadline:
            event = json.loads(listener.stdout.readline())
            seen.append(event)
            if event.get("type") == "connection_state" and event["new"] == "authenticated":
                break
        assert cli.run(alice, "send", bob, "are you there?").returncode == 0
        while time.monotonic() < deadline:
            event = json.loads(listener.stdout.readline())
            if event.get("type") == "message":
                break
        assert (event["sender"], event["text"]) == (alice, "are you there?")
        listener.send_signal(signal.SIGTERM)
        assert listener.wait(10) == 0
    finally:
        if listener.poll() is None:
            listener.kill()
            listener.wait()


def test_runs_without_a_keyring_leave_no_sessions_behind(
    cli: Cli, shared_server: ServerProcess, name: Callable[[str], str]
) -> None:
    """With no keyring to keep the token, each run signs out at exit: no stale devices pile up."""
    import asyncio

    from tests.wire import Wire

    user = name("nokeyring")
    assert cli.run(user, "register").returncode == 0
    for _ in range(3):
        assert cli.run(user, "contacts").returncode == 0

    async def sessions() -> list[dict[str, Any]]:
        wire = await Wire.connect(shared_server.url)
        await wire.call("login", username=user, password=PASSWORD)
        listed = await wire.call("sessions")
        await wire.close()
        return list(listed["sessions"])

    assert [s["current"] for s in asyncio.run(sessions())] == [True]
