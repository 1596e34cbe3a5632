"""The store's schema is created and upgraded in place by alembic."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from messenger.protocol.events import MessageEvent
from messenger.store import Store, migrate


def test_head_constant_matches_the_migration_scripts() -> None:
    """The cheap startup check compares against the real newest revision."""
    assert migrate.head_revision() == migrate.HEAD_REVISION


def test_a_new_file_gets_the_whole_schema(tmp_path: Path) -> None:
    """Opening a store that does not exist yet creates a usable, current database."""
    path = tmp_path / "deep" / "dir" / "store.sqlite3"
    with Store.open(path) as store:
        store.outbox.enqueue_send("dm:a1a:b2b", "hi")
    conn = sqlite3.connect(path)
    assert migrate.stored_revision(conn) == migrate.HEAD_REVISION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_an_older_store_is_upgraded_and_keeps_its_data(tmp_path: Path) -> None:
    """History written before full-text search existed becomes searchable after the upgrade."""
    path = tmp_path / "store.sqlite3"
    migrate.upgrade(path, "0001")
    conn = sqlite3.connect(path)
    conn.execute(
        "INSERT INTO messages(conversation, seq, ts, sender, client_id, text) "
        "VALUES ('dm:a1a:b2b', 1, 1.0, 'a1a', 'c1', 'remember the milk')"
    )
    conn.execute("INSERT INTO conversations(id, synced_seq) VALUES ('dm:a1a:b2b', 1)")
    conn.commit()
    conn.close()
    with Store.open(path) as store:
        assert [m.text for m in store.search("milk")] == ["remember the milk"]
        assert store.timeline.synced_seq("dm:a1a:b2b") == 1
        # New writes after the upgrade are indexed by the triggers.
        store.timeline.apply(
            MessageEvent(
                conversation="dm:a1a:b2b", seq=2, ts=2.0, sender="b2b", client_id="c2", text="eggs"
            )
        )
        assert [m.seq for m in store.search("eggs")] == [2]


def test_opening_a_current_store_does_not_load_alembic(tmp_path: Path) -> None:
    """Startup stays cheap once the schema is current."""
    path = tmp_path / "store.sqlite3"
    Store.open(path).close()
    code = (
        "import sys; from pathlib import Path; from messenger.store import Store; "
        f"Store.open(Path({str(path)!r})).close(); print('alembic' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
