"""ICE servers for calls: STUN as configured, TURN with time-limited REST-scheme credentials."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from signaling_server.config import TurnSettings
from signaling_server.turn import ice_servers
from tests.serverproc import ServerProcess
from tests.wire import Wire

Names = Callable[[str], str]

SECRET = "north-wind-7f3a"
TURN_URLS = ["turn:127.0.0.1:3478?transport=udp", "turns:turn.example.org:5349?transport=tcp"]
STUN_URLS = ["stun:127.0.0.1:3478"]


def _hmac_b64(secret: str, username: str) -> str:
    """What a TURN server with ``use-auth-secret`` expects as the password."""
    mac = hmac.new(secret.encode(), username.encode(), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode()


def test_credentials_follow_the_turn_rest_scheme() -> None:
    """The username is '<expiry>:<user>' and the password base64(HMAC-SHA1(secret, username))."""
    settings = TurnSettings(urls=TURN_URLS, secret=SECRET, ttl_seconds=600, stun_urls=STUN_URLS)
    result = ice_servers(settings, "alice", now=1_700_000_000.9)
    stun, turn = result.servers
    assert stun.urls == STUN_URLS and stun.username is None and stun.credential is None
    assert turn.urls == TURN_URLS
    assert turn.username == "1700000600:alice"
    assert turn.credential == _hmac_b64(SECRET, "1700000600:alice")
    assert result.expires_at == 1_700_000_600
    other = ice_servers(settings, "bob", now=1_700_000_000.9).servers[1]
    assert other.credential != turn.credential  # each user gets their own


def test_without_turn_only_stun_is_offered() -> None:
    """No TURN configured: the STUN servers alone (maybe none), and nothing expires."""
    only_stun = ice_servers(TurnSettings(stun_urls=STUN_URLS), "alice", now=1.0)
    assert [s.urls for s in only_stun.servers] == [STUN_URLS]
    assert only_stun.expires_at is None
    nothing = ice_servers(TurnSettings(), "alice", now=1.0)
    assert (nothing.servers, nothing.expires_at) == ([], None)


async def test_server_hands_out_fresh_credentials(tmp_path: Path, name: Names) -> None:
    """Configured through the environment, the server gives a signed-in user TURN credentials
    that verify against the shared secret and expire after the configured time; anonymous
    connections get none."""
    proc = ServerProcess(
        tmp_path / "srv",
        env={
            "MESSENGER_TURN__URLS": json.dumps(TURN_URLS),
            "MESSENGER_TURN__STUN_URLS": json.dumps(STUN_URLS),
            "MESSENGER_TURN__SECRET": SECRET,
            "MESSENGER_TURN__TTL_SECONDS": "900",
        },
    )
    proc.start()
    try:
        anonymous = await Wire.connect(proc.url)
        assert (await anonymous.request("ice_servers"))["code"] == "not_authenticated"
        await anonymous.close()
        user = await Wire.user(proc.url, name("turn"))
        before = time.time()
        result = await user.call("ice_servers")
        after = time.time()
        stun, turn = result["servers"]
        assert stun == {"urls": STUN_URLS, "username": None, "credential": None}
        assert turn["urls"] == TURN_URLS
        expiry, _, who = turn["username"].partition(":")
        assert who == user.username
        assert int(expiry) == result["expires_at"]
        assert int(before) + 900 <= result["expires_at"] <= after + 900
        assert turn["credential"] == _hmac_b64(SECRET, turn["username"])
        assert turn["credential"] != _hmac_b64("another secret", turn["username"])
        await user.close()
    finally:
        proc.stop()


def _refused(tmp_path: Path, config: str) -> str:
    cfg = tmp_path / "server.toml"
    cfg.write_text(config)
    out = subprocess.run(
        [sys.executable, "-m", "signaling_server", "--config", str(cfg), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert out.returncode == 2, out.stderr
    return out.stderr


def test_unusable_turn_settings_stop_the_server(tmp_path: Path) -> None:
    """TURN servers without a secret, or a URL of the wrong scheme, are refused at start."""
    assert "turn.secret" in _refused(tmp_path, '[turn]\nurls = ["turn:127.0.0.1:3478"]\n')
    assert "turn" in _refused(tmp_path, '[turn]\nurls = ["http://x"]\nsecret = "s"\n')
    assert "turn" in _refused(tmp_path, '[turn]\nstun_urls = ["turn:x"]\n')
    assert "calls" in _refused(tmp_path, "[calls]\nring_timeout_seconds = 0\n")
