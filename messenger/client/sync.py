"""Catching up with the server: pull every conversation event we have not applied.

Runs after each (re)authentication for every known conversation plus any the
server lists that we have never seen, and whenever a pushed event shows a gap.
A conversation is complete once a page comes back with ``has_more`` false: the
store then knows everything up to the server's ``last_seq`` is applied (events
hidden from us, e.g. from a blocked user, leave seq holes that are fine).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import msgspec

from messenger.client.events import Event, Synced
from messenger.protocol.errors import ErrorCode, ProtocolError
from messenger.protocol.events import AnyConversationEvent, MessageEvent
from messenger.protocol.requests import ListConversations, Request, Sync
from messenger.protocol.results import ConversationsResult, SyncResult
from messenger.protocol.rooms import RoomSettings
from messenger.store import Store
from messenger.store.timeline import kind_of

log = logging.getLogger(__name__)

Requester = Callable[[Request], Awaitable[msgspec.Struct]]
Emitter = Callable[[Event], None]
Deliverer = Callable[[str, int], None]

MAX_RATE_LIMIT_WAITS = 5


async def request_patiently(request: Requester, req: Request) -> msgspec.Struct:
    """``request``, waiting out ``rate_limited`` replies a few times instead of failing."""
    for attempt in range(MAX_RATE_LIMIT_WAITS + 1):
        try:
            return await request(req)
        except ProtocolError as exc:
            if exc.code != ErrorCode.RATE_LIMITED or attempt == MAX_RATE_LIMIT_WAITS:
                raise
            await asyncio.sleep(exc.retry_after or 1.0)
    raise AssertionError("unreachable")


class Syncer:
    def __init__(
        self,
        store: Store,
        request: Requester,
        emit: Emitter,
        delivered: Deliverer,
        *,
        username: str,
        page_limit: int = 500,
    ) -> None:
        self._store = store
        self._request = request
        self._emit = emit
        self._delivered = delivered
        self._username = username
        self.page_limit = page_limit

    async def sync_all(self) -> None:
        reply = await request_patiently(self._request, ListConversations(id=""))
        assert isinstance(reply, ConversationsResult)
        heads: dict[str, int] = {}
        timeline = self._store.timeline
        for info in reply.conversations:
            timeline.ensure_conversation(info.id, info.kind)
            timeline.update_members(info.id, info.members)
            if info.room is not None:
                timeline.update_room(
                    info.id,
                    RoomSettings(
                        name=info.room.name, topic=info.room.topic, public=info.room.public
                    ),
                )
            heads[info.id] = info.last_seq
        for conversation, synced in timeline.conversations().items():
            head = heads.get(conversation)
            if head is None and kind_of(conversation) == "room":
                # Not listed: we left or were removed while away. The history we had stays
                # readable here; the server would refuse a sync.
                timeline.forget_membership(conversation, self._username)
                continue
            if head is not None and head <= synced:
                continue  # nothing new: skip the round trip
            await self.sync_conversation(conversation)

    async def sync_conversation(self, conversation: str) -> None:
        timeline = self._store.timeline
        while True:
            after = timeline.synced_seq(conversation)
            reply = await request_patiently(
                self._request,
                Sync(id="", conversation=conversation, after=after, limit=self.page_limit),
            )
            assert isinstance(reply, SyncResult)
            new = timeline.apply_sync_page(
                conversation, reply.events, last_seq=reply.last_seq, has_more=reply.has_more
            )
            self.announce(new)
            if not reply.has_more:
                break
            if timeline.synced_seq(conversation) <= after:
                log.warning("sync of %s made no progress at %d; stopping", conversation, after)
                break
        self._emit(Synced(conversation=conversation, last_seq=timeline.synced_seq(conversation)))

    def announce(self, events: list[AnyConversationEvent]) -> None:
        """Pass newly applied events on, and confirm delivery of other people's messages."""
        delivered: dict[str, int] = {}
        for event in events:
            self._emit(event)
            if isinstance(event, MessageEvent) and event.sender != self._username:
                delivered[event.conversation] = max(delivered.get(event.conversation, 0), event.seq)
        for conversation, seq in delivered.items():
            self._delivered(conversation, seq)
