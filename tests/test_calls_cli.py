"""``messenger-cli call`` and ``answer`` as a user runs them: subprocesses, JSON out."""

from __future__ import annotations

import asyncio
import json
import os
import select
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from messenger.calls.state import CallState, EndReason
from tests.callkit import SERVER_ENV, People, local_call_entries, until_state
from tests.clientkit import PASSWORD
from tests.serverproc import ServerProcess


@pytest.fixture(scope="module")
def calls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    proc = ServerProcess(tmp_path_factory.mktemp("calls-cli"), env=SERVER_ENV)
    proc.start()
    yield proc
    proc.stop()


@pytest.fixture
async def group(
    calls_server: ServerProcess, tmp_path: Path, name: Callable[[str], str]
) -> AsyncIterator[People]:
    people = People(calls_server.url, tmp_path, name)
    yield people
    await people.close()


class CliProcess:
    """One messenger-cli run in the background, its stdout read line by line."""

    def __init__(self, url: str, data_home: Path, user: str, *args: str) -> None:
        argv = [
            sys.executable, "-m", "messenger.cli.main", "--server", url, "--user", user,
            "--password-stdin", *args, "--synthetic", "--host-address", "127.0.0.1",
        ]  # fmt: skip
        self.proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, "XDG_DATA_HOME": str(data_home)},
        )
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"{PASSWORD}\n".encode())
        self.proc.stdin.close()
        self.proc.stdin = None  # communicate() must not flush it again
        self.errors: str | None = None

    def next_line(self, within: float = 20.0) -> dict[str, Any]:
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], within)
        line = self.proc.stdout.readline() if ready else b""
        if not line:
            raise AssertionError(f"no output from the CLI: {self.stderr()}")
        result: dict[str, Any] = json.loads(line)
        return result

    def finish(self, within: float = 30.0) -> tuple[int, list[dict[str, Any]]]:
        out, err = self.proc.communicate(timeout=within)
        self.errors = err.decode(errors="replace")
        return self.proc.returncode, [json.loads(x) for x in out.decode().splitlines() if x]

    def stderr(self) -> str:
        if self.proc.poll() is None:
            return "(still running)"
        if self.errors is None and self.proc.stderr is not None:
            self.errors = self.proc.stderr.read().decode(errors="replace")
        return self.errors or ""

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()


@pytest.fixture
def cli(calls_server: ServerProcess, tmp_path: Path) -> Iterator[Callable[..., CliProcess]]:
    started: list[CliProcess] = []

    def run(user: str, *args: str) -> CliProcess:
        process = CliProcess(calls_server.url, tmp_path / "cli" / user, user, *args)
        started.append(process)
        return process

    yield run
    for process in started:
        process.kill()


async def test_cli_call_and_answer_exchange_tone_and_video(
    group: People, cli: Callable[..., CliProcess]
) -> None:
    """A video call from one CLI to another: each reports the other's tone and pattern."""
    alice, bob = await group.contacts()
    answering = cli(bob.name, "answer", "--tone", "660", "--timeout", "30")
    assert answering.next_line() == {"waiting": True}
    calling = cli(alice.name, "call", bob.name, "--video", "--tone", "440", "--seconds", "3")

    code, (caller_report,) = await asyncio.to_thread(calling.finish)
    assert code == 0, calling.stderr()
    code, lines = await asyncio.to_thread(answering.finish)
    assert code == 0, answering.stderr()
    callee_report = lines[-1]

    assert abs(caller_report["audio"]["dominant_hz"] - 660) < 10
    assert abs(callee_report["audio"]["dominant_hz"] - 440) < 10
    for report in (caller_report, callee_report):
        assert report["video"]["frames"] > 20
        assert (report["video"]["width"], report["video"]["height"]) == (640, 480)
        assert report["video"]["fps"] > 10
        assert report["setup_ms"] is not None and report["setup_ms"] >= 0
    assert caller_report["end_reason"] == "hung_up"
    assert callee_report["end_reason"] == "hung_up"
    assert caller_report["call_id"] == callee_report["call_id"]


async def test_cli_call_that_is_not_answered_exits_with_the_reason(
    group: People, cli: Callable[..., CliProcess]
) -> None:
    """Declined: the report still prints, and the exit code and error say what happened."""
    alice, bob = await group.contacts()
    calling = cli(alice.name, "call", bob.name, "--seconds", "3")
    incoming = await bob.next_incoming(within=20)
    await incoming.decline()
    code, (report,) = await asyncio.to_thread(calling.finish)
    assert code == 9
    assert report["end_reason"] == "declined" and report["audio"]["frames"] == 0
    assert json.loads(calling.stderr())["reason"] == "declined"


async def test_answering_device_dying_mid_call_ends_the_call_as_lost(
    group: People, cli: Callable[..., CliProcess]
) -> None:
    """The answering program is killed mid-call: the caller's call ends as lost within the
    server's grace or its own media watchdog, and history keeps the answered call."""
    alice, bob = await group.contacts()
    answering = cli(bob.name, "answer", "--timeout", "30")
    assert answering.next_line() == {"waiting": True}
    outgoing = await alice.call(bob)
    await until_state(outgoing, CallState.ACTIVE, within=20)
    answering.kill()
    await until_state(outgoing, CallState.ENDED, within=10)
    assert outgoing.end is not None and outgoing.end.reason == EndReason.LOST
    (entry,) = await local_call_entries(alice, bob, 1)
    assert entry.call is not None and entry.call.outcome == "answered"
