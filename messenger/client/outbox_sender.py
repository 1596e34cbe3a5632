"""Sending the outbox, one entry at a time, oldest first.

Strictly one request in flight: the next entry goes only after the previous one
was acknowledged (or refused for good), so messages reach the server in the
order the user wrote them whatever the server does with concurrent requests.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from messenger.client.errors import ClientError, ConnectionFailed
from messenger.client.events import Event, MessageAcked, SendFailed
from messenger.protocol.errors import ErrorCode, ProtocolError
from messenger.protocol.requests import Request, Send
from messenger.protocol.results import SendResult
from messenger.store import OutboxEntry, Store
from messenger.store.outbox import SEND

log = logging.getLogger(__name__)

# Errors after which the same request can succeed later; anything else is final.
RETRYABLE = {
    ErrorCode.RATE_LIMITED,
    ErrorCode.INTERNAL_ERROR,
    ErrorCode.NOT_AUTHENTICATED,
}
RETRY_PAUSE = 1.0


class OutboxSender:
    def __init__(
        self,
        store: Store,
        request: Callable[[Request], Awaitable[object]],
        emit: Callable[[Event], None],
        *,
        username: str,
    ) -> None:
        self._store = store
        self._request = request
        self._emit = emit
        self._username = username
        self._wakeup = asyncio.Event()
        # Futures of callers waiting for a given client_id's acknowledgement.
        self._waiters: dict[str, list[asyncio.Future[SendResult]]] = {}

    def wake(self) -> None:
        self._wakeup.set()

    def waiter(self, client_id: str) -> asyncio.Future[SendResult]:
        future: asyncio.Future[SendResult] = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(client_id, []).append(future)
        return future

    def _settle(self, client_id: str, result: SendResult | BaseException) -> None:
        for future in self._waiters.pop(client_id, []):
            if future.done():
                continue
            if isinstance(result, BaseException):
                future.set_exception(result)
            else:
                future.set_result(result)

    async def run(self, ready: asyncio.Event) -> None:
        """Send forever; ``ready`` is set while the client may flush (signed in and synced)."""
        while True:
            await ready.wait()
            self._wakeup.clear()
            pending = self._store.outbox.pending()
            if not pending:
                await self._wakeup.wait()
                continue
            await self._send_one(pending[0])

    async def _send_one(self, entry: OutboxEntry) -> None:
        if entry.kind != SEND:
            # Written by a newer client version; keep it, but do not block the queue.
            self._store.outbox.mark_failed(entry.client_id, "unsupported", entry.kind)
            return
        self._store.outbox.record_attempt(entry.client_id)
        request = Send(
            id="",
            conversation=entry.conversation,
            client_id=entry.client_id,
            text=str(entry.payload.get("text", "")),
            reply_to=entry.payload.get("reply_to"),
            file=entry.file,
        )
        try:
            ack = await self._request(request)
        except ProtocolError as exc:
            if exc.code in RETRYABLE:
                await asyncio.sleep(exc.retry_after or RETRY_PAUSE)
                return
            log.warning("server refused outbox entry %s: %s", entry.client_id, exc.code)
            self._store.outbox.mark_failed(entry.client_id, exc.code.value, exc.message)
            self._emit(
                SendFailed(
                    conversation=entry.conversation,
                    client_id=entry.client_id,
                    code=exc.code.value,
                    message=exc.message,
                )
            )
            self._settle(entry.client_id, exc)
            return
        except ConnectionFailed:
            # The connection died; the entry stays first in line for the next one.
            # A short pause keeps a timing-out-but-open connection from spinning.
            await asyncio.sleep(RETRY_PAUSE / 10)
            return
        except ClientError as exc:
            log.info("outbox send interrupted: %s", exc)
            await asyncio.sleep(RETRY_PAUSE)
            return
        assert isinstance(ack, SendResult)
        self._store.outbox.acknowledge_send(entry, ack, self._username)
        self._emit(
            MessageAcked(
                conversation=ack.conversation, client_id=ack.client_id, seq=ack.seq, ts=ack.ts
            )
        )
        self._settle(entry.client_id, ack)
