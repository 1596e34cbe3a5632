"""The client's room actions and the local view of rooms a UI lists.

A mixin of ``Client``, beside its typed ``request``: each action is one request; the changes
it makes come back as the room's sequenced events (to this session too), which the client
applies to the store like messages, so every device shows the same room.
"""

from __future__ import annotations

import msgspec

from messenger.client.typed_requests import TypedRequests
from messenger.protocol import requests as rq
from messenger.protocol import results as rs
from messenger.protocol.events import MessageEvent
from messenger.protocol.rooms import Role, RoomSettings, is_room_id
from messenger.store import Store
from messenger.store.timeline import kind_of


class RoomListing(msgspec.Struct, frozen=True, kw_only=True):
    """One room as a room list shows it, from the local store (no network).

    ``role`` is mine (None once I left or was removed: the history stays, read-only);
    ``mentions`` counts unread messages that mention me, which notify even when ``muted``.
    """

    id: str
    name: str
    topic: str
    public: bool
    role: str | None
    unread: int
    mentions: int
    muted: bool
    last_message: rs.MessageView | None


class RoomActions(TypedRequests):
    username: str
    store: Store

    # --- local view ------------------------------------------------------------------

    def rooms(self) -> list[RoomListing]:
        """Every room known here, the ones I am in first, then by name."""
        timeline = self.store.timeline
        out: list[RoomListing] = []
        for conversation in timeline.conversations():
            if kind_of(conversation) != "room":
                continue
            room = timeline.room(conversation) or RoomSettings(name="")
            out.append(
                RoomListing(
                    id=conversation,
                    name=room.name,
                    topic=room.topic,
                    public=room.public,
                    role=timeline.room_roles(conversation).get(self.username),
                    unread=timeline.unread_count(conversation, self.username),
                    mentions=timeline.unread_mentions(conversation, self.username),
                    muted=timeline.muted(conversation),
                    last_message=timeline.last_message(conversation),
                )
            )
        out.sort(key=lambda r: (r.role is None, r.name.lower()))
        return out

    def room_id(self, name_or_id: str) -> str | None:
        """A room's id from its id or its name (``#name``, any case) as known here."""
        if is_room_id(name_or_id):
            return name_or_id
        return self.store.timeline.room_by_name(name_or_id.strip().removeprefix("#"))

    def room_roles(self, room: str) -> dict[str, str]:
        """Members and roles as this device last heard, for when the server is out of reach."""
        return self.store.timeline.room_roles(room)

    def set_room_muted(self, room: str, muted: bool) -> None:
        """Mute a room on this device: no notifications but for mentions of me."""
        self.store.timeline.set_muted(room, muted)

    def room_muted(self, room: str) -> bool:
        return self.store.timeline.muted(room)

    def mentions_me(self, event: MessageEvent | rs.MessageView) -> bool:
        return self.username in event.mentions

    # --- actions ---------------------------------------------------------------------

    async def create_room(self, name: str, *, topic: str = "", public: bool = False) -> rs.RoomInfo:
        req = rq.RoomCreate(id="", name=name, topic=topic, public=public)
        return self._remember((await self.request(req)).room)

    async def find_room(self, name_or_id: str) -> rs.RoomInfo:
        """A room by id or name, from the server (``not_found`` for a private room I am not
        in nor invited to)."""
        return (await self.request(rq.RoomLookup(id="", room=name_or_id))).room

    async def room_directory(self, prefix: str = "", *, limit: int = 100) -> list[rs.RoomInfo]:
        return (await self.request(rq.RoomDirectory(id="", prefix=prefix, limit=limit))).rooms

    async def room_invitations(self) -> list[rs.RoomInfo]:
        return (await self.request(rq.RoomInvitations(id=""))).rooms

    async def room_members(self, room: str) -> list[rs.RoomMember]:
        """Members with roles, read markers and presence (offline across a block).

        Also what the store then knows of the room's members: a member's own history starts
        at its joining, so the events alone never name who was there before."""
        members = (await self.request(rq.RoomMembers(id="", room=room))).members
        self.store.timeline.update_members(
            room,
            [
                rs.Member(
                    username=m.username,
                    read_seq=m.read_seq,
                    delivered_seq=m.delivered_seq,
                    role=m.role,
                )
                for m in members
            ],
        )
        return members

    async def join_room(self, name_or_id: str) -> rs.RoomInfo:
        """Accept an invitation or join a public room, by id or name."""
        room = name_or_id if is_room_id(name_or_id) else (await self.find_room(name_or_id)).id
        return self._remember((await self.request(rq.RoomJoin(id="", room=room))).room)

    async def decline_room(self, room: str) -> None:
        await self.request(rq.RoomDecline(id="", room=room))

    async def invite_to_room(self, room: str, username: str) -> rs.EventResult:
        return await self.request(rq.RoomInvite(id="", room=room, username=username))

    async def leave_room(self, room: str) -> rs.EventResult:
        result = await self.request(rq.RoomLeave(id="", room=room))
        self.store.timeline.forget_membership(room, self.username)
        return result

    async def remove_from_room(
        self, room: str, username: str, *, ban: bool = False
    ) -> rs.EventResult:
        return await self.request(rq.RoomRemove(id="", room=room, username=username, ban=ban))

    async def unban_from_room(self, room: str, username: str) -> rs.EventResult:
        return await self.request(rq.RoomUnban(id="", room=room, username=username))

    async def set_room_role(self, room: str, username: str, role: Role) -> rs.EventResult:
        """Promote or demote; ``owner`` hands the room over (I become an admin)."""
        return await self.request(rq.RoomSetRole(id="", room=room, username=username, role=role))

    async def update_room(
        self,
        room: str,
        *,
        name: str | None = None,
        topic: str | None = None,
        public: bool | None = None,
    ) -> rs.EventResult:
        req = rq.RoomUpdate(id="", room=room, name=name, topic=topic, public=public)
        return await self.request(req)

    def _remember(self, info: rs.RoomInfo) -> rs.RoomInfo:
        """Know the room by name at once, before its events arrive (``send #name`` next)."""
        timeline = self.store.timeline
        timeline.ensure_conversation(info.id, "room")
        timeline.update_room(
            info.id, RoomSettings(name=info.name, topic=info.topic, public=info.public)
        )
        return info
