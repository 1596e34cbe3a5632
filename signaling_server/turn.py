"""Time-limited TURN credentials (the TURN REST API scheme coturn implements).

Why this scheme: the TURN server and this server share one secret and never talk to each
other. A client gets a username that carries its own expiry and a password derived from
it, so a leaked credential stops working by itself and the secret never leaves the
servers. coturn checks it with ``--use-auth-secret --static-auth-secret=<secret>``.
See draft-uberti-behave-turn-rest-00, section 2.2.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math

from messenger.protocol import results as rs
from signaling_server.config import TurnSettings


def turn_credential(secret: str, username: str) -> str:
    """base64(HMAC-SHA1(secret, username)): the password the TURN server recomputes."""
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def ice_servers(settings: TurnSettings, user: str, now: float) -> rs.IceServersResult:
    """The STUN servers as they are and the TURN servers with credentials for ``user``.

    The TURN username is ``"<expiry>:<user>"`` with the expiry in Unix seconds, which is
    how the TURN server knows when to stop accepting it.
    """
    servers: list[rs.IceServer] = []
    if settings.stun_urls:
        servers.append(rs.IceServer(urls=list(settings.stun_urls)))
    if not settings.urls:
        return rs.IceServersResult(servers=servers)
    expiry = math.floor(now) + settings.ttl_seconds
    username = f"{expiry}:{user}"
    servers.append(
        rs.IceServer(
            urls=list(settings.urls),
            username=username,
            credential=turn_credential(settings.secret, username),
        )
    )
    return rs.IceServersResult(servers=servers, expires_at=float(expiry))
