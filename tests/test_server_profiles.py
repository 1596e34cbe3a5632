"""Profiles (display name, avatar) against the real server: storage, visibility, events, limits."""

from __future__ import annotations

import base64
import hashlib
import struct
import zlib
from collections.abc import Callable
from typing import Any

import pytest

from messenger.protocol.limits import MAX_AVATAR_BYTES, MAX_DISPLAY_NAME_CHARS
from tests.serverproc import ServerProcess
from tests.wire import Wire, WireError, befriend

Names = Callable[[str], str]


def _png(tag: bytes = b"") -> bytes:
    """A real 1x1 PNG; ``tag`` goes into a text chunk so pictures can differ."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"tEXt", b"Comment\x00" + tag)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


# The start of a JFIF file: the server looks at the magic bytes only.
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def _contact(listing: dict[str, Any], username: str) -> dict[str, Any]:
    return next(c for c in listing["contacts"] if c["username"] == username)


async def _error(wire: Wire, type_: str, **fields: Any) -> dict[str, Any]:
    frame = await wire.request(type_, **fields)
    assert frame["type"] == "error", frame
    return frame


async def test_set_and_read_back_name_and_avatar(shared_server: ServerProcess, name: Names) -> None:
    """A profile set is returned stripped, with the avatar's bytes and hash, and reads back."""
    a = await Wire.user(shared_server.url, name("a"))
    picture = _png(b"me")
    res = await a.call("set_profile", display_name="  Alice Liddell ", avatar=b64(picture))
    assert res == {
        "username": a.username,
        "display_name": "Alice Liddell",
        "avatar": b64(picture),
        "avatar_hash": digest(picture),
    }
    assert await a.call("profile", username=a.username.upper()) == res
    res = await a.call("set_profile", avatar=b64(JPEG))
    assert (res["display_name"], res["avatar"]) == ("Alice Liddell", b64(JPEG))
    await a.close()


async def test_omitted_fields_stay_and_empty_values_clear(
    shared_server: ServerProcess, name: Names
) -> None:
    """Omitted or null fields are unchanged; "" clears the name and an empty avatar removes it."""
    a = await Wire.user(shared_server.url, name("a"))
    picture = _png(b"x")
    await a.call("set_profile", display_name="Ann", avatar=b64(picture))
    res = await a.call("set_profile", display_name="Annie")
    assert (res["display_name"], res["avatar_hash"]) == ("Annie", digest(picture))
    res = await a.call("set_profile", display_name=None, avatar=None)
    assert (res["display_name"], res["avatar_hash"]) == ("Annie", digest(picture))
    res = await a.call("set_profile", avatar="")
    assert res == {
        "username": a.username,
        "display_name": "Annie",
        "avatar": None,
        "avatar_hash": None,
    }
    res = await a.call("set_profile", display_name="   ")
    assert res["display_name"] == ""
    assert await a.call("profile", username=a.username) == res
    await a.close()


async def test_contact_listing_and_contact_events_carry_the_summary(
    shared_server: ServerProcess, name: Names
) -> None:
    """Contacts and contact events show display_name and avatar_hash, never the picture."""
    a = await Wire.user(shared_server.url, name("a"))
    b = await Wire.user(shared_server.url, name("b"))
    picture = _png(b"b")
    await b.call("set_profile", display_name="Bob B.", avatar=b64(picture))
    await b.call("contact", action="request", username=a.username)
    asked = await a.next_event("contact")
    assert asked["user"] == b.username and asked["state"] == "incoming"
    assert (asked["display_name"], asked["avatar_hash"]) == ("Bob B.", digest(picture))
    # A pending request shows the summary on both sides.
    row = _contact(await a.call("contacts"), b.username)
    assert (row["display_name"], row["avatar_hash"]) == ("Bob B.", digest(picture))
    assert "avatar" not in row
    row = _contact(await b.call("contacts"), a.username)
    assert (row["display_name"], row["avatar_hash"]) == ("", None)

    await a.call("set_profile", display_name="Ada")
    accepted = await a.call("contact", action="accept", username=b.username)
    assert accepted["contact"]["display_name"] == "Bob B."
    ev = await b.next_event("contact")
    assert (ev["state"], ev["display_name"], ev["avatar_hash"]) == ("accepted", "Ada", None)
    assert _contact(await b.call("contacts"), a.username)["display_name"] == "Ada"
    await a.close()
    await b.close()


async def test_changes_reach_contacts_and_own_sessions_only(
    shared_server: ServerProcess, name: Names
) -> None:
    """A profile change is pushed to accepted contacts and one's other sessions; not to
    strangers, pending requests, a user one blocked, or a user who blocked one."""
    a = await Wire.user(shared_server.url, name("a"))
    a2 = await Wire.user(shared_server.url, a.username)
    friend = await Wire.user(shared_server.url, name("friend"))
    stranger = await Wire.user(shared_server.url, name("stranger"))
    asker = await Wire.user(shared_server.url, name("asker"))
    pest = await Wire.user(shared_server.url, name("pest"))
    blocker = await Wire.user(shared_server.url, name("blocker"))
    for other in (friend, pest, blocker):
        await befriend(a, other)
    await asker.call("contact", action="request", username=a.username)
    await a.call("contact", action="block", username=pest.username)
    await blocker.call("contact", action="block", username=a.username)

    picture = _png(b"new")
    await a.call("set_profile", display_name="Ada", avatar=b64(picture))
    expected = {
        "type": "profile",
        "user": a.username,
        "display_name": "Ada",
        "avatar_hash": digest(picture),
    }
    assert await friend.next_event("profile") == expected
    assert await a2.next_event("profile") == expected
    for other in (stranger, asker, pest, blocker):
        await other.no_event("profile", wait=0.3)
    await a.no_event("profile", wait=0.1)  # the changing session has the result

    # Setting the same values again changes nothing and announces nothing.
    await a.call("set_profile", display_name="Ada", avatar=b64(picture))
    await friend.no_event("profile", wait=0.3)
    for w in (a, a2, friend, stranger, asker, pest, blocker):
        await w.close()


async def test_profile_hidden_from_strangers_and_blockers(
    shared_server: ServerProcess, name: Names
) -> None:
    """A stranger, and a user the owner blocked, get the same not_found as for no such user."""
    a = await Wire.user(shared_server.url, name("a"))
    b = await Wire.user(shared_server.url, name("b"))
    await a.call("set_profile", display_name="Ada", avatar=b64(_png()))

    missing = await _error(b, "profile", username="nobody-here-at-all")
    hidden = await _error(b, "profile", username=a.username)
    assert hidden["code"] == missing["code"] == "not_found"
    assert hidden["message"] == missing["message"].replace("nobody-here-at-all", a.username)
    assert (await _error(b, "profile", username="x"))["code"] == "not_found"

    # A pending request either way lets both sides see each other's profile.
    await b.call("contact", action="request", username=a.username)
    assert (await b.call("profile", username=a.username))["display_name"] == "Ada"
    assert (await a.call("profile", username=b.username))["display_name"] == ""
    await a.call("contact", action="accept", username=b.username)
    assert (await b.call("profile", username=a.username))["avatar_hash"] is not None

    # The owner blocks b: b sees nothing, in `profile` and in its contact list.
    await a.call("contact", action="block", username=b.username)
    hidden = await _error(b, "profile", username=a.username)
    assert hidden["code"] == "not_found"
    assert hidden["message"] == missing["message"].replace("nobody-here-at-all", a.username)
    row = _contact(await b.call("contacts"), a.username)
    assert (row["state"], row["display_name"], row["avatar_hash"]) == ("accepted", "", None)
    # The blocker still sees the one it blocked.
    assert (await a.call("profile", username=b.username))["username"] == b.username

    await a.call("contact", action="unblock", username=b.username)
    await a.call("contact", action="remove", username=b.username)
    assert (await _error(b, "profile", username=a.username))["code"] == "not_found"
    await a.close()
    await b.close()


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"avatar": b64(b"GIF89a" + b"\x00" * 32)}, "bad_request"),
        ({"avatar": b64(b"just some text, not a picture")}, "bad_request"),
        ({"avatar": b64(_png().ljust(MAX_AVATAR_BYTES + 1, b"\x00"))}, "too_large"),
        ({"avatar": "not base64!"}, "bad_request"),
        ({"avatar": 5}, "bad_request"),
        ({"display_name": "x" * (MAX_DISPLAY_NAME_CHARS + 1)}, "too_large"),
        ({"display_name": "two\nlines"}, "bad_request"),
        ({"display_name": "bell\x07"}, "bad_request"),
        ({"display_name": "del\x7f"}, "bad_request"),
        ({"display_name": "evil\u202etxt.exe"}, "bad_request"),
        ({"display_name": 42}, "bad_request"),
        # A good field does not get stored alongside a bad one.
        ({"display_name": "Fine", "avatar": b64(b"nope")}, "bad_request"),
        ({"display_name": "bad\x00", "avatar": b64(_png(b"other"))}, "bad_request"),
    ],
)
async def test_bad_names_and_avatars_are_refused_and_nothing_stored(
    shared_server: ServerProcess, name: Names, fields: dict[str, Any], code: str
) -> None:
    """Non-images, oversized pictures and names, and control characters get their error code;
    the stored profile stays as it was and no event goes out."""
    a = await Wire.user(shared_server.url, name("a"))
    friend = await Wire.user(shared_server.url, name("f"))
    await befriend(a, friend)
    before = await a.call("set_profile", display_name="Original", avatar=b64(_png(b"orig")))
    await friend.next_event("profile")
    frame = await _error(a, "set_profile", **fields)
    assert frame["code"] == code
    assert frame["message"]
    assert await a.call("profile", username=a.username) == before
    await friend.no_event("profile", wait=0.2)
    await a.close()
    await friend.close()


async def test_limits_are_inclusive(shared_server: ServerProcess, name: Names) -> None:
    """A name of exactly the limit (after stripping) and an avatar of exactly the limit pass."""
    a = await Wire.user(shared_server.url, name("a"))
    longest = "é" * MAX_DISPLAY_NAME_CHARS
    biggest = _png().ljust(MAX_AVATAR_BYTES, b"\x00")
    res = await a.call("set_profile", display_name=f"  {longest}\t", avatar=b64(biggest))
    assert (res["display_name"], res["avatar_hash"]) == (longest, digest(biggest))
    # Emoji sequences keep their zero-width joiners.
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    assert (await a.call("set_profile", display_name=family))["display_name"] == family
    await a.close()


async def test_profile_requires_sign_in(shared_server: ServerProcess) -> None:
    """Profiles are for signed-in users only."""
    wire = await Wire.connect(shared_server.url)
    with pytest.raises(WireError) as info:
        await wire.call("profile", username="alice")
    assert info.value.code == "not_authenticated"
    with pytest.raises(WireError) as info:
        await wire.call("set_profile", display_name="Alice")
    assert info.value.code == "not_authenticated"
    await wire.close()


def test_client_side_checks_match_the_server() -> None:
    """The pure helpers clients may call give the server's hash and verdicts."""
    from messenger.protocol.errors import ErrorCode, ProtocolError
    from messenger.protocol.profiles import (
        avatar_format,
        avatar_hash,
        check_avatar,
        normalize_display_name,
    )

    picture = _png(b"p")
    assert avatar_hash(picture) == digest(picture)
    assert (avatar_format(picture), avatar_format(JPEG), avatar_format(b"GIF89a")) == (
        "png",
        "jpeg",
        None,
    )
    check_avatar(JPEG)
    assert normalize_display_name("  Ann  ") == "Ann"
    with pytest.raises(ProtocolError) as info:
        normalize_display_name("a\tb")
    assert info.value.code is ErrorCode.BAD_REQUEST
    with pytest.raises(ProtocolError) as info:
        check_avatar(b"\xff\xd8\xff" + b"\x00" * MAX_AVATAR_BYTES)
    assert info.value.code is ErrorCode.TOO_LARGE
