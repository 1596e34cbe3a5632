"""Calls in the desktop app: the call window, the incoming-call window, and one controller per
account that owns the call engine (``messenger.calls.CallManager``) and wires it to the windows,
the ringtone and the tray. Loaded at sign-in; the engine's media stack loads with the first call.
"""
