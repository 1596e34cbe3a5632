"""The client's typed ``request()``: each request type maps to its result type.

A mixin so the overload table, which only exists for the type checker, does not
crowd the client's own logic.
"""

from __future__ import annotations

import abc
from typing import overload

import msgspec

from messenger.protocol import requests as rq
from messenger.protocol import results as rs


class TypedRequests(abc.ABC):
    @abc.abstractmethod
    async def _request(self, req: rq.Request) -> msgspec.Struct:
        """Send ``req`` and return its decoded result (the client's transport)."""

    # fmt: off
    @overload
    async def request(self, req: rq.Hello) -> rs.HelloResult: ...
    @overload
    async def request(self, req: rq.Register | rq.Login | rq.Authenticate) -> rs.AuthResult: ...
    @overload
    async def request(
        self,
        req: rq.Logout | rq.ChangePassword | rq.SetPrivacy | rq.SetPresence | rq.MarkDelivered
        | rq.Typing,
    ) -> rs.Empty: ...
    @overload
    async def request(self, req: rq.ListSessions) -> rs.SessionsResult: ...
    @overload
    async def request(self, req: rq.RevokeSessions) -> rs.RevokeResult: ...
    @overload
    async def request(self, req: rq.ListContacts) -> rs.ContactsResult: ...
    @overload
    async def request(self, req: rq.ContactChange) -> rs.ContactResult: ...
    @overload
    async def request(self, req: rq.SetProfile | rq.GetProfile) -> rs.Profile: ...
    @overload
    async def request(self, req: rq.ListConversations) -> rs.ConversationsResult: ...
    @overload
    async def request(self, req: rq.Send) -> rs.SendResult: ...
    @overload
    async def request(
        self, req: rq.Edit | rq.Delete | rq.React | rq.MarkRead
    ) -> rs.EventResult: ...
    @overload
    async def request(self, req: rq.History) -> rs.HistoryResult: ...
    @overload
    async def request(self, req: rq.Sync) -> rs.SyncResult: ...
    @overload
    async def request(
        self,
        req: rq.CallInvite | rq.CallRinging | rq.CallAccept | rq.CallDecline | rq.CallHangup
        | rq.CallUpdate | rq.CallCandidate,
    ) -> rs.Empty: ...
    @overload
    async def request(self, req: rq.GetIceServers) -> rs.IceServersResult: ...
    @overload
    async def request(
        self, req: rq.RoomCreate | rq.RoomLookup | rq.RoomJoin
    ) -> rs.RoomResult: ...
    @overload
    async def request(self, req: rq.RoomDirectory | rq.RoomInvitations) -> rs.RoomsResult: ...
    @overload
    async def request(self, req: rq.RoomMembers) -> rs.RoomMembersResult: ...
    @overload
    async def request(
        self,
        req: rq.RoomInvite | rq.RoomLeave | rq.RoomRemove | rq.RoomUnban | rq.RoomSetRole
        | rq.RoomUpdate,
    ) -> rs.EventResult: ...
    @overload
    async def request(self, req: rq.RoomDecline) -> rs.Empty: ...
    @overload
    async def request(self, req: rq.Request) -> msgspec.Struct: ...
    # fmt: on
    async def request(self, req: rq.Request) -> msgspec.Struct:
        """Send one request and return its typed result.

        Raises ``ProtocolError`` for an error reply (code, message, retry_after)
        and ``ConnectionFailed`` when there is no connection or it drops. Pass
        ``id=""``: the client assigns request ids.
        """
        return await self._request(req)
