"""Desktop notifications through the freedesktop notification service (Linux and BSD desktops).

Notifications sent here show in the desktop's notification centre, with an
"Open" action; clicking one reports its conversation with ``activated``. An incoming call's
notification offers answering and declining, reported with ``call_action``. The
desktop's own do-not-disturb is read where it is published: the ``Inhibited``
property of the notification service (KDE Plasma and others) and GNOME's
"show banners" setting through the settings portal.

The D-Bus client is jeepney on the app's asyncio loop rather than QtDBus:
PySide6 cannot send an unsigned integer, and ``Notify`` takes its ``replaces_id``
(and ``CloseNotification`` its id) as one; a notification service checks the
signature and refuses anything else.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
from typing import Any

from jeepney import (  # type: ignore[import-untyped]
    DBusAddress,
    HeaderFields,
    MatchRule,
    Message,
    message_bus,
    new_method_call,
)
from jeepney.io.asyncio import DBusRouter, open_dbus_connection  # type: ignore[import-untyped]
from jeepney.io.common import RouterClosed  # type: ignore[import-untyped]
from jeepney.wrappers import DBusErrorResponse, unwrap_msg  # type: ignore[import-untyped]
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

log = logging.getLogger(__name__)

SERVICE = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"
NOTIFICATIONS = DBusAddress(PATH, bus_name=SERVICE, interface=SERVICE)
PROPERTIES = DBusAddress(PATH, bus_name=SERVICE, interface="org.freedesktop.DBus.Properties")
PORTAL_SETTINGS = DBusAddress(
    "/org/freedesktop/portal/desktop",
    bus_name="org.freedesktop.portal.Desktop",
    interface="org.freedesktop.portal.Settings",
)
GNOME_NOTIFICATIONS = "org.gnome.desktop.notifications"
BANNERS_SETTING = (GNOME_NOTIFICATIONS, "show-banners")

CALL_TIMEOUT = 5.0  # a service started on demand by the bus may take a moment
OPEN_ACTIONS = ("default", "open")
# An incoming call's buttons: action key and label (the default action opens its window).
CALL_ACTIONS = (
    ("default", "Open"),
    ("voice", "Answer"),
    ("video", "Answer with video"),
    ("decline", "Decline"),
)
CRITICAL = 2  # the urgency that keeps a notification on screen until it is dealt with

# The connection to the bus is gone: nothing more will get through it.
ConnectionLost = (OSError, EOFError, RouterClosed)
# Errors that mean "no usable notification service here", not bugs.
DBusUnavailable = (
    *ConnectionLost,
    KeyError,  # no DBUS_SESSION_BUS_ADDRESS
    RuntimeError,  # an address with no transport jeepney speaks
    ValueError,
    TimeoutError,
    DBusErrorResponse,  # the service answered with an error, or there is no service
)


class FreedesktopNotifications(QObject):
    """One connection to the session bus's notification service."""

    activated = Signal(str)  # conversation of a notification the user clicked
    call_action = Signal(str, str)  # call id, action: default, voice, video or decline

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        app_name: str = "Messenger",
        icon: QImage | None = None,
        desktop_entry: str = "",
        bus: str = "SESSION",
    ) -> None:
        """``icon`` is sent as the picture of each notification (in the ``image-data`` hint,
        so no file is needed); ``bus`` is a D-Bus address or "SESSION"."""
        super().__init__(parent)
        self._app_name = app_name
        self._image = _image_data(icon) if icon is not None else None
        self._desktop_entry = desktop_entry
        self._bus = bus
        self._router: Any = None
        self._connection: Any = None
        self._listener: asyncio.Task[None] | None = None
        self._filter: Any = None
        # One Notify at a time, so a burst from one chat replaces its notification
        # instead of racing the answer that says which notification that is.
        self._sending = asyncio.Lock()
        self.capabilities: set[str] = set()
        self._ids: dict[str, int] = {}  # conversation -> its notification on screen
        self._conversations: dict[int, str] = {}
        self._calls: dict[int, str] = {}  # notification id -> call id, while it rings
        self._inhibited = False
        self._banners_off = False

    @property
    def dnd(self) -> bool:
        """The desktop's do-not-disturb, as far as it can be read."""
        return self._inhibited or self._banners_off

    async def start(self) -> bool:
        """Connect and check that a notification service answers; False if there is none."""
        try:
            self._connection = await asyncio.wait_for(open_dbus_connection(self._bus), CALL_TIMEOUT)
        except DBusUnavailable as exc:
            log.info("no D-Bus session bus for notifications (%s)", exc)
            return False
        self._router = DBusRouter(self._connection)
        # Filter first, then subscribe: no signal can slip between the two.
        signals: asyncio.Queue[Message] = asyncio.Queue()
        self._filter = self._router.filter(MatchRule(type="signal"), queue=signals)
        try:
            for rule in _subscriptions():
                await self._call(message_bus.AddMatch(rule))
            reply = await self._call(new_method_call(NOTIFICATIONS, "GetCapabilities"))
        except DBusUnavailable as exc:
            log.info("no notification service on the session bus (%s)", exc)
            await self.close()
            return False
        self.capabilities = set(reply[0])
        self._listener = asyncio.ensure_future(self._listen(signals))
        await asyncio.gather(self._read_inhibited(), self._read_gnome_banners())
        log.info("notifications through %s (%s)", SERVICE, ", ".join(sorted(self.capabilities)))
        return True

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
            self._listener = None
        if self._filter is not None:
            self._filter.close()
            self._filter = None
        if self._router is not None:
            with contextlib.suppress(*ConnectionLost):  # re-raised from a dead receiver
                await self._router.__aexit__(None, None, None)
            self._router = None
        if self._connection is not None:
            with contextlib.suppress(OSError):
                await self._connection.close()
            self._connection = None

    async def notify(self, title: str, body: str, conversation: str) -> None:
        """Show (or update, for a conversation already on screen) one notification.

        Raises one of ``DBusUnavailable`` when the service cannot be reached.
        """
        if "body-markup" in self.capabilities:
            body = html.escape(body, quote=False)  # the message is text, never markup
        actions = ["default", "Open", "open", "Open"] if "actions" in self.capabilities else []
        hints: dict[str, tuple[str, Any]] = {
            "category": ("s", "im.received"),
            # The app plays its own sound (and knows when not to): no second one.
            "suppress-sound": ("b", True),
        }
        if self._desktop_entry:
            hints["desktop-entry"] = ("s", self._desktop_entry)
        if self._image is not None:
            hints["image-data"] = ("(iiibiiay)", self._image)
        async with self._sending:
            replaces = self._ids.get(conversation, 0)
            message = new_method_call(
                NOTIFICATIONS,
                "Notify",
                "susssasa{sv}i",
                (self._app_name, replaces, "", title, body, actions, hints, -1),
            )
            (notification_id,) = await self._call(message)
            self._forget(replaces)
            self._ids[conversation] = notification_id
            self._conversations[notification_id] = conversation

    async def notify_call(self, call_id: str, title: str, body: str) -> None:
        """Show a ringing call with its answers; it stays until ``withdraw_call``.

        Raises one of ``DBusUnavailable`` when the service cannot be reached.
        """
        if "body-markup" in self.capabilities:
            body = html.escape(body, quote=False)
        actions = (
            [word for pair in CALL_ACTIONS for word in pair]
            if "actions" in self.capabilities
            else []
        )
        hints: dict[str, tuple[str, Any]] = {
            "category": ("s", "call.incoming"),
            "urgency": ("y", CRITICAL),
            "suppress-sound": ("b", True),  # the app rings itself, until the call is answered
        }
        if self._desktop_entry:
            hints["desktop-entry"] = ("s", self._desktop_entry)
        if self._image is not None:
            hints["image-data"] = ("(iiibiiay)", self._image)
        message = new_method_call(
            NOTIFICATIONS,
            "Notify",
            "susssasa{sv}i",
            (self._app_name, 0, "", title, body, actions, hints, 0),  # 0: never expires
        )
        async with self._sending:
            (notification_id,) = await self._call(message)
            self._calls[notification_id] = call_id

    async def withdraw_call(self, call_id: str) -> None:
        """The call stopped ringing: its notification goes."""
        ids = [n for n, c in self._calls.items() if c == call_id]
        for notification_id in ids:
            del self._calls[notification_id]
            if self._router is not None:
                with contextlib.suppress(*DBusUnavailable):
                    await self._call(
                        new_method_call(NOTIFICATIONS, "CloseNotification", "u", (notification_id,))
                    )

    async def withdraw(self, conversation: str) -> None:
        """Take a conversation's notification off the screen (its chat was opened)."""
        notification_id = self._ids.pop(conversation, None)
        if notification_id is None or self._router is None:
            return
        self._conversations.pop(notification_id, None)
        with contextlib.suppress(*DBusUnavailable):
            await self._call(
                new_method_call(NOTIFICATIONS, "CloseNotification", "u", (notification_id,))
            )

    # --- internals ---------------------------------------------------------------------

    async def _call(self, message: Message) -> Any:
        if self._router is None:
            raise RuntimeError("not connected to the notification service")
        reply = await asyncio.wait_for(self._router.send_and_get_reply(message), CALL_TIMEOUT)
        return unwrap_msg(reply)

    def _forget(self, notification_id: int) -> None:
        conversation = self._conversations.pop(notification_id, None)
        if conversation is not None and self._ids.get(conversation) == notification_id:
            del self._ids[conversation]

    async def _listen(self, signals: asyncio.Queue[Message]) -> None:
        while True:
            message = await signals.get()
            try:
                self._on_signal(message)
            except (ValueError, TypeError, IndexError) as exc:
                log.warning("ignored a malformed D-Bus signal (%s)", exc)

    def _on_signal(self, message: Message) -> None:
        fields = message.header.fields
        interface = fields.get(HeaderFields.interface)
        member = fields.get(HeaderFields.member)
        body = message.body
        if interface == SERVICE and member == "ActionInvoked":
            notification_id, action = body
            conversation = self._conversations.get(notification_id)
            call_id = self._calls.get(notification_id)
            if conversation is not None and action in OPEN_ACTIONS:
                self.activated.emit(conversation)
            elif call_id is not None and action in {key for key, _label in CALL_ACTIONS}:
                self.call_action.emit(call_id, action)
        elif interface == SERVICE and member == "NotificationClosed":
            self._forget(body[0])
            self._calls.pop(body[0], None)
        elif member == "PropertiesChanged" and body[0] == SERVICE and "Inhibited" in body[1]:
            self._set_dnd(inhibited=bool(_unwrap(body[1]["Inhibited"])))
        elif member == "SettingChanged" and tuple(body[:2]) == (
            GNOME_NOTIFICATIONS,
            "show-banners",
        ):
            self._set_dnd(banners_off=not _unwrap(body[2]))
        elif member == "NameOwnerChanged" and body[0] == SERVICE:
            # A restarted service numbers its notifications afresh: ours are gone.
            self._ids.clear()
            self._conversations.clear()
            self._calls.clear()

    def _set_dnd(self, *, inhibited: bool | None = None, banners_off: bool | None = None) -> None:
        before = self.dnd
        if inhibited is not None:
            self._inhibited = inhibited
        if banners_off is not None:
            self._banners_off = banners_off
        if self.dnd != before:
            log.info("desktop do-not-disturb %s", "on" if self.dnd else "off")

    async def _read_inhibited(self) -> None:
        get = new_method_call(PROPERTIES, "Get", "ss", (SERVICE, "Inhibited"))
        try:
            (value,) = await self._call(get)
        except DBusUnavailable:
            return  # not published by this service
        self._set_dnd(inhibited=bool(_unwrap(value)))

    async def _read_gnome_banners(self) -> None:
        read = new_method_call(PORTAL_SETTINGS, "Read", "ss", BANNERS_SETTING)
        try:
            (value,) = await self._call(read)
        except DBusUnavailable:
            return  # not GNOME, or no settings portal
        self._set_dnd(banners_off=not _unwrap(value))


def _subscriptions() -> list[MatchRule]:
    """The signals to receive: the service's own, its DND property, GNOME's setting, restarts."""
    own = MatchRule(type="signal", sender=SERVICE, interface=SERVICE, path=PATH)
    properties = MatchRule(
        type="signal",
        sender=SERVICE,
        interface="org.freedesktop.DBus.Properties",
        member="PropertiesChanged",
        path=PATH,
    )
    setting = MatchRule(
        type="signal",
        interface="org.freedesktop.portal.Settings",
        member="SettingChanged",
        path="/org/freedesktop/portal/desktop",
    )
    setting.add_arg_condition(0, GNOME_NOTIFICATIONS)
    owner = MatchRule(
        type="signal",
        sender="org.freedesktop.DBus",
        interface="org.freedesktop.DBus",
        member="NameOwnerChanged",
    )
    owner.add_arg_condition(0, SERVICE)
    return [own, properties, setting, owner]


def _unwrap(value: Any) -> Any:
    """The value inside D-Bus variants (jeepney gives a variant as (signature, value))."""
    while isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], str):
        value = value[1]
    return value


def _image_data(image: QImage) -> tuple[int, int, int, bool, int, int, bytes]:
    """An image as the ``image-data`` hint wants it: width, height, stride, alpha, 8 bits, RGBA."""
    rgba = image.convertToFormat(QImage.Format.Format_RGBA8888)
    data = bytes(rgba.constBits())[: rgba.sizeInBytes()]
    return (rgba.width(), rgba.height(), rgba.bytesPerLine(), True, 8, 4, data)
