"""Desktop notifications: the balloon and freedesktop backends, clicks, do-not-disturb, sounds."""

from __future__ import annotations

import contextlib
import time
import wave
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

from jeepney import Message  # type: ignore[import-untyped]
from PySide6.QtWidgets import QApplication

from messenger.account.notify_policy import NotificationContext, decide_notification
from messenger.account.preferences import Preferences
from messenger.protocol.events import MessageEvent
from messenger.resources import resource_path
from messenger.ui.freedesktop import PATH, SERVICE
from messenger.ui.notifier import BALLOON, FREEDESKTOP, NONE, STARTING, Notifier
from messenger.ui.session import AccountSession
from messenger.ui.sounds import Sounds
from messenger.ui.tray import TrayController
from tests.clientkit import eventually
from tests.ui.conftest import SessionFactory
from tests.ui.private_bus import (
    FakeService,
    Reply,
    ServiceError,
    private_bus,
    serving,
    signature_of,
)

PROPERTIES = "org.freedesktop.DBus.Properties"


class NotificationDaemon:
    """The freedesktop notification service, as far as the app uses it."""

    def __init__(
        self, capabilities: tuple[str, ...], inhibited: bool | None = None, broken: bool = False
    ) -> None:
        self.capabilities = list(capabilities)
        self.inhibited = inhibited
        self.broken = broken  # answers every Notify with an error
        self.next_id = 0

    def handlers(self) -> dict[tuple[str, str], Callable[[Message], Reply]]:
        return {
            (SERVICE, "GetCapabilities"): lambda _: ("as", (self.capabilities,)),
            (SERVICE, "Notify"): self.notify,
            (SERVICE, "CloseNotification"): lambda _: (None, ()),
            (PROPERTIES, "Get"): self.get,
        }

    def notify(self, call: Message) -> Reply:
        if self.broken:
            raise ServiceError("org.freedesktop.DBus.Error.Failed", "the shell is restarting")
        replaces = call.body[1]
        if not replaces:
            self.next_id += 1
        return ("u", (replaces or self.next_id,))

    def get(self, call: Message) -> Reply:
        if call.body != (SERVICE, "Inhibited") or self.inhibited is None:
            raise ServiceError("org.freedesktop.DBus.Error.UnknownProperty", "no such property")
        return ("v", (("b", self.inhibited),))


@contextlib.asynccontextmanager
async def running(notifier: Notifier) -> AsyncIterator[Notifier]:
    try:
        yield notifier
    finally:
        await notifier.close()


def notify_args(call: Message) -> dict[str, object]:
    app, replaces, icon, title, body, actions, hints, timeout = call.body
    return {"app": app, "replaces": replaces, "title": title, "body": body, "actions": actions,
            "hints": hints, "timeout": timeout, "icon": icon}  # fmt: skip


async def test_balloon_shows_and_its_click_opens_that_chat(qapp: QApplication) -> None:
    """Without a notification service the tray balloon shows it; clicking opens the chat."""
    tray = TrayController(available=True)
    notifier = Notifier(tray, use_dbus=False)
    other = Notifier(tray, use_dbus=False)  # a second account sharing the tray
    opened: list[str] = []
    others: list[str] = []
    notifier.activated.connect(opened.append)
    other.activated.connect(others.append)
    assert notifier.backend == BALLOON

    notifier.notify("Alice", "lunch?", "dm:alice:bob")
    tray.system_tray_icon.messageClicked.emit()

    assert [(n.title, n.body, n.backend) for n in notifier.raised] == [("Alice", "lunch?", BALLOON)]
    assert opened == ["dm:alice:bob"]
    assert others == []


async def test_no_tray_and_no_service_still_records(qapp: QApplication) -> None:
    """With neither tray nor service nothing is shown, but the notification is still recorded."""
    notifier = Notifier(TrayController(available=False), use_dbus=False)
    notifier.notify("Alice", "hi", "dm:alice:bob", sound=False)
    assert notifier.backend == NONE
    assert [(n.title, n.sound) for n in notifier.raised] == [("Alice", False)]


@contextlib.asynccontextmanager
async def desktop(tmp_path: Path, daemon: NotificationDaemon | None) -> AsyncIterator[Desktop]:
    """A private session bus, with the notification daemon on it unless ``daemon`` is None."""
    with private_bus(tmp_path) as address:
        if daemon is None:
            yield Desktop(address, None)
            return
        async with serving(FakeService(address, SERVICE, daemon.handlers())) as service:
            yield Desktop(address, service)


@dataclass
class Desktop:
    address: str
    service: FakeService | None

    def notify_calls(self) -> list[dict[str, object]]:
        assert self.service is not None
        return [notify_args(c) for c in self.service.calls_to("Notify")]


async def test_freedesktop_notify_updates_and_opens_on_click(
    qapp: QApplication, tmp_path: Path
) -> None:
    """Notify carries title, escaped body and actions; a burst updates one; a click opens it."""
    daemon = NotificationDaemon(("actions", "body", "body-markup"))
    async with (
        desktop(tmp_path, daemon) as bus,
        running(Notifier(dbus_address=bus.address, desktop_entry="messenger")) as notifier,
    ):
        assert bus.service is not None
        opened: list[str] = []
        notifier.activated.connect(opened.append)
        await eventually(lambda: notifier.backend != STARTING)
        assert notifier.backend == FREEDESKTOP

        notifier.notify("Alice", "1 < 2 & so on", "dm:alice:bob")
        notifier.notify("Alice", "second", "dm:alice:bob")
        notifier.notify("Carol", "hey", "dm:bob:carol")
        await eventually(lambda: len(bus.notify_calls()) == 3)

        signatures = {signature_of(c) for c in bus.service.calls_to("Notify")}
        assert signatures == {"susssasa{sv}i"}
        first, second, third = bus.notify_calls()
        assert (first["app"], first["title"]) == ("Messenger", "Alice")
        assert first["body"] == "1 &lt; 2 &amp; so on"
        assert (first["replaces"], second["replaces"], third["replaces"]) == (0, 1, 0)
        assert first["actions"] == ["default", "Open", "open", "Open"]
        hints = first["hints"]
        assert isinstance(hints, dict)
        assert hints["category"] == ("s", "im.received")
        assert hints["desktop-entry"] == ("s", "messenger")
        assert hints["suppress-sound"] == ("b", True)
        assert hints["image-data"][0] == "(iiibiiay)"

        await bus.service.emit(PATH, SERVICE, "ActionInvoked", "us", 2, "default")
        await eventually(lambda: opened == ["dm:bob:carol"])
        await bus.service.emit(PATH, SERVICE, "NotificationClosed", "uu", 1, 2)
        # Signals arrive in order: once this click is seen, the close before it was too.
        await bus.service.emit(PATH, SERVICE, "ActionInvoked", "us", 2, "open")
        await eventually(lambda: len(opened) == 2)
        notifier.notify("Alice", "third", "dm:alice:bob")
        await eventually(lambda: len(bus.notify_calls()) == 4)
        assert bus.notify_calls()[-1]["replaces"] == 0
    assert [n.backend for n in notifier.raised] == [FREEDESKTOP] * 4


async def test_freedesktop_without_markup_or_actions_sends_plain(
    qapp: QApplication, tmp_path: Path
) -> None:
    """A minimal service gets the body as typed and no actions, even sent while still starting."""
    async with (
        desktop(tmp_path, NotificationDaemon(("body",))) as bus,
        running(Notifier(dbus_address=bus.address)) as notifier,
    ):
        assert notifier.backend == STARTING
        notifier.notify("Alice", "<b>not bold</b>", "dm:alice:bob")
        await eventually(lambda: len(bus.notify_calls()) == 1)
        assert notifier.backend == FREEDESKTOP
        args = bus.notify_calls()[0]
        assert (args["body"], args["actions"]) == ("<b>not bold</b>", [])


async def test_desktop_do_not_disturb_is_read_and_followed(
    qapp: QApplication, tmp_path: Path
) -> None:
    """The service's Inhibited property is do-not-disturb, read at start and as it changes."""
    async with (
        desktop(tmp_path, NotificationDaemon(("body",), inhibited=True)) as bus,
        running(Notifier(dbus_address=bus.address)) as notifier,
    ):
        assert bus.service is not None
        await eventually(lambda: notifier.backend == FREEDESKTOP)
        assert notifier.desktop_dnd()
        await bus.service.emit(
            PATH, PROPERTIES, "PropertiesChanged", "sa{sv}as",
            SERVICE, {"Inhibited": ("b", False)}, [],
        )  # fmt: skip
        await eventually(lambda: not notifier.desktop_dnd())


async def test_a_refused_notification_shows_in_the_tray_instead(
    qapp: QApplication, tmp_path: Path
) -> None:
    """When the service refuses a notification, the tray balloon shows it and opens the chat."""
    tray = TrayController(available=True)
    async with (
        desktop(tmp_path, NotificationDaemon(("body",), broken=True)) as bus,
        running(Notifier(tray, dbus_address=bus.address)) as notifier,
    ):
        opened: list[str] = []
        notifier.activated.connect(opened.append)
        await eventually(lambda: notifier.backend == FREEDESKTOP)
        notifier.notify("Alice", "hi", "dm:alice:bob")

        def click_balloon() -> bool:
            tray.system_tray_icon.messageClicked.emit()
            return opened == ["dm:alice:bob"]

        await eventually(click_balloon)
        assert notifier.backend == FREEDESKTOP  # the next one tries the service again


async def test_bus_without_notification_service_falls_back(
    qapp: QApplication, tmp_path: Path
) -> None:
    """A session bus with no notification service leaves the tray balloon in charge."""
    tray = TrayController(available=True)
    async with (
        desktop(tmp_path, None) as bus,
        running(Notifier(tray, dbus_address=bus.address)) as notifier,
    ):
        await eventually(lambda: notifier.backend != STARTING)
        assert notifier.backend == BALLOON
        assert not notifier.desktop_dnd()


async def test_message_in_background_chat_notifies_but_not_when_busy(
    sessions: SessionFactory, name: Callable[[str], str]
) -> None:
    """A message from a contact raises a notification with name and text; busy raises none."""
    alice = await sessions(name("alice"))
    bob = await sessions(name("bob"), contacts=(alice,))
    await alice.set_profile(display_name="Alice Liddell")
    await eventually(lambda: bob.name_of(alice.username) == "Alice Liddell")
    notifier = Notifier(use_dbus=False)
    received: list[MessageEvent] = []

    def on_message(event: MessageEvent) -> None:
        received.append(event)
        note = decide_notification(
            event, context(bob), Preferences(), sender_name=bob.name_of(event.sender)
        )
        if note is not None:
            notifier.show(note)

    bob.message_received.connect(on_message)
    conversation = alice.conversation_with(bob.username)
    alice.send_text(conversation, "are you there?")
    await eventually(lambda: len(received) == 1)
    assert [(n.title, n.body, n.conversation) for n in notifier.raised] == [
        ("Alice Liddell", "are you there?", conversation)
    ]

    bob.set_presence("busy")
    alice.send_text(conversation, "hello?")
    await eventually(lambda: len(received) == 2)
    assert len(notifier.raised) == 1


def context(session: AccountSession) -> NotificationContext:
    return NotificationContext(
        own_username=session.username,
        own_status=session.status,
        open_conversation=None,
        window_active=False,
        desktop_dnd=False,
        now=time.time(),
    )


async def test_sounds_ship_small_and_play_or_skip_quietly(qapp: QApplication) -> None:
    """The chime and ring are short WAVs under 60 KB; playing without a speaker is no error."""
    for name in ("message", "ring"):
        path = resource_path("sounds", f"{name}.wav")
        assert path.stat().st_size < 60_000
        with wave.open(str(path)) as sound:
            assert 0.2 < sound.getnframes() / sound.getframerate() < 2.0
    sounds = Sounds()
    assert sounds.play("message") == sounds.has_output()
    assert not sounds.play("message")  # a burst chimes once
    sounds.stop_ring()
