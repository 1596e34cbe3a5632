"""The call windows and the words they use: the incoming-call window's answers, the call
window's controls and quality indicator, the chat header's call buttons, and the sentences
for states, endings and history entries."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

from messenger.calls.connectivity import Check, ConnectionReport
from messenger.calls.stats import CallQuality
from messenger.ui.calls import words
from messenger.ui.calls.call_window import CallWindow
from messenger.ui.calls.incoming_window import IncomingCallWindow
from messenger.ui.chat.panel import ChatPanel
from messenger.ui.media.devices import PATTERN_KEY, TONE_KEY
from tests.clientkit import eventually
from tests.ui.conftest import SessionFactory


async def test_incoming_window_declines_accepts_and_closing_declines(
    qtbot: QtBot, sessions: SessionFactory, name: Callable[[str], str]
) -> None:
    """Decline, Voice and Video each answer once; closing the window is a decline."""
    session = await sessions(name("bob"))
    answers: list[str] = []

    def window(video: bool) -> IncomingCallWindow:
        made = IncomingCallWindow(session, "alice", video=video)
        qtbot.addWidget(made)
        made.accepted.connect(lambda with_video: answers.append(f"accept video={with_video}"))
        made.declined.connect(lambda: answers.append("decline"))
        made.show()
        return made

    first = window(video=True)
    assert first.kind_label.text() == "Incoming video call"
    assert first.name_label.text() == "alice"
    qtbot.mouseClick(first.decline_button, Qt.MouseButton.LeftButton)
    assert answers == ["decline"] and not first.isVisible()

    second = window(video=False)
    assert second.kind_label.text() == "Incoming voice call"
    qtbot.mouseClick(second.voice_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(second.video_button, Qt.MouseButton.LeftButton)  # too late: answered
    assert answers == ["decline", "accept video=False"]

    third = window(video=False)
    qtbot.mouseClick(third.video_button, Qt.MouseButton.LeftButton)
    fourth = window(video=True)
    fourth.close()
    fifth = window(video=True)
    fifth.finish()  # answered on another device: no answer from this one
    assert answers == ["decline", "accept video=False", "accept video=True", "decline"]


async def test_call_window_controls_say_what_the_user_chose(
    qtbot: QtBot, sessions: SessionFactory, name: Callable[[str], str]
) -> None:
    """Mute and camera toggle and report; the device menu lists the synthetic devices with
    the one in use ticked; closing the window asks to hang up; an ended call disables all."""
    session = await sessions(name("alice"))
    chosen = {"microphone": TONE_KEY, "camera": "", "speaker": ""}
    window = CallWindow(session, "bob", lambda kind: chosen[kind])
    qtbot.addWidget(window)
    window.show()
    events: list[object] = []
    window.mute_toggled.connect(lambda muted: events.append(("mute", muted)))
    window.camera_toggled.connect(lambda on: events.append(("camera", on)))
    window.hang_up_requested.connect(lambda: events.append("hang up"))
    window.device_chosen.connect(lambda kind, key: events.append((kind, key)))

    qtbot.mouseClick(window.mute_button, Qt.MouseButton.LeftButton)
    assert window.muted and window.mute_button.accessibleName() == "Unmute"
    qtbot.mouseClick(window.camera_button, Qt.MouseButton.LeftButton)
    assert window.camera_on and window.self_view.isVisible()
    assert events == [("mute", True), ("camera", True)]

    window.devices_menu.aboutToShow.emit()
    menus = {a.text(): a.menu() for a in window.devices_menu.actions()}
    assert set(menus) == {"&Microphone", "&Camera", "&Speaker"}
    microphone = menus["&Microphone"]
    assert isinstance(microphone, QMenu)
    ticked = [a.text() for a in microphone.actions() if a.isChecked()]
    assert ticked == ["Test tone"]
    camera = menus["&Camera"]
    assert isinstance(camera, QMenu)
    pattern = next(a for a in camera.actions() if a.text() == "Test pattern")
    pattern.trigger()
    assert events[-1] == ("camera", PATTERN_KEY)

    qtbot.mouseDClick(window.remote_view, Qt.MouseButton.LeftButton)
    assert window.isFullScreen()
    assert window.full_screen_button.toolTip() == "Leave full screen (F11 or Esc)"
    window.activateWindow()
    await eventually(window.isActiveWindow)  # shortcuts go to the active window
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert not window.isFullScreen()

    window.close()
    assert events[-1] == "hang up"
    window.show()
    window.ended("bob hung up.")
    assert window.status_label.text() == "bob hung up."
    assert not window.hang_up_button.isEnabled() and not window.mute_button.isEnabled()
    window.close_now()
    assert events.count("hang up") == 1


def test_quality_bars_and_their_details() -> None:
    """The indicator's hover text gives the figures in words, leaving out what is unknown."""
    quality = CallQuality(
        rtt_ms=42.4,
        loss=0.005,
        received_loss=0.0,
        send_kbps=812.2,
        receive_kbps=790.0,
        fps=29.6,
        width=640,
        height=480,
        path="relay",
    )
    assert quality.bars == 4
    assert words.quality(quality).splitlines() == [
        "Round trip: 42 ms",
        "Packet loss: 0.5% sent, 0.0% received",
        "Bitrate: 812 kbit/s up, 790 kbit/s down",
        "Video: 640×480 at 30 fps",
        "Connection: relayed by the TURN server",
    ]
    assert words.quality(CallQuality()) == "Measuring the connection…"
    assert words.quality(CallQuality(rtt_ms=10, path="stun")).splitlines() == [
        "Round trip: 10 ms",
        "Connection: peer to peer, through the firewall (STUN)",
    ]


async def test_quality_indicator_shows_bars_and_tooltip(
    qtbot: QtBot, sessions: SessionFactory, name: Callable[[str], str]
) -> None:
    """The call window's indicator appears with the level and the details on hover."""
    session = await sessions(name("alice"))
    window = CallWindow(session, "bob", lambda _kind: "")
    qtbot.addWidget(window)
    window.show()
    assert not window.quality.isVisible()
    quality = CallQuality(rtt_ms=400, loss=0.05, path="direct")
    window.show_quality(quality.bars, words.quality(quality))
    assert window.quality.isVisible() and window.quality.level == 2
    assert window.quality.toolTip().endswith("Connection: direct, peer to peer")


def test_words_for_states_endings_and_history() -> None:
    """Every way a call ends reads as a sentence from this side's point of view."""
    assert words.duration(7) == "0:07" and words.duration(3725) == "1:02:05"
    assert words.ended("declined", by_peer=True, outgoing=True, name="Bob") == (
        "Bob declined the call."
    )
    assert words.ended("missed", by_peer=True, outgoing=True, name="Bob") == "Bob did not answer."
    assert words.ended("missed", by_peer=False, outgoing=False, name="Bob") == "Missed call."
    assert words.ended("busy", by_peer=True, outgoing=True, name="Bob") == "Bob is busy."
    assert words.ended("cancelled", by_peer=True, outgoing=False, name="Ann") == (
        "Ann cancelled the call."
    )
    failed = words.ended(
        "failed", by_peer=False, outgoing=True, name="Bob", detail="TURN refused the credentials"
    )
    assert failed == "The call could not connect: TURN refused the credentials."
    assert words.ended("lost", by_peer=False, outgoing=True, name="Bob") == (
        "The connection was lost."
    )
    assert words.ended("answered_elsewhere", by_peer=True, outgoing=False, name="A") == (
        "Answered on another device."
    )
    assert words.history(True, "answered", 192, incoming=False) == "Video call · 3:12"
    assert words.history(False, "missed", 0, incoming=True) == "Missed voice call"
    assert words.history(False, "missed", 0, incoming=False) == "Voice call · no answer"
    assert words.history(True, "declined", 0, incoming=True) == "Declined video call"
    assert words.history(True, "declined", 0, incoming=False) == "Video call · declined"
    report = ConnectionReport(
        (Check("turn", "turn:example.org", False, "TURN refused the credentials"),),
        "TURN refused the credentials.",
    )
    assert words.connection_report(report).splitlines() == [
        "TURN refused the credentials.",
        "✗ turn:example.org — TURN refused the credentials",
    ]


async def test_header_call_buttons_only_for_contacts_while_online(
    qtbot: QtBot, sessions: SessionFactory, name: Callable[[str], str]
) -> None:
    """Call buttons work for an accepted contact; for anyone else, or offline, they are
    disabled and their tooltip says why; a click asks for the call."""
    alice = await sessions(name("alice"))
    bob = await sessions(name("bob"), contacts=(alice,))
    stranger = name("carol")
    panel = ChatPanel(alice)
    qtbot.addWidget(panel)
    asked: list[tuple[str, bool]] = []
    panel.call_requested.connect(lambda peer, video: asked.append((peer, video)))

    panel.open_conversation(alice.conversation_with(bob.username), bob.username)
    header = panel.header
    assert header.voice_call.isEnabled() and header.video_call.isEnabled()
    assert header.video_call.toolTip() == f"Video call with {bob.username}"
    qtbot.mouseClick(header.video_call, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(header.voice_call, Qt.MouseButton.LeftButton)
    assert asked == [(bob.username, True), (bob.username, False)]

    panel.open_conversation(alice.conversation_with(stranger), stranger)
    assert not header.voice_call.isEnabled()
    assert header.voice_call.toolTip() == (
        f"You can call {stranger} once you are each other's contacts."
    )

    panel.open_conversation(alice.conversation_with(bob.username), bob.username)
    await alice.client.close()
    await eventually(lambda: not header.video_call.isEnabled())
    assert "offline" in header.video_call.toolTip()
