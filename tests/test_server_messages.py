"""1:1 messages: acks, idempotency, sequence, receipts, edits, history and sync."""

from __future__ import annotations

from collections.abc import Callable

from tests.serverproc import ServerProcess
from tests.wire import Wire, befriend, dm

Names = Callable[[str], str]


async def _pair(url: str, name: Names) -> tuple[Wire, Wire, str]:
    a = await Wire.user(url, name("a"))
    b = await Wire.user(url, name("b"))
    await befriend(a, b)
    return a, b, dm(a.username, b.username)


async def test_send_is_acked_with_seq_and_delivered_live(
    shared_server: ServerProcess, name: Names
) -> None:
    """The ack carries seq and server time; the recipient gets the same message pushed."""
    a, b, conv = await _pair(shared_server.url, name)
    ack = await a.call("send", conversation=conv, client_id="m1", text="hello 👋")
    assert ack["seq"] == 1 and ack["client_id"] == "m1" and ack["ts"] > 0
    ev = await b.next_event("message")
    assert ev == {
        "type": "message",
        "conversation": conv,
        "seq": 1,
        "ts": ack["ts"],
        "sender": a.username,
        "client_id": "m1",
        "text": "hello 👋",
        "reply_to": None,
        "file": None,
        "mentions": [],
    }
    await a.close()
    await b.close()


async def test_resend_same_id_stores_once_other_content_conflicts(
    shared_server: ServerProcess, name: Names
) -> None:
    """A resend returns the original ack and stores nothing new; other content is a conflict."""
    a, b, conv = await _pair(shared_server.url, name)
    first = await a.call("send", conversation=conv, client_id="dup", text="once")
    again = await a.call("send", conversation=conv, client_id="dup", text="once")
    assert again == first
    clash = await a.request("send", conversation=conv, client_id="dup", text="other")
    assert clash["code"] == "conflict"
    history = await b.call("history", conversation=conv)
    assert [m["text"] for m in history["messages"]] == ["once"]
    await a.close()
    await b.close()


async def test_sender_comes_from_session_not_frame(
    shared_server: ServerProcess, name: Names
) -> None:
    """A 'sender' field in the frame is ignored: the message is stored as the session's user."""
    a, b, conv = await _pair(shared_server.url, name)
    await a.call("send", conversation=conv, client_id="s1", text="hi", sender=b.username)
    ev = await b.next_event("message")
    assert ev["sender"] == a.username
    await a.close()
    await b.close()


async def test_outsiders_cannot_read_or_write(shared_server: ServerProcess, name: Names) -> None:
    """A third user can neither read, sync, send to nor mark another pair's conversation."""
    a, b, conv = await _pair(shared_server.url, name)
    await a.send_text(b.username, "private")
    eve = await Wire.user(shared_server.url, name("eve"))
    for kind, fields in [
        ("history", {}),
        ("sync", {"after": 0}),
        ("send", {"client_id": "x", "text": "intrude"}),
        ("mark_read", {"seq": 1}),
        ("edit", {"target": 1, "text": "x"}),
        ("react", {"target": 1, "emoji": "👍"}),
        ("typing", {}),
    ]:
        frame = await eve.request(kind, conversation=conv, **fields)
        assert frame["code"] == "forbidden", (kind, frame)
    bogus = await eve.request("history", conversation="room:nope")
    assert bogus["code"] == "not_found"
    for w in (a, b, eve):
        await w.close()


async def test_sequence_is_gap_free_and_same_for_both(
    shared_server: ServerProcess, name: Names
) -> None:
    """Messages from both sides interleave into one gap-free sequence seen alike by both."""
    a, b, conv = await _pair(shared_server.url, name)
    for i in range(10):
        await (a if i % 2 else b).send_text(b.username if i % 2 else a.username, f"m{i}")
    ha = await a.call("history", conversation=conv)
    hb = await b.call("history", conversation=conv)
    assert [m["seq"] for m in ha["messages"]] == list(range(1, 11))
    assert ha["messages"] == hb["messages"]
    await a.close()
    await b.close()


async def test_pipelined_sends_keep_their_order(shared_server: ServerProcess, name: Names) -> None:
    """Sends pipelined without waiting for acks are stored in the order they were sent."""
    import asyncio

    a, b, conv = await _pair(shared_server.url, name)
    acks = await asyncio.gather(
        *(a.call("send", conversation=conv, client_id=f"p{i}", text=f"{i}") for i in range(50))
    )
    assert [ack["seq"] for ack in acks] == list(range(1, 51))
    received = [await b.next_event("message") for _ in range(50)]
    assert [e["text"] for e in received] == [str(i) for i in range(50)]
    await a.close()
    await b.close()


async def test_offline_recipient_gets_messages_by_sync(
    shared_server: ServerProcess, name: Names
) -> None:
    """Store-and-forward: messages to an offline user arrive through sync when it returns."""
    a, b, conv = await _pair(shared_server.url, name)
    await b.close()
    for i in range(3):
        await a.send_text(b.username, f"while away {i}")
    b = await Wire.user(shared_server.url, b.username)
    convs = (await b.call("conversations"))["conversations"]
    assert convs[0]["id"] == conv and convs[0]["unread"] == 3
    assert convs[0]["last_message"]["text"] == "while away 2"
    synced = await b.call("sync", conversation=conv, after=0)
    assert [e["text"] for e in synced["events"]] == [f"while away {i}" for i in range(3)]
    assert synced["last_seq"] == 3 and synced["has_more"] is False
    await a.close()
    await b.close()


async def test_sync_pages(shared_server: ServerProcess, name: Names) -> None:
    """Sync pages by 'after' until has_more is false, with no event missed or repeated."""
    a, b, conv = await _pair(shared_server.url, name)
    for i in range(12):
        await a.send_text(b.username, str(i))
    seen: list[int] = []
    after = 0
    while True:
        page = await b.call("sync", conversation=conv, after=after, limit=5)
        seen += [e["seq"] for e in page["events"]]
        if not page["has_more"]:
            break
        after = page["events"][-1]["seq"]
    assert seen == list(range(1, 13))
    await a.close()
    await b.close()


async def test_history_pages_backwards(shared_server: ServerProcess, name: Names) -> None:
    """History returns the newest page first, oldest-first within it, then older pages by cursor."""
    a, b, conv = await _pair(shared_server.url, name)
    for i in range(7):
        await a.send_text(b.username, str(i))
    page = await b.call("history", conversation=conv, limit=3)
    assert [m["text"] for m in page["messages"]] == ["4", "5", "6"] and page["has_more"]
    page = await b.call("history", conversation=conv, limit=3, before=page["messages"][0]["seq"])
    assert [m["text"] for m in page["messages"]] == ["1", "2", "3"]
    page = await b.call("history", conversation=conv, limit=3, before=2)
    assert [m["text"] for m in page["messages"]] == ["0"] and not page["has_more"]
    await a.close()
    await b.close()


async def test_read_markers_agree_across_devices(shared_server: ServerProcess, name: Names) -> None:
    """Reading on one device clears the unread count on the other and tells the sender."""
    a, b, conv = await _pair(shared_server.url, name)
    b_phone = await Wire.user(shared_server.url, b.username)
    await a.send_text(b.username, "one")
    ack = await a.send_text(b.username, "two")
    await b.call("mark_read", conversation=conv, seq=ack["seq"])
    ev = await b_phone.next_event("read")
    assert ev["sender"] == b.username and ev["up_to"] == ack["seq"]
    assert (await a.next_event("read"))["up_to"] == ack["seq"]
    convs = (await b_phone.call("conversations"))["conversations"]
    assert convs[0]["unread"] == 0
    # A marker never moves back.
    res = await b.call("mark_read", conversation=conv, seq=1)
    assert res["seq"] == 0
    for w in (a, b, b_phone):
        await w.close()


async def test_own_messages_reach_own_other_devices(
    shared_server: ServerProcess, name: Names
) -> None:
    """A message sent from the laptop appears on the same user's phone, not back on the laptop."""
    a, b, _ = await _pair(shared_server.url, name)
    phone = await Wire.user(shared_server.url, a.username)
    await a.send_text(b.username, "from laptop")
    assert (await phone.next_event("message"))["text"] == "from laptop"
    await a.no_event("message")
    for w in (a, b, phone):
        await w.close()


async def test_delivered_receipts_and_typing(shared_server: ServerProcess, name: Names) -> None:
    """Delivery receipts reach the sender; typing reaches the peer and is not stored."""
    a, b, conv = await _pair(shared_server.url, name)
    ack = await a.send_text(b.username, "ping")
    await b.call("mark_delivered", conversation=conv, seq=ack["seq"])
    ev = await a.next_event("delivered")
    assert ev == {"type": "delivered", "conversation": conv, "user": b.username, "up_to": 1}
    await b.call("typing", conversation=conv, typing=True)
    ev = await a.next_event("typing")
    assert ev["user"] == b.username and ev["typing"] is True
    synced = await a.call("sync", conversation=conv, after=0)
    assert [e["type"] for e in synced["events"]] == ["message"]
    members = (await a.call("conversations"))["conversations"][0]["members"]
    assert {m["username"]: m["delivered_seq"] for m in members}[b.username] == 1
    await a.close()
    await b.close()


async def test_edit_delete_react_reply(shared_server: ServerProcess, name: Names) -> None:
    """Edits, deletes, reactions and replies are sequenced, replayed by sync, shown by history;
    a delete removes the text everywhere, edits included; only the sender may edit or delete."""
    a, b, conv = await _pair(shared_server.url, name)
    m1 = await a.send_text(b.username, "original")
    m2 = await b.send_text(a.username, "reply!", reply_to=m1["seq"])
    assert m2["seq"] == 2
    await a.call("edit", conversation=conv, target=1, text="edited once")
    assert (await b.next_event("edit"))["text"] == "edited once"
    forbidden = await b.request("edit", conversation=conv, target=1, text="hijack")
    assert forbidden["code"] == "forbidden"
    await b.call("react", conversation=conv, target=1, emoji="👍")
    assert (await a.next_event("reaction"))["emoji"] == "👍"
    unchanged = await b.call("react", conversation=conv, target=1, emoji="👍")
    assert unchanged["seq"] == 0

    history = (await b.call("history", conversation=conv))["messages"]
    assert history[0]["text"] == "edited once" and history[0]["edited"]
    assert history[0]["reactions"] == {"👍": [b.username]}
    assert history[1]["reply_to"] == 1

    await a.call("delete", conversation=conv, target=1)
    assert (await b.next_event("delete"))["target"] == 1
    history = (await b.call("history", conversation=conv))["messages"]
    assert history[0]["deleted"] and history[0]["text"] == "" and history[0]["reactions"] == {}
    events = (await b.call("sync", conversation=conv, after=0))["events"]
    kinds = [e["type"] for e in events]
    assert kinds == ["message", "message", "edit", "reaction", "delete"]
    assert all("original" not in str(e) and "edited once" not in str(e) for e in events)
    gone = await a.request("edit", conversation=conv, target=1, text="resurrect")
    assert gone["code"] == "not_found"
    bad_reply = await a.request("send", conversation=conv, client_id="r9", text="x", reply_to=999)
    assert bad_reply["code"] == "not_found"
    await a.close()
    await b.close()


async def test_text_limits(shared_server: ServerProcess, name: Names) -> None:
    """Empty messages and messages over the text limit are refused with clear codes."""
    a, b, conv = await _pair(shared_server.url, name)
    limit = (await a.call("hello", protocol=1))["limits"]["max_text_chars"]
    frame = await a.request("send", conversation=conv, client_id="e", text="   ")
    assert frame["code"] == "bad_request"
    frame = await a.request("send", conversation=conv, client_id="big", text="x" * (limit + 1))
    assert frame["code"] == "too_large"
    await a.call("send", conversation=conv, client_id="max", text="x" * limit)
    await a.close()
    await b.close()


async def test_message_to_unknown_user_is_not_found(
    shared_server: ServerProcess, name: Names
) -> None:
    """Sending to a username that does not exist fails with not_found."""
    a = await Wire.user(shared_server.url, name("a"))
    frame = await a.request(
        "send", conversation=dm(a.username, "zzzz-nobody"), client_id="n", text="hi"
    )
    assert frame["code"] == "not_found"
    await a.close()


async def test_delivered_marker_never_passes_the_head(
    shared_server: ServerProcess, name: Names
) -> None:
    """A delivered receipt past the newest message is capped at it, for everyone who sees it."""
    a, b, conv = await _pair(shared_server.url, name)
    await a.send_text(b.username, "one")
    await a.send_text(b.username, "two")
    await b.call("mark_delivered", conversation=conv, seq=10**6)
    assert (await a.next_event("delivered"))["up_to"] == 2
    members = (await a.call("conversations"))["conversations"][0]["members"]
    assert {m["username"]: m["delivered_seq"] for m in members}[b.username] == 2
    await a.close()
    await b.close()
