"""messenger-cli send-file and download, as a user runs them: subprocesses against the real
server, one JSON result on stdout, progress on stderr, and a second run that resumes."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import signal
import subprocess
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from tests.clientkit import eventually
from tests.cutproxy import CutProxy
from tests.serverproc import ServerProcess
from tests.test_cli_commands import PASSWORD, Cli, error, lines

Names = Callable[[str], str]
MIB = 1024 * 1024
OVERHEAD = 256 * 1024  # the HTTP heads and the sign-in around a transfer


@pytest.fixture
def cli(shared_server: ServerProcess, tmp_path: Path) -> Cli:
    return Cli(shared_server.url, tmp_path / "data")


@pytest.fixture
async def proxy(shared_server: ServerProcess) -> AsyncIterator[CutProxy]:
    cut = CutProxy(shared_server.port)
    await cut.start()
    yield cut
    await cut.close()


def _friends(cli: Cli, name: Names) -> tuple[str, str]:
    alice, bob = name("alice"), name("bob")
    for user in (alice, bob):
        assert cli.run(user, "register").returncode == 0
    assert cli.run(alice, "contacts", "add", bob).returncode == 0
    assert cli.run(bob, "contacts", "accept", alice).returncode == 0
    return alice, bob


def _source(path: Path, size: int) -> bytes:
    data = os.urandom(size)
    path.write_bytes(data)
    return data


def _read(path: Path) -> bytes:
    return path.read_bytes()


def _progress(stderr: str) -> list[dict[str, Any]]:
    return [line["progress"] for line in lines(stderr) if "progress" in line]


def test_send_file_then_download_with_json_results(cli: Cli, name: Names, tmp_path: Path) -> None:
    """send-file prints {file_id, sha256, size}; download saves the same bytes, never over a
    file already there; progress goes to stderr as JSON lines when it is not a terminal."""
    alice, bob = _friends(cli, name)
    data = _source(tmp_path / "notes.txt", 3 * MIB)
    sent = cli.run(alice, "send-file", bob, str(tmp_path / "notes.txt"), "--caption", "fyi")
    assert sent.returncode == 0, sent.stderr
    (result,) = lines(sent.stdout)
    assert result["sha256"] == hashlib.sha256(data).hexdigest()
    assert result["size"] == len(data) and result["name"] == "notes.txt"
    assert _progress(sent.stderr)[-1]["state"] == "done"

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    got = cli.run(bob, "download", result["file_id"], "--out", str(inbox))
    assert got.returncode == 0, got.stderr
    (saved,) = lines(got.stdout)
    assert saved["path"] == str(inbox / "notes.txt")
    assert Path(saved["path"]).read_bytes() == data
    again = cli.run(bob, "download", result["file_id"], "--out", str(inbox))
    assert lines(again.stdout)[0]["path"] == str(inbox / "notes (1).txt")
    named = cli.run(bob, "download", result["file_id"], "--out", str(tmp_path / "copy.bin"))
    assert lines(named.stdout)[0]["path"] == str(tmp_path / "copy.bin")
    history = cli.run(bob, "history", alice)
    (message,) = lines(history.stdout)
    assert message["text"] == "fyi" and message["file"]["file_id"] == result["file_id"]


def test_file_commands_explain_what_went_wrong(cli: Cli, name: Names, tmp_path: Path) -> None:
    """A missing file, a bad id, a file not shared with you and an unwritable destination
    each get their own exit code and a JSON error naming the problem."""
    alice, bob = _friends(cli, name)
    eve = name("eve")
    assert cli.run(eve, "register").returncode == 0
    missing = cli.run(alice, "send-file", bob, str(tmp_path / "nope.txt"))
    assert missing.returncode == 8 and error(missing)["error"] == "disk"
    bad_id = cli.run(bob, "download", "../../etc", "--out", str(tmp_path))
    assert bad_id.returncode == 2 and error(bad_id)["error"] == "usage"
    _source(tmp_path / "secret.txt", 1000)
    sent = cli.run(alice, "send-file", bob, str(tmp_path / "secret.txt"))
    file_id = lines(sent.stdout)[0]["file_id"]
    outsider = cli.run(eve, "download", file_id, "--out", str(tmp_path))
    assert outsider.returncode == 6 and error(outsider)["error"] == "forbidden"
    nowhere = cli.run(bob, "download", file_id, "--out", str(tmp_path / "no" / "such" / "dir"))
    assert nowhere.returncode == 8 and error(nowhere)["error"] == "disk"


async def _start(cli: Cli, user: str, *args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        *cli.argv(user, "--password-stdin", *args, timeout=20),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=cli.env,
    )


async def _finish(proc: asyncio.subprocess.Process) -> tuple[int, str, str]:
    out, err = await asyncio.wait_for(proc.communicate(f"{PASSWORD}\n".encode()), 60)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def _kill_when(proc: asyncio.subprocess.Process, ready: Callable[[], bool]) -> None:
    assert proc.stdin is not None
    proc.stdin.write(f"{PASSWORD}\n".encode())
    await proc.stdin.drain()
    await eventually(ready, within=30)
    proc.send_signal(signal.SIGKILL)
    await proc.wait()


async def test_download_resumes_where_an_earlier_run_stopped(
    shared_server: ServerProcess, proxy: CutProxy, name: Names, tmp_path: Path
) -> None:
    """A download killed midway leaves its part file; the next run fetches only the rest."""
    direct = Cli(shared_server.url, tmp_path / "data")
    alice, bob = _friends(direct, name)
    data = _source(tmp_path / "movie.mkv", 24 * MIB)
    sent = direct.run(alice, "send-file", bob, str(tmp_path / "movie.mkv"))
    file_id = lines(sent.stdout)[0]["file_id"]
    via_proxy = Cli(proxy.url, tmp_path / "data")
    inbox = tmp_path / "inbox"
    inbox.mkdir()

    def part_size() -> int:
        return sum(p.stat().st_size for p in inbox.glob("*.part"))

    proxy.rate = 8 * MIB
    first = await _start(via_proxy, bob, "download", file_id, "--out", str(inbox))
    await _kill_when(first, lambda: part_size() >= 4 * MIB)
    kept = part_size()
    assert 4 * MIB <= kept < len(data)

    proxy.rate = None
    before = proxy.down
    code, out, err = await _finish(
        await _start(via_proxy, bob, "download", file_id, "--out", str(inbox))
    )
    assert code == 0, err
    assert proxy.down - before <= len(data) - kept + OVERHEAD
    path = Path(json.loads(out)["path"])
    assert path == inbox / "movie.mkv" and _read(path) == data
    assert not list(inbox.glob("*.part"))


async def test_send_file_resumes_where_an_earlier_run_stopped(
    shared_server: ServerProcess, proxy: CutProxy, name: Names, tmp_path: Path
) -> None:
    """An upload killed midway is continued by the next send-file of the same file to the
    same user, from the server's offset, and the file message is sent once."""
    direct = Cli(shared_server.url, tmp_path / "data")
    alice, bob = _friends(direct, name)
    data = _source(tmp_path / "backup.tar", 24 * MIB)
    via_proxy = Cli(proxy.url, tmp_path / "data")
    proxy.rate = 8 * MIB
    first = await _start(via_proxy, alice, "send-file", bob, str(tmp_path / "backup.tar"))
    await _kill_when(first, lambda: proxy.up >= 8 * MIB)
    await proxy.go_offline()  # what the killed process's socket still held never arrives
    await proxy.go_online()
    proxy.rate = None
    before = proxy.up
    code, out, err = await _finish(
        await _start(via_proxy, alice, "send-file", bob, str(tmp_path / "backup.tar"))
    )
    assert code == 0, err
    assert proxy.up - before <= len(data) - 7 * MIB
    assert json.loads(out)["sha256"] == hashlib.sha256(data).hexdigest()
    history = direct.run(bob, "history", alice)
    (message,) = lines(history.stdout)
    assert message["file"]["size"] == len(data)
