"""The tray notification of a ringing call: its answers on the desktop, and the tray balloon
where there is no notification service."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QApplication

from messenger.ui.freedesktop import PATH, SERVICE
from messenger.ui.notifier import BALLOON, FREEDESKTOP, Notifier
from messenger.ui.tray import TrayController
from tests.clientkit import eventually
from tests.ui.test_notifier import NotificationDaemon, desktop, running


async def test_ringing_call_notification_offers_answers_until_withdrawn(
    qapp: QApplication, tmp_path: Path
) -> None:
    """The notification stays up with Answer, Answer with video and Decline; a button pressed
    comes back with the call it belongs to; withdrawing closes it."""
    daemon = NotificationDaemon(("actions", "body"))
    async with (
        desktop(tmp_path, daemon) as bus,
        running(Notifier(dbus_address=bus.address, desktop_entry="messenger")) as notifier,
    ):
        assert bus.service is not None
        picked: list[tuple[str, str]] = []
        opened: list[str] = []
        notifier.call_action.connect(lambda call, action: picked.append((call, action)))
        notifier.activated.connect(opened.append)
        await eventually(lambda: notifier.backend == FREEDESKTOP)

        notifier.notify_call("call-1", "Alice", "Video call from Alice")
        await eventually(lambda: len(bus.notify_calls()) == 1)
        args = bus.notify_calls()[0]
        assert (args["title"], args["body"], args["timeout"]) == (
            "Alice",
            "Video call from Alice",
            0,
        )
        assert args["actions"] == [
            "default", "Open", "voice", "Answer",
            "video", "Answer with video", "decline", "Decline",
        ]  # fmt: skip
        hints = args["hints"]
        assert isinstance(hints, dict)
        assert hints["urgency"] == ("y", 2) and hints["suppress-sound"] == ("b", True)
        assert [(n.call_id, n.backend) for n in notifier.raised] == [("call-1", FREEDESKTOP)]

        await bus.service.emit(PATH, SERVICE, "ActionInvoked", "us", 1, "video")
        await bus.service.emit(PATH, SERVICE, "ActionInvoked", "us", 1, "bogus")
        await bus.service.emit(PATH, SERVICE, "ActionInvoked", "us", 1, "decline")
        await eventually(lambda: len(picked) == 2)
        assert picked == [("call-1", "video"), ("call-1", "decline")] and opened == []

        notifier.withdraw_call("call-1")
        await eventually(lambda: len(bus.service.calls_to("CloseNotification")) == 1)
        assert bus.service.calls_to("CloseNotification")[0].body == (1,)
        await bus.service.emit(PATH, SERVICE, "ActionInvoked", "us", 1, "voice")
        notifier.notify("Bob", "hi", "dm:alice:bob")  # a later message still opens its chat
        await eventually(lambda: len(bus.notify_calls()) == 2)
        await bus.service.emit(PATH, SERVICE, "ActionInvoked", "us", 2, "default")
        await eventually(lambda: opened == ["dm:alice:bob"])
        assert len(picked) == 2  # the withdrawn call's button did nothing


async def test_ringing_call_in_the_tray_balloon_opens_its_window(qapp: QApplication) -> None:
    """Without a notification service the balloon tells of the call; clicking it asks to
    show the incoming-call window, and a later message balloon opens its chat again."""
    tray = TrayController(available=True)
    notifier = Notifier(tray, use_dbus=False)
    picked: list[tuple[str, str]] = []
    opened: list[str] = []
    notifier.call_action.connect(lambda call, action: picked.append((call, action)))
    notifier.activated.connect(opened.append)
    assert notifier.backend == BALLOON
    notifier.notify_call("call-2", "Alice", "Voice call from Alice")
    tray.system_tray_icon.messageClicked.emit()
    assert picked == [("call-2", "default")] and opened == []
    notifier.notify("Alice", "hello", "dm:alice:bob")
    tray.system_tray_icon.messageClicked.emit()
    assert opened == ["dm:alice:bob"] and len(picked) == 1
