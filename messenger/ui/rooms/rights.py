"""What a room member may do to another, as the server's rules (protocol §19.2) allow.

The UI offers only these, so a person never picks an action the server would refuse; the
server still decides, and a refusal (a role changed meanwhile) is shown in words.
"""

from __future__ import annotations

from typing import Literal

MemberAction = Literal["promote", "demote", "hand_over", "remove", "ban"]

ROLE_LABELS = {"owner": "Owner", "admin": "Admin", "member": "Member"}

ACTION_LABELS: dict[MemberAction, str] = {
    "promote": "Make admin",
    "demote": "Make member",
    "hand_over": "Make owner…",
    "remove": "Remove from room…",
    "ban": "Ban from room…",
}


def can_manage(role: str | None) -> bool:
    """Invite, rename, change the topic and visibility: owners and admins."""
    return role in ("owner", "admin")


def member_actions(mine: str | None, theirs: str, *, is_self: bool) -> list[MemberAction]:
    """The actions ``mine`` (my role) may take on a member with role ``theirs``, menu order.

    An admin acts on members only; the owner on everyone; nobody on themselves (leaving is
    its own action).
    """
    if is_self or mine not in ("owner", "admin"):
        return []
    if mine == "admin" and theirs != "member":
        return []
    actions: list[MemberAction] = []
    if theirs == "member":
        actions.append("promote")
    if mine == "owner" and theirs == "admin":
        actions.append("demote")
    if mine == "owner":
        actions.append("hand_over")
    actions += ["remove", "ban"]
    return actions
