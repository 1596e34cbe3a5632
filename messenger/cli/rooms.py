"""``messenger-cli room ...``, and ``#NAME`` as the target of ``send`` and ``history``."""

from __future__ import annotations

import argparse
from typing import Any

from messenger.cli.connection import sign_in_within
from messenger.cli.output import CliFailure, Exit, emit
from messenger.client import Client
from messenger.protocol.names import normalize_username
from messenger.protocol.rooms import normalize_room_name


def add_parsers(commands: Any) -> None:
    """The ``room`` subcommand and its actions (``commands``: argparse's subparsers)."""
    room = commands.add_parser("room", help="group rooms: create, invite, join, leave, members")
    actions = room.add_subparsers(dest="room_action", required=True, metavar="ACTION")
    create = actions.add_parser("create", help="create a room (private unless --public)")
    create.add_argument("name", metavar="NAME")
    create.add_argument("--public", action="store_true", help="listed, and anyone may join")
    create.add_argument("--topic", default="", help="a line about the room")
    invite = actions.add_parser("invite", help="invite a contact (admins and the owner)")
    invite.add_argument("name", metavar="NAME")
    # Not ``user``: that is the global --user, the account this runs as.
    invite.add_argument("invitee", metavar="USER")
    join = actions.add_parser("join", help="accept an invitation, or join a public room")
    join.add_argument("name", metavar="NAME")
    leave = actions.add_parser("leave", help="leave a room (an owner's passes to an admin)")
    leave.add_argument("name", metavar="NAME")
    members = actions.add_parser("members", help="members with roles and presence")
    members.add_argument("name", metavar="NAME")


def room_name(raw: str) -> str:
    name = normalize_room_name(raw)
    if name is None:
        raise CliFailure(Exit.USAGE, "usage", f"not a valid room name: {raw!r}")
    return name


async def room_target(client: Client, raw: str, password: str | None, within: float) -> str:
    """The id of room ``#NAME``: known here, else asked of the server (signing in)."""
    name = room_name(raw)
    known = client.room_id(name)
    if known is not None:
        return known
    await sign_in_within(client, password, within)
    return (await client.find_room(name)).id


async def room(args: argparse.Namespace, client: Client, password: str | None) -> None:
    name = room_name(args.name)
    await sign_in_within(client, password, args.timeout)
    action = args.room_action
    if action == "create":
        emit(await client.create_room(name, topic=args.topic, public=args.public))
        return
    if action == "join":
        emit(await client.join_room(name))
        return
    target = await client.find_room(name)
    if action == "invite":
        user = normalize_username(args.invitee)
        if user is None:
            raise CliFailure(Exit.USAGE, "usage", f"not a valid username: {args.invitee!r}")
        emit(await client.invite_to_room(target.id, user))
    elif action == "leave":
        emit(await client.leave_room(target.id))
    else:
        for member in await client.room_members(target.id):
            emit(member)
