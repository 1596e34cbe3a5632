"""File names and types in file messages: the pure rules server and clients both apply."""

from __future__ import annotations

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from messenger.protocol.errors import ErrorCode, ProtocolError
from messenger.protocol.files import (
    FileRef,
    normalize_file_name,
    normalize_file_ref,
    normalize_mime,
)
from messenger.protocol.limits import MAX_FILE_NAME_BYTES, MAX_THUMBNAIL_BYTES

RESERVED = {"con", "prn", "aux", "nul", *(f"com{n}" for n in range(10)), "lpt1", "lpt9"}


@given(st.text())
def test_any_name_becomes_a_safe_single_name(raw: str) -> None:
    """Whatever a sender writes, the name is one non-empty path component of bounded size,
    with no controls and no device name, and normalising it again changes nothing."""
    name = normalize_file_name(raw)
    assert name and name not in (".", "..")
    assert "/" not in name and "\\" not in name
    assert not any(ord(ch) < 32 or ord(ch) == 127 for ch in name)
    assert len(name.encode("utf-8")) <= MAX_FILE_NAME_BYTES
    assert name.split(".", 1)[0].strip().lower() not in RESERVED
    assert not name.startswith((".", " ")) and not name.endswith((".", " "))
    assert normalize_file_name(name) == name


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("photo.jpg", "photo.jpg"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\notes.txt", "notes.txt"),
        ("report:final?.pdf", "report_final_.pdf"),
        ("NUL.tar.gz", "_NUL.tar.gz"),
        ("\u202egnp.exe", "gnp.exe"),
        ("é" * 150 + ".txt", "é" * 98 + ".txt"),
        ("", "file"),
    ],
)
def test_known_names(raw: str, expected: str) -> None:
    """Paths lose their directories, Windows-reserved characters and names are defused, and a
    long name keeps its extension."""
    assert normalize_file_name(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("image/PNG", "image/png"),
        ("text/plain; charset=utf-8", "text/plain"),
        ("not a type", "application/octet-stream"),
        ("text/html<script>", "application/octet-stream"),
        ("", "application/octet-stream"),
    ],
)
def test_media_types_are_tidied_or_dropped(raw: str, expected: str) -> None:
    """A media type is kept only as a well-formed type/subtype."""
    assert normalize_mime(raw) == expected


def test_file_ref_checks_its_thumbnail() -> None:
    """A thumbnail must be a small PNG or JPEG; the reference comes back normalised."""
    ref = FileRef(file_id="0" * 32, name="../a.png", size=1, sha256="a" * 64, mime="IMAGE/PNG")
    assert normalize_file_ref(ref).name == "a.png"
    assert normalize_file_ref(ref).mime == "image/png"
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 10
    assert normalize_file_ref(msgspec.structs.replace(ref, thumbnail=png)).thumbnail == png
    for thumbnail, code in [
        (b"GIF89a", ErrorCode.BAD_REQUEST),
        (png + b"\0" * MAX_THUMBNAIL_BYTES, ErrorCode.TOO_LARGE),
    ]:
        with pytest.raises(ProtocolError) as caught:
            normalize_file_ref(msgspec.structs.replace(ref, thumbnail=thumbnail))
        assert caught.value.code == code


def test_file_ref_schema_rejects_malformed_ids_and_hashes() -> None:
    """Ids and hashes have a fixed alphabet, so they can never carry a path either."""
    good = {"file_id": "0123456789abcdef", "name": "x", "size": 0, "sha256": "f" * 64}
    msgspec.convert(good, FileRef)
    for field, value in [
        ("file_id", "../../etc/passwd"),
        ("file_id", "short"),
        ("sha256", "F" * 64),
        ("size", -1),
    ]:
        with pytest.raises(msgspec.ValidationError):
            msgspec.convert({**good, field: value}, FileRef)
