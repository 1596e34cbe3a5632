"""Qt Multimedia adapters for calls: the devices, the camera and microphone as the call engine's
media sources, and remote media drawn and played. The engine (``messenger.calls``) defines the
source and sink interfaces and never imports Qt; this package implements them.

Nothing here is imported at start-up: the account's call controller loads it with the first call.
"""
