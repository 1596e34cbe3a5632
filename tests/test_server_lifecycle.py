"""Durability across SIGKILL, graceful shutdown, TLS, configuration and migrations."""

from __future__ import annotations

import asyncio
import ssl
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

import aiohttp
import pytest

from tests.serverproc import ServerProcess
from tests.wire import Wire, WireError, befriend, dm

Names = Callable[[str], str]


async def test_acked_messages_survive_sigkill(server: ServerProcess, name: Names) -> None:
    """Every message acknowledged before a SIGKILL is there after restart, once, in order."""
    a = await Wire.user(server.url, name("a"), "password1")
    b = await Wire.user(server.url, name("b"), "password1")
    await befriend(a, b)
    conv = dm(a.username, b.username)
    acked: list[tuple[int, str]] = []
    enough = asyncio.Event()

    async def pump() -> None:
        i = 0
        while True:
            text = f"msg {i}"
            try:
                ack = await a.call("send", conversation=conv, client_id=f"k{i}", text=text)
            except (TimeoutError, WireError, ConnectionError):
                return
            acked.append((ack["seq"], text))
            if len(acked) >= 200:
                enough.set()
            i += 1

    task = asyncio.create_task(pump())
    await asyncio.wait_for(enough.wait(), 30)
    server.kill()
    await asyncio.wait_for(task, 10)
    server.start()
    b2 = await Wire.user(server.url, b.username, "password1")
    stored: list[tuple[int, str]] = []
    after = 0
    while True:
        page = await b2.call("sync", conversation=conv, after=after)
        stored += [(e["seq"], e["text"]) for e in page["events"]]
        if not page["has_more"]:
            break
        after = page["events"][-1]["seq"]
    assert stored[: len(acked)] == acked
    assert [s for s, _ in stored] == list(range(1, len(stored) + 1))
    for w in (a, b, b2):
        await w.close()


async def test_sigterm_shuts_down_gracefully(server: ServerProcess, name: Names) -> None:
    """SIGTERM closes clients with 1001 ('going away'), exits 0 and keeps every ack."""
    a = await Wire.user(server.url, name("a"), "password1")
    b = await Wire.user(server.url, name("b"), "password1")
    await befriend(a, b)
    await a.send_text(b.username, "before shutdown")
    code = await asyncio.to_thread(server.terminate)
    assert code == 0
    await asyncio.wait_for(a.closed.wait(), 5)
    assert a.close_code == 1001
    server.start()
    b2 = await Wire.user(server.url, b.username, "password1")
    history = await b2.call("history", conversation=dm(a.username, b.username))
    assert history["messages"][-1]["text"] == "before shutdown"
    for w in (a, b, b2):
        await w.close()


def _make_cert(tmp: Path) -> tuple[Path, Path]:
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


async def test_tls_serves_wss_and_verifies(tmp_path: Path, name: Names) -> None:
    """With a certificate configured the server speaks wss:// and https://; an unverified
    client is refused, one trusting the certificate connects."""
    cert, key = _make_cert(tmp_path)
    proc = ServerProcess(
        tmp_path / "srv",
        env={"MESSENGER_TLS__CERT_FILE": str(cert), "MESSENGER_TLS__KEY_FILE": str(key)},
    )
    proc.start()
    try:
        assert proc.url.startswith("wss://127.0.0.1:")
        async with aiohttp.ClientSession() as session:
            with pytest.raises(aiohttp.ClientConnectorCertificateError):
                await session.ws_connect(proc.url)
            trusted = ssl.create_default_context(cafile=str(cert))
            async with session.get(proc.http_url + "/health", ssl=trusted) as resp:
                assert (await resp.json())["status"] == "ok"
            ws = await session.ws_connect(proc.url, ssl=trusted)
            await ws.send_json({"type": "hello", "id": "1", "protocol": 1})
            assert (await ws.receive_json())["type"] == "result"
            await ws.close()
    finally:
        proc.stop()


def test_bad_config_is_reported_by_name(tmp_path: Path) -> None:
    """A typo or a wrong type in the config file stops the server with a message naming it."""
    cfg = tmp_path / "server.toml"
    cfg.write_text("[limits]\nmax_text_chars = 'many'\n")
    out = subprocess.run(
        [sys.executable, "-m", "signaling_server", "--config", str(cfg), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert out.returncode == 2 and "limits.max_text_chars" in out.stderr
    cfg.write_text("[limits]\nmax_txt_chars = 5\n")
    out = subprocess.run(
        [sys.executable, "-m", "signaling_server", "--config", str(cfg), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert out.returncode == 2 and "limits.max_txt_chars" in out.stderr


async def test_config_file_and_env_override(tmp_path: Path, name: Names) -> None:
    """Settings come from the TOML file, and the environment overrides the file."""
    cfg = tmp_path / "server.toml"
    cfg.write_text("[limits]\nmax_text_chars = 100\nmax_frame_bytes = 4096\n")
    proc = ServerProcess(
        tmp_path / "srv", env={"MESSENGER_LIMITS__MAX_TEXT_CHARS": "50"}, config=cfg
    )
    proc.start()
    try:
        wire = await Wire.connect(proc.url)
        limits = (await wire.call("hello", protocol=1))["limits"]
        assert limits["max_text_chars"] == 50 and limits["max_frame_bytes"] == 4096
        await wire.close()
    finally:
        proc.stop()


async def test_existing_database_upgrades_in_place(tmp_path: Path, name: Names) -> None:
    """A data directory at an older schema revision is migrated on start, its data kept."""
    import sqlite3

    from alembic import command
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from sqlalchemy import create_engine

    from signaling_server.storage.migrate import MIGRATIONS

    data = tmp_path / "srv"
    data.mkdir()
    db = data / "messenger.sqlite3"
    engine = create_engine(f"sqlite:///{db}")
    with engine.begin() as connection:
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "0001")
    engine.dispose()
    with sqlite3.connect(db) as c:
        c.execute(
            "INSERT INTO users (username, password_hash, created_at) VALUES ('legacy', 'x', 0)"
        )
    proc = ServerProcess(data)
    proc.start()
    try:
        wire = await Wire.connect(proc.url)
        taken = await wire.request("register", username="legacy", password="whatever1")
        assert taken["code"] == "username_taken"
        await wire.close()
    finally:
        proc.stop()
    with sqlite3.connect(db) as c:
        head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
        assert c.execute("SELECT version_num FROM alembic_version").fetchone()[0] == head
        indexes = {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type='index'")}
        assert "events_unread" in indexes
        tables = {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert "profiles" in tables


async def test_database_before_profiles_gains_them_in_place(tmp_path: Path) -> None:
    """Accounts and contacts of a 0002 database work after the upgrade, with empty profiles
    that can then be set and are seen by the contact."""
    import sqlite3

    from alembic import command
    from alembic.config import Config
    from argon2 import PasswordHasher
    from sqlalchemy import create_engine

    from signaling_server.storage.migrate import MIGRATIONS

    data = tmp_path / "srv"
    data.mkdir()
    db = data / "messenger.sqlite3"
    engine = create_engine(f"sqlite:///{db}")
    with engine.begin() as connection:
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "0002")
    engine.dispose()
    hashed = PasswordHasher().hash("password1")
    with sqlite3.connect(db) as c:
        for name in ("old-alice", "old-bob"):
            c.execute(
                "INSERT INTO users (username, password_hash, created_at) VALUES (?, ?, 0)",
                (name, hashed),
            )
        c.execute(
            "INSERT INTO contacts (user_id, peer_id, state, updated_at)"
            " VALUES (1, 2, 'accepted', 0), (2, 1, 'accepted', 0)"
        )
    proc = ServerProcess(data)
    proc.start()
    try:
        alice = await Wire.user(proc.url, "old-alice", "password1")
        bob = await Wire.user(proc.url, "old-bob", "password1")
        row = (await bob.call("contacts"))["contacts"][0]
        assert (row["username"], row["display_name"], row["avatar_hash"]) == (
            "old-alice",
            "",
            None,
        )
        assert (await bob.call("profile", username="old-alice"))["display_name"] == ""
        await alice.call("set_profile", display_name="Alice of old")
        assert (await bob.next_event("profile"))["display_name"] == "Alice of old"
        assert (await bob.call("contacts"))["contacts"][0]["display_name"] == "Alice of old"
        await alice.close()
        await bob.close()
    finally:
        proc.stop()


async def test_health_endpoint(shared_server: ServerProcess) -> None:
    """GET /health answers ok with connection counts."""
    async with (
        aiohttp.ClientSession() as session,
        session.get(shared_server.http_url + "/health") as resp,
    ):
        body = await resp.json()
    assert resp.status == 200 and body["status"] == "ok" and "connections" in body


async def test_unique_client_ids_do_not_collide_between_users(
    shared_server: ServerProcess, name: Names
) -> None:
    """Two users may pick the same client id: idempotency is per sender."""
    a = await Wire.user(shared_server.url, name("a"))
    b = await Wire.user(shared_server.url, name("b"))
    await befriend(a, b)
    cid = uuid.uuid4().hex
    conv = dm(a.username, b.username)
    x = await a.call("send", conversation=conv, client_id=cid, text="from a")
    y = await b.call("send", conversation=conv, client_id=cid, text="from b")
    assert (x["seq"], y["seq"]) == (1, 2)
    await a.close()
    await b.close()
