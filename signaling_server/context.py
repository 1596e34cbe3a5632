"""The services a handler works with, passed in explicitly (no globals)."""

from __future__ import annotations

from dataclasses import dataclass

from signaling_server.broker.base import Broker
from signaling_server.call_registry import CallRegistry
from signaling_server.config import Settings
from signaling_server.credentials import Passwords
from signaling_server.hub import Hub
from signaling_server.presence import PresenceTracker
from signaling_server.ratelimit import LoginThrottle
from signaling_server.storage.base import Storage


@dataclass(slots=True)
class ServerContext:
    settings: Settings
    storage: Storage
    broker: Broker
    hub: Hub
    presence: PresenceTracker
    passwords: Passwords
    account_throttle: LoginThrottle
    address_throttle: LoginThrottle
    calls: CallRegistry
