"""File transfers of the headless client: file messages, progress, resumption after cuts,
outages and restarts, pause, cancel, and downloads that never overwrite or escape."""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from messenger.client import Client, ConnectionState, EventStream
from messenger.client.transfers import TransferUpdate
from messenger.client.transfers.manager import READ_BUFFER_BYTES
from messenger.protocol import requests as rq
from messenger.protocol.events import MessageEvent
from messenger.protocol.files import FileRef
from tests.clientkit import PASSWORD, eventually, make_client, next_matching
from tests.cutproxy import CutProxy
from tests.filewire import FileWire
from tests.serverproc import ServerProcess
from tests.wire import Wire

Names = Callable[[str], str]
MIB = 1024 * 1024
# Request and response heads of the few HTTP exchanges around a transfer.
OVERHEAD = 64 * 1024
# What the server had received but not yet read when a connection was cut (its socket buffer
# and the HTTP stream's): dropped with the connection, so the resumed upload sends it again.
# Never the first part as a whole: every cut in these tests comes after more than 2 MiB.
SERVER_UNREAD = 512 * 1024
JPEG = b"\xff\xd8\xff\xe0 a tiny thumbnail"


@pytest.fixture
async def proxy(shared_server: ServerProcess) -> AsyncIterator[CutProxy]:
    cut = CutProxy(shared_server.port)
    await cut.start()
    yield cut
    await cut.close()


def _source(root: Path, name: str, size: int) -> tuple[Path, bytes]:
    data = os.urandom(size)
    path = root / name
    path.write_bytes(data)
    return path, data


def _read(path: str) -> bytes:
    return Path(path).read_bytes()


async def _befriend(a: Client, b: Client) -> None:
    await a.request(rq.ContactChange(id="", action="request", username=b.username))
    await b.request(rq.ContactChange(id="", action="accept", username=a.username))


async def _pair(url_a: str, url_b: str, name: Names, root: Path) -> tuple[Client, Client]:
    a = make_client(url_a, name("a"), root)
    b = make_client(url_b, name("b"), root)
    await a.register(PASSWORD)
    await b.register(PASSWORD)
    await _befriend(a, b)
    return a, b


async def _until(
    stream: EventStream, transfer_id: int, check: Callable[[TransferUpdate], bool]
) -> TransferUpdate:
    event = await next_matching(
        stream,
        lambda e: isinstance(e, TransferUpdate) and e.id == transfer_id and check(e),
        within=30,
    )
    assert isinstance(event, TransferUpdate)
    return event


async def _file_message(stream: EventStream) -> MessageEvent:
    event = await next_matching(
        stream, lambda e: isinstance(e, MessageEvent) and e.file is not None, within=30
    )
    assert isinstance(event, MessageEvent)
    return event


async def _settled(proxy: CutProxy) -> int:
    """Wait until no more bytes pass (what a closed connection had buffered has arrived)."""
    async with asyncio.timeout(20):
        while True:
            before = proxy.up
            await asyncio.sleep(0.3)
            if proxy.up == before:
                return before


async def _close(*clients: Client) -> None:
    for client in clients:
        await client.close()
        client.store.close()


async def test_a_file_reaches_an_offline_recipient_with_progress_and_search(
    shared_server: ServerProcess, name: Names, tmp_path: Path
) -> None:
    """A sent file shows progress, arrives (with its caption and thumbnail) at a recipient who
    was offline, downloads intact, and both sides find it by its name."""
    a, b = await _pair(shared_server.url, shared_server.url, name, tmp_path)
    await _close(b)
    src, data = _source(tmp_path, "quarterly-plans.pdf", 5 * MIB)
    events = a.subscribe()
    started = a.transfers.send_file(
        a.conversation_with(b.username), src, caption="the plans", thumbnail=JPEG
    )
    seen: list[TransferUpdate] = []
    async with asyncio.timeout(30):
        while not seen or seen[-1].state != "done":
            event = await events.get()
            if isinstance(event, TransferUpdate) and event.id == started.id:
                seen.append(event)
    assert {"preparing", "running", "done"} <= {u.state for u in seen}
    assert [u.done for u in seen] == sorted(u.done for u in seen)
    assert seen[-1].done == seen[-1].size == len(data)
    assert seen[-1].mime == "application/pdf"
    assert a.transfers.get(started.id) == a.transfers.all()[-1]

    b = make_client(shared_server.url, b.username, tmp_path)
    incoming = b.subscribe()
    await b.login(PASSWORD)
    message = await _file_message(incoming)
    assert message.file is not None
    assert (message.text, message.file.name, message.file.thumbnail) == (
        "the plans",
        "quarterly-plans.pdf",
        JPEG,
    )
    got = b.transfers.download(
        message.file, conversation=message.conversation, directory=tmp_path / "dl"
    )
    done = await asyncio.wait_for(b.transfers.wait(got.id), 30)
    assert done.state == "done" and done.path is not None
    assert _read(done.path) == data
    assert not list((tmp_path / "dl").glob("*.part"))
    await eventually(lambda: bool(a.store.search("quarterly")))
    for client in (a, b):
        (found,) = client.store.search("quarterly")
        assert found.file is not None and found.file.sha256 == hashlib.sha256(data).hexdigest()
    await _close(a, b)


async def test_a_cut_upload_resumes_without_sending_the_first_part_again(
    shared_server: ServerProcess, proxy: CutProxy, name: Names, tmp_path: Path
) -> None:
    """Cut off midway, an upload asks the server where it stopped and sends only the rest."""
    a, b = await _pair(proxy.url, shared_server.url, name, tmp_path)
    src, data = _source(tmp_path, "cut.bin", 8 * MIB)
    proxy.cut_up_after = proxy.up + 3 * MIB
    incoming = b.subscribe()
    started = a.transfers.send_file(a.conversation_with(b.username), src)
    assert (await asyncio.wait_for(a.transfers.wait(started.id), 30)).state == "done"
    assert proxy.cuts == 1
    assert len(data) <= proxy.up <= len(data) + OVERHEAD + SERVER_UNREAD
    message = await _file_message(incoming)
    assert message.file is not None and message.file.size == len(data)
    await _close(a, b)


async def test_an_upload_resumes_after_the_app_restarts(
    shared_server: ServerProcess, proxy: CutProxy, name: Names, tmp_path: Path
) -> None:
    """An upload interrupted by the app quitting continues from the server's offset when the
    app comes back, and its message is sent exactly once."""
    a, b = await _pair(proxy.url, shared_server.url, name, tmp_path)
    src, data = _source(tmp_path, "restart.bin", 16 * MIB)
    incoming = b.subscribe()
    proxy.rate = 16 * MIB
    started = a.transfers.send_file(a.conversation_with(b.username), src)
    await eventually(lambda: proxy.up >= 3 * MIB)
    # The app quits mid-upload (and what its sockets still buffered never arrives).
    await proxy.go_offline()
    await _close(a)
    assert 2 * MIB <= proxy.up < len(data)

    proxy.rate = None
    await proxy.go_online()
    again = make_client(proxy.url, a.username, tmp_path)
    await again.login(PASSWORD)
    assert again.transfers.get(started.id) is not None
    again.transfers.resume_all()
    done = await asyncio.wait_for(again.transfers.wait(started.id), 30)
    assert done.state == "done"
    assert proxy.up <= len(data) + OVERHEAD + SERVER_UNREAD
    message = await _file_message(incoming)
    assert message.file is not None and message.file.size == len(data)
    await asyncio.sleep(0.3)
    assert b.store.timeline.count(message.conversation) == 1
    await _close(again, b)


async def test_an_upload_waits_while_offline_and_resumes_on_reconnect(
    shared_server: ServerProcess, proxy: CutProxy, name: Names, tmp_path: Path
) -> None:
    """When the network goes away the upload waits; when it is back the upload goes on."""
    a, b = await _pair(proxy.url, shared_server.url, name, tmp_path)
    src, data = _source(tmp_path, "offline.bin", 16 * MIB)
    events = a.subscribe()
    proxy.rate = 16 * MIB
    started = a.transfers.send_file(a.conversation_with(b.username), src)
    await eventually(lambda: proxy.up >= 2 * MIB)
    await proxy.go_offline()
    await _until(events, started.id, lambda u: u.state == "waiting")
    await eventually(lambda: a.state != ConnectionState.AUTHENTICATED)
    proxy.rate = None
    await proxy.go_online()
    done = await asyncio.wait_for(a.transfers.wait(started.id), 30)
    assert done.state == "done"
    assert proxy.up <= len(data) + OVERHEAD + SERVER_UNREAD
    await _close(a, b)


async def test_a_cut_download_resumes_with_a_range(
    shared_server: ServerProcess, proxy: CutProxy, name: Names, tmp_path: Path
) -> None:
    """A download cut off midway asks for the rest only, and the result is verified whole."""
    a, b = await _pair(shared_server.url, proxy.url, name, tmp_path)
    src, data = _source(tmp_path, "down.bin", 8 * MIB)
    incoming = b.subscribe()
    sent = a.transfers.send_file(a.conversation_with(b.username), src)
    await asyncio.wait_for(a.transfers.wait(sent.id), 30)
    message = await _file_message(incoming)
    assert message.file is not None
    proxy.cut_down_after = proxy.down + 3 * MIB
    got = b.transfers.download(message.file, directory=tmp_path / "dl")
    done = await asyncio.wait_for(b.transfers.wait(got.id), 30)
    assert done.state == "done" and done.path is not None
    assert proxy.cuts == 1
    # What the HTTP client had buffered when the connection broke is fetched again; never
    # the first part as a whole.
    assert proxy.down <= len(data) + OVERHEAD + 2 * READ_BUFFER_BYTES < len(data) + 3 * MIB
    assert _read(done.path) == data
    await _close(a, b)


async def test_downloads_never_overwrite_and_never_leave_their_folder(
    shared_server: ServerProcess, name: Names, tmp_path: Path
) -> None:
    """A name clash becomes "name (1).ext", and a hostile name cannot escape the folder."""
    a, b = await _pair(shared_server.url, shared_server.url, name, tmp_path)
    src, data = _source(tmp_path, "report.pdf", 10_000)
    incoming = b.subscribe()
    sent = a.transfers.send_file(a.conversation_with(b.username), src)
    await asyncio.wait_for(a.transfers.wait(sent.id), 30)
    message = await _file_message(incoming)
    assert message.file is not None
    folder = tmp_path / "inbox" / "downloads"
    folder.mkdir(parents=True)
    (folder / "report.pdf").write_bytes(b"mine, keep me")
    first = await asyncio.wait_for(
        b.transfers.wait(b.transfers.download(message.file, directory=folder).id), 30
    )
    assert first.path == str(folder / "report (1).pdf")
    assert (folder / "report.pdf").read_bytes() == b"mine, keep me"
    hostile = FileRef(
        file_id=message.file.file_id,
        name="../../evil\x1b.sh",
        size=message.file.size,
        sha256=message.file.sha256,
    )
    second = await asyncio.wait_for(
        b.transfers.wait(b.transfers.download(hostile, directory=folder).id), 30
    )
    assert second.path == str(folder / "evil.sh")
    assert sorted(p.name for p in folder.iterdir()) == ["evil.sh", "report (1).pdf", "report.pdf"]
    assert not (tmp_path / "evil.sh").exists() and not (tmp_path / "inbox" / "evil.sh").exists()
    assert _read(second.path) == data
    await _close(a, b)


async def test_pause_resume_and_cancel(
    shared_server: ServerProcess, proxy: CutProxy, name: Names, tmp_path: Path
) -> None:
    """Paused, an upload moves no bytes until resumed; cancelled, it is withdrawn from the
    server and no message goes out; a file changed while paused is refused, not sent."""
    a, b = await _pair(proxy.url, shared_server.url, name, tmp_path)
    conv = a.conversation_with(b.username)
    src, data = _source(tmp_path, "pause.bin", 16 * MIB)
    events = a.subscribe()
    incoming = b.subscribe()
    proxy.rate = 8 * MIB
    first = a.transfers.send_file(conv, src)
    await eventually(lambda: proxy.up >= MIB)
    assert a.transfers.pause(first.id).state == "paused"
    paused_at = await _settled(proxy)  # what the socket had buffered still arrives
    assert paused_at < len(data)
    await asyncio.sleep(0.3)
    still = a.transfers.get(first.id)
    assert proxy.up == paused_at and still is not None and still.state == "paused"
    proxy.rate = None
    a.transfers.resume(first.id)
    assert (await asyncio.wait_for(a.transfers.wait(first.id), 30)).state == "done"
    assert proxy.up <= len(data) + OVERHEAD
    await _file_message(incoming)

    proxy.rate = 4 * MIB
    second = a.transfers.send_file(conv, _source(tmp_path, "cancel.bin", 16 * MIB)[0])
    running = await _until(events, second.id, lambda u: u.file_id is not None and u.done > 0)
    await a.transfers.cancel(second.id)
    assert a.transfers.get(second.id) is None
    await _until(events, second.id, lambda u: u.state == "cancelled")
    proxy.rate = None
    assert running.file_id is not None
    # Withdrawn on the server: the upload is gone, so its quota is free again.
    other_session = await Wire.user(shared_server.url, a.username, PASSWORD)
    http = FileWire(shared_server.http_url)
    try:
        assert (await http.offset(other_session.token, running.file_id)).status == 404
    finally:
        await http.close()
        await other_session.close()

    changing, _ = _source(tmp_path, "changing.bin", 16 * MIB)
    proxy.rate = 4 * MIB
    third = a.transfers.send_file(conv, changing)
    await _until(events, third.id, lambda u: u.done > 0)
    a.transfers.pause(third.id)
    with changing.open("ab") as f:
        f.write(b"an edit made while the upload was paused")
    a.transfers.resume(third.id)
    failed = await asyncio.wait_for(a.transfers.wait(third.id), 30)
    assert (failed.state, failed.error_code) == ("failed", "source_changed")
    await asyncio.sleep(0.3)
    assert b.store.timeline.count(conv) == 1  # only the first file was ever sent
    await _close(a, b)


async def test_a_refused_upload_fails_for_good(tmp_path: Path, name: Names) -> None:
    """Over the server's file limit, an upload fails with the server's reason, once, and no
    message is queued."""
    server = ServerProcess(tmp_path / "server", env={"MESSENGER_FILES__MAX_FILE_BYTES": "1000"})
    server.start()
    try:
        a, b = await _pair(server.url, server.url, name, tmp_path)
        src, _ = _source(tmp_path, "big.bin", 5000)
        started = a.transfers.send_file(a.conversation_with(b.username), src)
        failed = await asyncio.wait_for(a.transfers.wait(started.id), 30)
        assert (failed.state, failed.error_code) == ("failed", "too_large")
        assert failed.error and "1000" in failed.error
        assert a.store.outbox.pending() == []
        await _close(a, b)
    finally:
        server.stop()
