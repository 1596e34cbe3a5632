"""File transfer on the server: tus uploads, downloads with Range, who may download, limits,
names, dedupe and cleanup, all against the real server over HTTP and WebSocket."""

from __future__ import annotations

import asyncio
import base64
import os
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest

from messenger.protocol.files import FILE_ID_RE, SHA256_RE
from tests.clientkit import eventually
from tests.filewire import TUS, FileWire, b64, cut_patch, file_ref, sha256
from tests.serverproc import ServerProcess
from tests.wire import Wire, befriend, dm

Names = Callable[[str], str]
MIB = 1024 * 1024
JPEG = b"\xff\xd8\xff\xe0 a tiny thumbnail"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.fixture
async def http(shared_server: ServerProcess) -> AsyncIterator[FileWire]:
    files = FileWire(shared_server.http_url)
    yield files
    await files.close()


def _server_with(tmp_path: Path, **files: object) -> Iterator[ServerProcess]:
    env = {f"MESSENGER_FILES__{key.upper()}": str(value) for key, value in files.items()}
    proc = ServerProcess(tmp_path / "server", env=env)
    proc.start()
    yield proc
    proc.stop()


@pytest.fixture
def small_server(tmp_path: Path) -> Iterator[ServerProcess]:
    """A server with a 1 MiB file limit and a 3 MiB quota."""
    yield from _server_with(tmp_path, max_file_bytes=MIB, user_quota_bytes=3 * MIB)


@pytest.fixture
def sweeping_server(tmp_path: Path) -> Iterator[ServerProcess]:
    """A server where uploads are abandoned after a second and cleanup runs often."""
    yield from _server_with(tmp_path, upload_expiry_seconds=1.0, cleanup_interval_seconds=0.2)


async def _pair(url: str, name: Names, wires: list[Wire]) -> tuple[Wire, Wire, str]:
    a = await Wire.user(url, name("a"))
    b = await Wire.user(url, name("b"))
    wires += [a, b]
    await befriend(a, b)
    return a, b, dm(a.username, b.username)


def _stored_files(data_dir: Path) -> list[Path]:
    return sorted(p for p in (data_dir / "files").rglob("*") if p.is_file())


async def test_50_mb_round_trip_keeps_every_byte(
    shared_server: ServerProcess, http: FileWire, name: Names, wires: list[Wire]
) -> None:
    """A 50 MB file sent in a message downloads with the same SHA-256, as an opaque attachment."""
    a, b, conv = await _pair(shared_server.url, name, wires)
    data = os.urandom(50 * MIB)
    file_id = await http.upload(a.token, data, "holiday video.mp4")
    await a.call(
        "send", conversation=conv, client_id="f1", text="", file=file_ref(file_id, data, "v.mp4")
    )
    event = await b.next_event("message")
    assert event["file"]["file_id"] == file_id and event["file"]["sha256"] == sha256(data)
    got = await http.get(b.token, file_id)
    assert got.status == 200
    assert sha256(got.body) == sha256(data)
    assert got.headers["Content-Type"] == "application/octet-stream"
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert got.headers["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''holiday%20video.mp4" in got.headers["Content-Disposition"]


async def test_cut_upload_resumes_from_the_servers_offset(
    shared_server: ServerProcess, http: FileWire, name: Names, wires: list[Wire]
) -> None:
    """An upload cut off midway keeps what the server had read; HEAD says where, and sending
    only the rest from there completes the file. (What the socket held unread when the cut
    came may be dropped: the event loop decides how much that is, and the offset covers it.)"""
    a, b, conv = await _pair(shared_server.url, name, wires)
    data = os.urandom(8 * MIB)
    created = await http.create(a.token, len(data), sha256(data))
    file_id = created.headers["Location"].rsplit("/", 1)[1]
    first = 3 * MIB + 12345
    await cut_patch("127.0.0.1", shared_server.port, a.token, file_id, 0, len(data), data[:first])

    async def offset() -> int:
        return int((await http.offset(a.token, file_id)).headers["Upload-Offset"])

    # Zero until the cut PATCH has been taken in: HEAD waits for a PATCH in progress.
    for _ in range(200):
        if await offset() > 0:
            break
        await asyncio.sleep(0.02)
    kept = await offset()
    assert 0 < kept <= first
    done = await http.patch(a.token, file_id, kept, data[kept:])
    assert done.status == 204 and done.headers["Upload-Offset"] == str(len(data))
    await a.call("send", conversation=conv, client_id="c1", text="", file=file_ref(file_id, data))
    assert sha256((await http.get(b.token, file_id)).body) == sha256(data)


async def test_patch_at_the_wrong_offset_is_a_conflict_that_names_the_offset(
    shared_server: ServerProcess, http: FileWire, name: Names, wires: list[Wire]
) -> None:
    """A PATCH that does not start at the server's offset is refused with 409 and the offset."""
    a = await Wire.user(shared_server.url, name("a"))
    wires.append(a)
    data = os.urandom(1000)
    created = await http.create(a.token, len(data), sha256(data))
    file_id = created.headers["Location"].rsplit("/", 1)[1]
    assert (await http.patch(a.token, file_id, 0, data[:400])).status == 204
    wrong = await http.patch(a.token, file_id, 0, data)
    assert wrong.status == 409
    assert wrong.headers["Upload-Offset"] == "400"
    assert wrong.json()["code"] == "conflict"
    assert (await http.patch(a.token, file_id, 400, data[400:])).status == 204


async def test_tus_discovery_and_malformed_requests(
    shared_server: ServerProcess, http: FileWire, name: Names, wires: list[Wire]
) -> None:
    """OPTIONS advertises tus 1.0; requests without its header, type or checksum are refused."""
    a = await Wire.user(shared_server.url, name("a"))
    wires.append(a)
    options = await http.call("OPTIONS", "/files/uploads", None)
    assert options.status == 204
    assert options.headers["Tus-Version"] == "1.0.0"
    assert set(options.headers["Tus-Extension"].split(",")) >= {"creation", "termination"}
    assert int(options.headers["Tus-Max-Size"]) == 2 * 1024**3
    no_tus = await http.call("POST", "/files/uploads", a.token, {"Upload-Length": "10"})
    assert no_tus.status == 412 and no_tus.headers["Tus-Version"] == "1.0.0"
    no_sum = await http.call(
        "POST",
        "/files/uploads",
        a.token,
        {**TUS, "Upload-Length": "10", "Upload-Metadata": f"filename {b64('x')}"},
    )
    assert no_sum.status == 400 and no_sum.json()["code"] == "bad_request"
    bad_length = await http.call("POST", "/files/uploads", a.token, {**TUS, "Upload-Length": "-1"})
    assert bad_length.status == 400
    data = b"0123456789"
    created = await http.create(a.token, len(data), sha256(data))
    file_id = created.headers["Location"].rsplit("/", 1)[1]
    wrong_type = await http.call(
        "PATCH",
        f"/files/uploads/{file_id}",
        a.token,
        {**TUS, "Upload-Offset": "0", "Content-Type": "application/json"},
        data,
    )
    assert wrong_type.status == 415
    assert (await http.offset(a.token, file_id)).headers["Upload-Offset"] == "0"


async def test_a_wrong_checksum_discards_the_upload(
    shared_server: ServerProcess, http: FileWire, name: Names, wires: list[Wire]
) -> None:
    """Bytes that do not hash as declared are refused (460) and the upload is gone."""
    a = await Wire.user(shared_server.url, name("a"))
    wires.append(a)
    data = os.urandom(5000)
    created = await http.create(a.token, len(data), sha256(b"something else"))
    file_id = created.headers["Location"].rsplit("/", 1)[1]
    refused = await http.patch(a.token, file_id, 0, data)
    assert refused.status == 460 and refused.json()["code"] == "checksum_mismatch"
    assert (await http.offset(a.token, file_id)).status == 404


async def test_outsiders_cannot_download(
    shared_server: ServerProcess, http: FileWire, name: Names, wires: list[Wire]
) -> None:
    """Only the uploader and the conversation's members may download; no token, no file."""
    a, b, conv = await _pair(shared_server.url, name, wires)
    eve = await Wire.user(shared_server.url, name("eve"))
    wires.append(eve)
    data = os.urandom(2000)
    file_id = await http.upload(a.token, data)
    assert (await http.get(a.token, file_id)).status == 200  # the uploader, before sending
    assert (await http.get(b.token, file_id)).status == 403  # not sent to b yet
    await a.call("send", conversation=conv, client_id="o1", text="", file=file_ref(file_id, data))
    assert (await http.get(b.token, file_id)).status == 200
    refused = await http.get(eve.token, file_id)
    assert refused.status == 403 and refused.json()["code"] == "forbidden"
    anonymous = await http.get(None, file_id)
    assert anonymous.status == 401 and "Bearer" in anonymous.headers["WWW-Authenticate"]
    assert (await http.get("not-a-session-token", file_id)).status == 401
    # Someone else's upload cannot be looked at, continued or withdrawn either.
    assert (await http.offset(eve.token, file_id)).status == 404
    assert (await http.call("DELETE", f"/files/uploads/{file_id}", eve.token, TUS)).status == 404


async def test_messages_carry_only_the_senders_complete_uploads(
    shared_server: ServerProcess, http: FileWire, name: Names, wires: list[Wire]
) -> None:
    """A file message must name a finished upload of the sender's, with its size and hash."""
    a, b, conv = await _pair(shared_server.url, name, wires)
    data = os.urandom(3000)
    theirs = await http.upload(b.token, data)
    forbidden = await a.request(
        "send", conversation=conv, client_id="m1", text="", file=file_ref(theirs, data)
    )
    assert forbidden["code"] == "forbidden"
    created = await http.create(a.token, len(data), sha256(data))
    unfinished = created.headers["Location"].rsplit("/", 1)[1]
    missing = await a.request(
        "send", conversation=conv, client_id="m2", text="", file=file_ref(unfinished, data)
    )
    assert missing["code"] == "not_found"
    mine = await http.upload(a.token, data)
    lying = await a.request(
        "send", conversation=conv, client_id="m3", text="", file=file_ref(mine, data + b"x")
    )
    assert lying["code"] == "bad_request"
    bad_thumb = await a.request(
        "send",
        conversation=conv,
        client_id="m4",
        text="",
        file=file_ref(mine, data, thumbnail=b64("not an image")),
    )
    assert bad_thumb["code"] == "bad_request"
    big_thumb = await a.request(
        "send",
        conversation=conv,
        client_id="m5",
        text="",
        file=file_ref(mine, data, thumbnail=_b64(JPEG + b"x" * 9000)),
    )
    assert big_thumb["code"] == "too_large"
    no_text = await a.request("send", conversation=conv, client_id="m6", text=" ")
    assert no_text["code"] == "bad_request"
    with_thumb = file_ref(mine, data, thumbnail=_b64(JPEG))
    ack = await a.call(
        "send", conversation=conv, client_id="m7", text="the caption", file=with_thumb
    )
    again = await a.call(
        "send", conversation=conv, client_id="m7", text="the caption", file=with_thumb
    )
    assert again == ack  # a resend is answered from the original
    other_data = os.urandom(10)
    other = await http.upload(a.token, other_data)
    clash = await a.request(
        "send",
        conversation=conv,
        client_id="m7",
        text="the caption",
        file=file_ref(other, other_data),
    )
    assert clash["code"] == "conflict"
    event = await b.next_event("message")
    assert event["client_id"] == "m7" and event["text"] == "the caption"
    assert event["file"]["thumbnail"] == _b64(JPEG)


@pytest.mark.parametrize(
    ("hostile", "shown"),
    [
        ("../x", "x"),
        ("../../etc/passwd", "passwd"),
        ("/etc/shadow", "shadow"),
        ("C:\\Windows\\system32\\evil.exe", "evil.exe"),
        ("a\x00b\nc\x1b[31m.txt", "abc[31m.txt"),
        ("CON", "_CON"),
        ("com1.txt", "_com1.txt"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),
        ("...", "file"),
        ("x" * 5000 + ".pdf", "x" * 196 + ".pdf"),
    ],
)
async def test_hostile_names_are_never_paths(
    shared_server: ServerProcess,
    http: FileWire,
    name: Names,
    wires: list[Wire],
    hostile: str,
    shown: str,
) -> None:
    """Upload and message names lose path parts, controls and device names, and are bounded;
    the bytes live under server-made names only."""
    a, b, conv = await _pair(shared_server.url, name, wires)
    data = os.urandom(100)
    file_id = await http.upload(a.token, data, hostile)
    await a.call(
        "send", conversation=conv, client_id="h1", text="", file=file_ref(file_id, data, hostile)
    )
    event = await b.next_event("message")
    assert event["file"]["name"] == shown
    disposition = (await http.get(b.token, file_id)).headers["Content-Disposition"]
    fallback, _, encoded = disposition.partition("filename*=UTF-8''")
    assert unquote(encoded) == shown
    assert "\n" not in disposition and "/" not in fallback and "\\" not in fallback
    # On disk there are only names the server made: upload ids and content hashes.
    stored = _stored_files(shared_server.data_dir)
    assert stored and all(
        FILE_ID_RE.fullmatch(p.name) or SHA256_RE.fullmatch(p.name) for p in stored
    )


async def test_offline_recipient_gets_the_file_after_signing_in(
    shared_server: ServerProcess, http: FileWire, name: Names, wires: list[Wire]
) -> None:
    """A file sent while the recipient is offline is in their sync and downloads later."""
    a, b, conv = await _pair(shared_server.url, name, wires)
    await b.close()
    wires.remove(b)
    data = os.urandom(300_000)
    file_id = await http.upload(a.token, data, "report.pdf")
    await a.call(
        "send",
        conversation=conv,
        client_id="off1",
        text="read this",
        file=file_ref(file_id, data, "report.pdf", mime="application/pdf"),
    )
    again = await Wire.user(shared_server.url, b.username)
    wires.append(again)
    synced = await again.call("sync", conversation=conv, after=0)
    (message,) = [e for e in synced["events"] if e["type"] == "message"]
    assert message["file"]["name"] == "report.pdf" and message["file"]["mime"] == "application/pdf"
    history = await again.call("history", conversation=conv)
    assert history["messages"][-1]["file"]["file_id"] == file_id
    assert sha256((await http.get(again.token, file_id)).body) == sha256(data)


async def test_range_requests(
    shared_server: ServerProcess, http: FileWire, name: Names, wires: list[Wire]
) -> None:
    """Downloads honour byte ranges (206 with Content-Range) and refuse impossible ones (416)."""
    a = await Wire.user(shared_server.url, name("a"))
    wires.append(a)
    data = os.urandom(10_000)
    file_id = await http.upload(a.token, data)
    middle = await http.get(a.token, file_id, "bytes=100-199")
    assert middle.status == 206 and middle.body == data[100:200]
    assert middle.headers["Content-Range"] == "bytes 100-199/10000"
    rest = await http.get(a.token, file_id, "bytes=9000-")
    assert rest.status == 206 and rest.body == data[9000:]
    tail = await http.get(a.token, file_id, "bytes=-10")
    assert tail.status == 206 and tail.body == data[-10:]
    beyond = await http.get(a.token, file_id, "bytes=10000-")
    assert beyond.status == 416 and beyond.headers["Content-Range"] == "bytes */10000"
    whole = await http.get(a.token, file_id)
    assert whole.status == 200 and whole.headers["Accept-Ranges"] == "bytes"


async def test_the_same_content_is_stored_once(
    server: ServerProcess, name: Names, wires: list[Wire]
) -> None:
    """Two users uploading the same bytes share one stored copy; each keeps their own file.
    Knowing a stored file's hash is not enough to get it: every byte must be sent."""
    http = FileWire(server.http_url)
    try:
        a, b, _ = await _pair(server.url, name, wires)
        data = os.urandom(200_000)
        first = await http.upload(a.token, data, "one.bin")
        second = await http.upload(b.token, data, "two.bin")
        assert first != second
        blobs = [p for p in _stored_files(server.data_dir) if p.parent.parent.name == "blobs"]
        assert [p.name for p in blobs] == [sha256(data)]
        assert (await http.get(a.token, first)).body == data
        assert (await http.get(b.token, second)).body == data
        eve = await Wire.user(server.url, name("eve"))
        wires.append(eve)
        claimed = await http.create(eve.token, len(data), sha256(data))
        claim = claimed.headers["Location"].rsplit("/", 1)[1]
        assert (await http.offset(eve.token, claim)).headers["Upload-Offset"] == "0"
        assert (await http.get(eve.token, claim)).status == 404
        forged = await http.patch(eve.token, claim, 0, os.urandom(len(data)))
        assert forged.status == 460
    finally:
        await http.close()


async def test_over_limit_upload_is_refused_before_its_body(
    small_server: ServerProcess, name: Names, wires: list[Wire]
) -> None:
    """Past max_file_bytes, creation gets 413 on its headers, and a PATCH announcing more than
    is left gets 413 without the server reading (or waiting for) its body."""
    http = FileWire(small_server.http_url)
    try:
        a = await Wire.user(small_server.url, name("a"))
        wires.append(a)
        too_big = await http.create(a.token, MIB + 1, sha256(b""))
        assert too_big.status == 413 and too_big.json()["code"] == "too_large"
        data = os.urandom(1000)
        created = await http.create(a.token, len(data), sha256(data))
        file_id = created.headers["Location"].rsplit("/", 1)[1]
        reader, writer = await asyncio.open_connection("127.0.0.1", small_server.port)
        writer.write(
            (
                f"PATCH /files/uploads/{file_id} HTTP/1.1\r\nHost: x\r\n"
                f"Authorization: Bearer {a.token}\r\nTus-Resumable: 1.0.0\r\n"
                "Upload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\n"
                f"Content-Length: {10 * 1024**3}\r\n\r\n"
            ).encode()
        )
        await writer.drain()
        # Not one byte of the announced 10 GiB is sent: the answer must come anyway.
        status_line = await asyncio.wait_for(reader.readline(), 10)
        assert status_line.startswith(b"HTTP/1.1 413")
        writer.close()
        assert (await http.offset(a.token, file_id)).headers["Upload-Offset"] == "0"
    finally:
        await http.close()


async def test_quota_counts_every_upload_and_frees_on_withdrawal(
    small_server: ServerProcess, name: Names, wires: list[Wire]
) -> None:
    """An upload that would pass the user's quota is refused at creation; withdrawing an
    unsent upload (tus termination) gives the room back, a sent one cannot be withdrawn."""
    http = FileWire(small_server.http_url)
    try:
        a, _b, conv = await _pair(small_server.url, name, wires)
        data = [os.urandom(MIB - i) for i in range(3)]  # just under 3 MiB together
        ids = [await http.upload(a.token, d) for d in data]
        refused = await http.create(a.token, 100_000, sha256(b"x"))
        assert refused.status == 413 and refused.json()["code"] == "quota_exceeded"
        await a.call(
            "send", conversation=conv, client_id="q1", text="", file=file_ref(ids[0], data[0])
        )
        sent = await http.call("DELETE", f"/files/uploads/{ids[0]}", a.token, TUS)
        assert sent.status == 409
        withdrawn = await http.call("DELETE", f"/files/uploads/{ids[1]}", a.token, TUS)
        assert withdrawn.status == 204
        assert (await http.get(a.token, ids[1])).status == 404
        assert (await http.create(a.token, 100_000, sha256(b"x"))).status == 201
    finally:
        await http.close()


async def test_abandoned_uploads_are_cleaned_up(
    sweeping_server: ServerProcess, name: Names, wires: list[Wire]
) -> None:
    """Unfinished uploads past their expiry, and finished ones never sent, are removed with
    their bytes; a file carried by a message stays."""
    http = FileWire(sweeping_server.http_url)
    try:
        a, _b, conv = await _pair(sweeping_server.url, name, wires)
        data = os.urandom(50_000)
        created = await http.create(a.token, len(data), sha256(data))
        partial = created.headers["Location"].rsplit("/", 1)[1]
        assert (await http.patch(a.token, partial, 0, data[:20_000])).status == 204
        unsent = await http.upload(a.token, os.urandom(30_000))
        kept = await http.upload(a.token, data)
        await a.call("send", conversation=conv, client_id="k1", text="", file=file_ref(kept, data))

        async def gone() -> bool:
            return (await http.offset(a.token, partial)).status == 404 and (
                await http.get(a.token, unsent)
            ).status == 404

        for _ in range(100):
            if await gone():
                break
            await asyncio.sleep(0.1)
        assert await gone()
        await eventually(
            lambda: [p.name for p in _stored_files(sweeping_server.data_dir)] == [sha256(data)]
        )
        assert (await http.get(a.token, kept)).body == data
    finally:
        await http.close()


async def test_deleting_the_message_withdraws_the_file_from_its_recipients(
    shared_server: ServerProcess, http: FileWire, name: Names, wires: list[Wire]
) -> None:
    """Once its message is deleted, a file is no longer the recipients' to download."""
    a, b, conv = await _pair(shared_server.url, name, wires)
    data = os.urandom(1000)
    file_id = await http.upload(a.token, data)
    ack = await a.call(
        "send", conversation=conv, client_id="d1", text="", file=file_ref(file_id, data)
    )
    assert (await http.get(b.token, file_id)).status == 200
    await a.call("delete", conversation=conv, target=ack["seq"])
    assert (await http.get(b.token, file_id)).status == 403
    history = await b.call("history", conversation=conv)
    assert history["messages"][-1]["deleted"] and history["messages"][-1]["file"] is None
