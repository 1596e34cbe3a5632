"""Voice and video calls on aiortc, Qt-free: state machine, peer connection, media plumbing.

Start with ``CallManager`` (``messenger.calls.manager``): it places and receives one
account's calls through its ``Client``. The UI implements ``DeviceProvider``, ``MediaSource``
and ``FrameSink`` (``messenger.calls.media``); ``messenger.calls.synthetic`` has a test tone
and a test pattern for machines without devices. Importing this package, the manager or the
state machine loads neither aiortc nor PyAV: they load when a call first sets up media.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from messenger.calls.state import CallEnd, CallState, EndReason

if TYPE_CHECKING:
    from messenger.calls.call import Call
    from messenger.calls.manager import CallError, CallManager, CallOptions
    from messenger.calls.stats import CallQuality

_LAZY = {
    "Call": "messenger.calls.call",
    "CallError": "messenger.calls.manager",
    "CallManager": "messenger.calls.manager",
    "CallOptions": "messenger.calls.manager",
    "CallQuality": "messenger.calls.stats",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'messenger.calls' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)


__all__ = [
    "Call",
    "CallEnd",
    "CallError",
    "CallManager",
    "CallOptions",
    "CallQuality",
    "CallState",
    "EndReason",
]
