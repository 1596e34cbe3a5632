"""Contacts, blocking, privacy and presence against the real server."""

from __future__ import annotations

from collections.abc import Callable

from tests.serverproc import ServerProcess
from tests.wire import Wire, befriend, dm

Names = Callable[[str], str]


def _contact(listing: dict, username: str) -> dict:  # type: ignore[type-arg]
    return next(c for c in listing["contacts"] if c["username"] == username)


async def test_request_accept_and_presence(shared_server: ServerProcess, name: Names) -> None:
    """A request shows on both sides; once accepted, each sees the other online."""
    a = await Wire.user(shared_server.url, name("alice"))
    b = await Wire.user(shared_server.url, name("bob"))
    res = await a.call("contact", action="request", username=b.username)
    assert res["contact"]["state"] == "outgoing"
    event = await b.next_event("contact")
    assert event == {
        "type": "contact",
        "user": a.username,
        "state": "incoming",
        "blocked": False,
        "display_name": "",
        "avatar_hash": None,
    }
    assert _contact(await b.call("contacts"), a.username)["status"] == "offline"  # not yet
    await b.call("contact", action="accept", username=a.username)
    assert (await a.next_event("contact"))["state"] == "accepted"
    presence = await a.next_event("presence")
    assert presence["user"] == b.username and presence["status"] == "available"
    assert _contact(await b.call("contacts"), a.username)["status"] == "available"
    await a.close()
    await b.close()


async def test_decline_cancel_remove(shared_server: ServerProcess, name: Names) -> None:
    """Declined and cancelled requests vanish; a removed contact is no longer listed."""
    a = await Wire.user(shared_server.url, name("a"))
    b = await Wire.user(shared_server.url, name("b"))
    await a.call("contact", action="request", username=b.username)
    await b.call("contact", action="decline", username=a.username)
    assert (await a.call("contacts"))["contacts"] == []
    await a.call("contact", action="request", username=b.username)
    await a.call("contact", action="cancel", username=b.username)
    assert (await b.call("contacts"))["contacts"] == []
    await befriend(a, b)
    await a.call("contact", action="remove", username=b.username)
    assert (await b.call("contacts"))["contacts"] == []
    bad = await a.request("contact", action="accept", username=b.username)
    assert bad["code"] == "invalid_state"
    missing = await a.request("contact", action="request", username=name("nobody"))
    assert missing["code"] == "not_found"
    await a.close()
    await b.close()


async def test_mutual_requests_become_contacts(shared_server: ServerProcess, name: Names) -> None:
    """Asking someone who already asked you accepts their request."""
    a = await Wire.user(shared_server.url, name("a"))
    b = await Wire.user(shared_server.url, name("b"))
    await a.call("contact", action="request", username=b.username)
    res = await b.call("contact", action="request", username=a.username)
    assert res["contact"]["state"] == "accepted"
    await a.close()
    await b.close()


async def test_presence_states_text_and_invisible(
    shared_server: ServerProcess, name: Names
) -> None:
    """Contacts see away/busy with text; invisible looks offline with a last-seen time."""
    a = await Wire.user(shared_server.url, name("a"))
    b = await Wire.user(shared_server.url, name("b"))
    await befriend(a, b)
    await b.next_event("presence")
    await a.call("set_presence", status="busy", text="in a meeting")
    ev = await b.next_event("presence")
    assert (ev["status"], ev["text"]) == ("busy", "in a meeting")
    await a.call("set_presence", status="invisible")
    ev = await b.next_event("presence")
    assert ev["status"] == "offline" and ev["last_seen"] is not None
    await a.call("set_presence", status="away")
    assert (await b.next_event("presence"))["status"] == "away"
    await a.close()
    ev = await b.next_event("presence")
    assert ev["status"] == "offline" and ev["last_seen"] > 0
    await b.close()


async def test_presence_aggregates_over_sessions(shared_server: ServerProcess, name: Names) -> None:
    """One device away and one available shows available; closing the available one shows away."""
    user = name("multi")
    desk = await Wire.user(shared_server.url, user)
    friend = await Wire.user(shared_server.url, name("friend"))
    await befriend(desk, friend)
    laptop = await Wire.user(shared_server.url, user)
    await laptop.call("set_presence", status="away")
    contact = _contact(await friend.call("contacts"), user)
    assert contact["status"] == "available"
    await desk.close()
    ev = await friend.next_event("presence")
    while ev["status"] != "away":
        ev = await friend.next_event("presence")
    await laptop.close()
    await friend.close()


async def test_presence_only_for_accepted_contacts(
    shared_server: ServerProcess, name: Names
) -> None:
    """Strangers and pending requests see nothing of one's presence."""
    a = await Wire.user(shared_server.url, name("a"))
    b = await Wire.user(shared_server.url, name("b"))
    await a.call("contact", action="request", username=b.username)
    await b.call("set_presence", status="busy", text="secret")
    await a.no_event("presence")
    assert _contact(await a.call("contacts"), b.username)["text"] == ""
    await a.close()
    await b.close()


async def test_blocked_user_is_not_told_and_gets_nothing_through(
    shared_server: ServerProcess, name: Names
) -> None:
    """A blocked user's messages are acked as usual but never reach or are stored for the blocker;
    it sees the blocker offline; its state toward the blocker looks unchanged."""
    a = await Wire.user(shared_server.url, name("blocker"))
    b = await Wire.user(shared_server.url, name("pest"))
    await befriend(a, b)
    await a.next_event("presence")
    await b.next_event("presence")
    await a.call("contact", action="block", username=b.username)
    ev = await b.next_event("presence")
    assert ev["user"] == a.username and ev["status"] == "offline"
    b_view = _contact(await b.call("contacts"), a.username)
    assert b_view["state"] == "accepted" and b_view["blocked"] is False
    assert b_view["status"] == "offline"
    await b.no_event("contact")

    ack = await b.send_text(a.username, "let me in")
    assert ack["seq"] >= 1  # acknowledged as usual
    await a.no_event("message")
    history = await a.call("history", conversation=dm(a.username, b.username))
    assert all(m["text"] != "let me in" for m in history["messages"])
    synced = await a.call("sync", conversation=dm(a.username, b.username), after=0)
    assert all(e.get("text") != "let me in" for e in synced["events"])
    assert (await a.call("conversations"))["conversations"][0]["unread"] == 0
    # The sender's own history still shows it, so nothing gives the block away.
    own = await b.call("history", conversation=dm(a.username, b.username))
    assert own["messages"][-1]["text"] == "let me in"

    await a.call("set_presence", status="available", text="back")
    await b.no_event("presence")
    await b.call("typing", conversation=dm(a.username, b.username))
    await a.no_event("typing")

    await a.call("contact", action="unblock", username=b.username)
    await b.send_text(a.username, "hello again")
    assert (await a.next_event("message"))["text"] == "hello again"
    await a.close()
    await b.close()


async def test_contacts_only_privacy(shared_server: ServerProcess, name: Names) -> None:
    """With 'contacts only', a stranger's message gets not_accepted; a contact's goes through."""
    a = await Wire.user(shared_server.url, name("private"))
    stranger = await Wire.user(shared_server.url, name("stranger"))
    friend = await Wire.user(shared_server.url, name("friend"))
    await befriend(a, friend)
    await a.call("set_privacy", who_may_message="contacts")
    assert (await a.call("contacts"))["who_may_message"] == "contacts"
    frame = await stranger.request(
        "send", conversation=dm(a.username, stranger.username), client_id="c1", text="hi"
    )
    assert frame["code"] == "not_accepted"
    await friend.send_text(a.username, "hi friend")
    assert (await a.next_event("message"))["text"] == "hi friend"
    for w in (a, stranger, friend):
        await w.close()
