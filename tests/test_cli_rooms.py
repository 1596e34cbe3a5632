"""messenger-cli room commands end to end: create, invite, join, members, send, history, leave."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.serverproc import ServerProcess
from tests.test_cli_commands import Cli, error, lines


@pytest.fixture
def cli(shared_server: ServerProcess, tmp_path: Path) -> Cli:
    return Cli(shared_server.url, tmp_path / "data")


def test_room_commands_end_to_end(cli: Cli, name: Callable[[str], str]) -> None:
    """A private room made, filled and used from the command line, `#NAME` as the target."""
    alice, bob, eve = name("alice"), name("bob"), name("eve")
    room = name("Crew")
    for user in (alice, bob, eve):
        assert cli.run(user, "register").returncode == 0
    assert cli.run(alice, "contacts", "add", bob).returncode == 0
    assert cli.run(bob, "contacts", "accept", alice).returncode == 0

    proc = cli.run(alice, "room", "create", room)
    assert proc.returncode == 0, proc.stderr
    (created,) = lines(proc.stdout)
    assert created["name"] == room and created["role"] == "owner" and not created["public"]
    assert cli.run(alice, "room", "invite", room, bob).returncode == 0
    proc = cli.run(bob, "room", "join", f"#{room.lower()}")
    assert proc.returncode == 0, proc.stderr
    assert lines(proc.stdout)[0]["id"] == created["id"]

    for user, text in ((alice, f"hello @{bob}"), (bob, "hi alice")):
        proc = cli.run(user, "send", f"#{room}", text)
        assert proc.returncode == 0, proc.stderr
    proc = cli.run(bob, "history", f"#{room}")
    assert proc.returncode == 0, proc.stderr
    said = [m for m in lines(proc.stdout) if m["member"] is None and m["room"] is None]
    assert [(m["sender"], m["text"]) for m in said] == [(alice, f"hello @{bob}"), (bob, "hi alice")]
    assert said[0]["mentions"] == [bob]

    proc = cli.run(alice, "room", "members", room)
    assert [(m["username"], m["role"]) for m in lines(proc.stdout)] == [
        (alice, "owner"),
        (bob, "member"),
    ]
    refused = cli.run(eve, "send", f"#{room}", "let me in")
    assert refused.returncode == 6 and error(refused)["error"] == "not_found"
    assert cli.run(eve, "room", "invite", room, bob).returncode == 6

    assert cli.run(bob, "room", "leave", room).returncode == 0
    proc = cli.run(bob, "send", f"#{room}", "still here?")
    assert proc.returncode == 6 and error(proc)["error"] == "forbidden"
    bad = cli.run(alice, "room", "create", "no spaces allowed")
    assert bad.returncode == 2 and error(bad)["error"] == "usage"
