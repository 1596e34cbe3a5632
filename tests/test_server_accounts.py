"""Handshake, registration, sign-in, sessions and account settings against the real server."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from tests.serverproc import ServerProcess
from tests.wire import Wire


async def test_hello_announces_protocol_and_limits(shared_server: ServerProcess) -> None:
    """The hello result names the protocol version and the server's limits."""
    wire = await Wire.connect(shared_server.url, hello=False)
    res = await wire.call("hello", protocol=1)
    assert res["protocol"] == 1
    assert res["limits"]["max_frame_bytes"] == 65536
    assert res["limits"]["max_text_chars"] > 0
    await wire.close()


async def test_incompatible_version_is_refused_and_closed(shared_server: ServerProcess) -> None:
    """A client speaking another protocol version gets a clear error and the connection closes."""
    wire = await Wire.connect(shared_server.url, hello=False)
    frame = await wire.request("hello", protocol=99)
    assert frame["code"] == "unsupported_version"
    assert "update" in frame["message"]
    await asyncio.wait_for(wire.closed.wait(), 5)
    assert wire.close_code == 4002
    await wire.close()


async def test_requests_before_hello_or_signin_are_refused(shared_server: ServerProcess) -> None:
    """Nothing but hello before hello; nothing private before sign-in."""
    wire = await Wire.connect(shared_server.url, hello=False)
    assert (await wire.request("contacts"))["code"] == "hello_required"
    await wire.call("hello", protocol=1)
    assert (await wire.request("contacts"))["code"] == "not_authenticated"
    await wire.close()


@pytest.mark.parametrize("bad", ["ab", "x" * 33, "has space", "ünïcode", "semi;colon", ""])
async def test_invalid_usernames_are_refused(shared_server: ServerProcess, bad: str) -> None:
    """Usernames are 3 to 32 characters of a-z0-9._-."""
    wire = await Wire.connect(shared_server.url)
    frame = await wire.request("register", username=bad, password="long enough pw")
    assert frame["code"] == "invalid_username"
    await wire.close()


async def test_usernames_are_case_insensitive_and_unique(
    shared_server: ServerProcess, name: Callable[[str], str]
) -> None:
    """Registering Alice after alice fails; signing in as ALICE works."""
    base = name("case")
    a = await Wire.connect(shared_server.url)
    res = await a.call("register", username=base.upper(), password="password1")
    assert res["username"] == base
    b = await Wire.connect(shared_server.url)
    assert (await b.request("register", username=base, password="password2"))[
        "code"
    ] == "username_taken"
    res = await b.call("login", username=base.upper(), password="password1")
    assert res["username"] == base
    await a.close()
    await b.close()


async def test_short_password_refused_long_passphrase_accepted(
    shared_server: ServerProcess, name: Callable[[str], str]
) -> None:
    """At least 8 characters and no composition rules (NIST SP 800-63B)."""
    wire = await Wire.connect(shared_server.url)
    frame = await wire.request("register", username=name("pw"), password="1234567")
    assert frame["code"] == "weak_password"
    res = await wire.call("register", username=name("pw"), password="all lower case words")
    assert len(res["token"]) >= 40  # 256 random bits, url-safe
    await wire.close()


async def test_login_errors_do_not_reveal_whether_user_exists(
    shared_server: ServerProcess, name: Callable[[str], str]
) -> None:
    """A wrong password and an unknown user get the very same error."""
    user = name("exists")
    await (await Wire.user(shared_server.url, user, "right password")).close()
    wire = await Wire.connect(shared_server.url)
    wrong = await wire.request("login", username=user, password="wrong password")
    unknown = await wire.request("login", username=name("ghost"), password="wrong password")
    assert wrong["code"] == unknown["code"] == "invalid_credentials"
    assert wrong["message"] == unknown["message"]
    await wire.close()


async def test_failed_logins_are_throttled_with_retry_after(
    server: ServerProcess, name: Callable[[str], str]
) -> None:
    """After repeated failures the account is locked for a while, with retry_after given."""
    user = name("victim")
    await (await Wire.user(server.url, user, "right password")).close()
    wire = await Wire.connect(server.url)
    codes = []
    for _ in range(7):
        frame = await wire.request("login", username=user, password="wrong password")
        codes.append(frame["code"])
    assert codes[:5] == ["invalid_credentials"] * 5
    assert "rate_limited" in codes[5:]
    limited = await wire.request("login", username=user, password="right password")
    assert limited["code"] == "rate_limited"
    assert limited["retry_after"] > 0
    await wire.close()


async def test_token_resumes_session_until_logout(
    shared_server: ServerProcess, name: Callable[[str], str]
) -> None:
    """authenticate with the token works; after logout the token is dead and the socket closed."""
    a = await Wire.user(shared_server.url, name("tok"))
    b = await Wire.connect(shared_server.url)
    res = await b.call("authenticate", token=a.token)
    assert res["username"] == a.username and res.get("token") is None
    await b.call("logout")
    await asyncio.wait_for(b.closed.wait(), 5)
    assert b.close_code == 4003
    c = await Wire.connect(shared_server.url)
    assert (await c.request("authenticate", token=a.token))["code"] == "invalid_token"
    await asyncio.wait_for(a.closed.wait(), 5)  # same session: a is signed out too
    for w in (a, b, c):
        await w.close()


async def test_revoking_other_sessions_closes_their_connections(
    shared_server: ServerProcess, name: Callable[[str], str]
) -> None:
    """Sign out other devices: their open connections are told and closed within seconds."""
    user = name("multi")
    laptop = await Wire.user(shared_server.url, user)
    phone = await Wire.user(shared_server.url, user)
    listed = await laptop.call("sessions")
    ids = {s["session_id"]: s["current"] for s in listed["sessions"]}
    assert ids == {laptop.session_id: True, phone.session_id: False}
    res = await laptop.call("revoke_sessions")
    assert res["revoked"] == [phone.session_id]
    notice = await phone.next_event("session_revoked")
    assert notice["reason"]
    await asyncio.wait_for(phone.closed.wait(), 5)
    assert phone.close_code == 4003
    assert (await laptop.call("sessions"))["sessions"][0]["session_id"] == laptop.session_id
    await laptop.close()
    await phone.close()


async def test_change_password(shared_server: ServerProcess, name: Callable[[str], str]) -> None:
    """The old password must be right; afterwards only the new one works, other devices end."""
    user = name("chpw")
    a = await Wire.user(shared_server.url, user, "old password")
    other = await Wire.user(shared_server.url, user, "old password")
    bad = await a.request("change_password", old_password="nope nope", new_password="new password")
    assert bad["code"] == "invalid_credentials"
    await a.call("change_password", old_password="old password", new_password="new password")
    await asyncio.wait_for(other.closed.wait(), 5)
    c = await Wire.connect(shared_server.url)
    assert (await c.request("login", username=user, password="old password"))[
        "code"
    ] == "invalid_credentials"
    await c.call("login", username=user, password="new password")
    for w in (a, other, c):
        await w.close()


async def test_unauthenticated_connection_is_closed_after_timeout(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A connection that never signs in is closed (4001) after the auth timeout."""
    proc = ServerProcess(tmp_path / "srv", env={"MESSENGER_LIMITS__AUTH_TIMEOUT_SECONDS": "0.5"})
    proc.start()
    try:
        wire = await Wire.connect(proc.url)
        await asyncio.wait_for(wire.closed.wait(), 5)
        assert wire.close_code == 4001
        await wire.close()
    finally:
        proc.stop()


async def test_wrong_field_type_and_unknown_type_get_codes(shared_server: ServerProcess) -> None:
    """Schema violations are answered with stable codes and the request's id."""
    wire = await Wire.connect(shared_server.url)
    frame = await wire.request("register", username=123, password="x")
    assert frame["code"] == "bad_request"
    frame = await wire.request("teleport")
    assert frame["code"] == "unknown_type"
    await wire.close()


def test_rehash_param_change_is_detected() -> None:
    """Hashes made with weaker Argon2 parameters are flagged for rehash on login."""
    from signaling_server.config import AuthSettings
    from signaling_server.credentials import Passwords

    weak = Passwords(AuthSettings(argon2_memory_kib=8192, argon2_time_cost=1))
    strong = Passwords(AuthSettings())
    old_hash = weak._hasher.hash("password")
    assert strong.needs_rehash(old_hash)
    assert not strong.needs_rehash(strong._hasher.hash("password"))
