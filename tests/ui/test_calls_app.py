"""Calls through the app's windows: two accounts on the real server, driven as people would.

Media is the synthetic test tone and pattern (this machine has no camera or microphone), so
what reaches each call window can be checked by its colours.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from pytestqt.qtbot import QtBot
from shiboken6 import isValid

from messenger.account.preferences import Preferences
from messenger.calls.manager import CallOptions
from messenger.ui.account_ui import AccountUi, Services
from messenger.ui.idle import IdleMonitor
from messenger.ui.media.devices import PATTERN_KEY, TONE_KEY
from messenger.ui.session import AccountSession
from messenger.ui.tray import TrayController
from tests.clientkit import eventually
from tests.ui.callkit import shows_test_pattern
from tests.ui.conftest import SessionFactory

pytestmark = pytest.mark.timeout(120)

# Both peers run on this machine: loopback candidates only, so ICE has one path to try.
OPTIONS = CallOptions(host_addresses=("127.0.0.1",))

OpenUi = Callable[[AccountSession], AccountUi]


@pytest.fixture
async def open_ui(tmp_path: Path) -> AsyncIterator[OpenUi]:
    """``open_ui(session)``: the account's window and everything wired to it, as the app has."""
    opened: list[AccountUi] = []
    tray = TrayController(available=False)
    prefs = Preferences(audio_input=TONE_KEY, camera=PATTERN_KEY)

    def open_(session: AccountSession) -> AccountUi:
        services = Services(
            prefs=lambda: prefs,
            save_prefs=lambda _prefs: None,
            tray=tray,
            idle=IdleMonitor(desktop=False),
            data_dir=tmp_path,
            call_options=OPTIONS,
        )
        ui = AccountUi(session, services)
        ui.window.show()
        opened.append(ui)
        return ui

    yield open_
    for ui in opened:
        await ui.close()
    tray.hide()


async def ready(*uis: AccountUi) -> None:
    await eventually(lambda: all(ui.calls.manager is not None for ui in uis))


class FakeMicrophone:
    """What the provider remembers of a microphone that has just been unplugged."""

    kind = "audio"
    label = "USB headset"
    device_key = "0123-unplugged"


def click_call_entry(qtbot: QtBot, ui: AccountUi) -> None:
    """Click the newest call entry in the open chat, in the middle of its bubble."""
    view = ui.window.chat.view
    model = ui.window.chat.model
    assert model is not None
    row = max(r for r in range(model.rowCount()) if (i := model.info(r)) and i.call)
    info = model.info(row)
    assert info is not None
    rect = view.visualRect(model.index(row))
    layout = view.delegate.layout_for(info)
    point = rect.topLeft() + QPoint(layout.left(rect.width()), 0) + layout.bubble.center()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point)


def call_entries(ui: AccountUi) -> list[str]:
    """The call history entries the open chat shows, as their text reads."""
    model = ui.window.chat.model
    assert model is not None
    infos = (model.info(row) for row in range(model.rowCount()))
    return [info.text for info in infos if info is not None and info.call is not None]


async def test_video_call_answered_in_the_window_shows_video_both_ways(
    qtbot: QtBot, sessions: SessionFactory, open_ui: OpenUi, name: Callable[[str], str]
) -> None:
    """Alice video-calls Bob from the chat header; Bob answers with video in the incoming
    window; each call window shows the other's test pattern; hanging up closes both and the
    chat shows the call with its duration."""
    alice_session = await sessions(name("alice"))
    bob_session = await sessions(name("bob"), contacts=(alice_session,))
    alice, bob = open_ui(alice_session), open_ui(bob_session)
    await ready(alice, bob)
    conversation = alice_session.conversation_with(bob_session.username)
    alice.window.open_chat(conversation, bob_session.username)
    header = alice.window.chat.header
    await eventually(lambda: header.video_call.isEnabled())

    qtbot.mouseClick(header.video_call, Qt.MouseButton.LeftButton)
    await eventually(lambda: alice.calls.ongoing is not None)
    assert alice.calls.ongoing is not None
    alice_window = alice.calls.ongoing.window

    await eventually(lambda: len(bob.calls.ringing) == 1)
    incoming = next(iter(bob.calls.ringing.values()))
    assert incoming.isVisible()
    assert incoming.kind_label.text() == "Incoming video call"
    assert incoming.name_label.text() == alice_session.name_of(alice_session.username)
    assert [n.call_id != "" for n in bob.notifier.raised] == [True]
    await eventually(lambda: alice_window.status_label.text() == "Ringing…")

    qtbot.mouseClick(incoming.video_button, Qt.MouseButton.LeftButton)
    assert not incoming.isVisible() and not bob.calls.ringing
    await eventually(lambda: bob.calls.ongoing is not None)
    assert bob.calls.ongoing is not None
    bob_window = bob.calls.ongoing.window

    await eventually(lambda: shows_test_pattern(bob_window.remote_view), within=20)
    await eventually(lambda: shows_test_pattern(alice_window.remote_view), within=20)
    await eventually(lambda: shows_test_pattern(alice_window.self_view))
    assert bob_window.self_view.isVisible() and bob_window.camera_on
    await eventually(lambda: ":" in alice_window.status_label.text())  # the duration runs
    await eventually(lambda: alice_window.quality.isVisible())
    assert "Connection: direct" in alice_window.quality.toolTip()

    # The microphone in use is unplugged: the call goes on with the default (here the tone).
    ongoing = bob.calls.ongoing
    gone = FakeMicrophone()
    provider = ongoing._provider
    provider.in_use["audio"] = gone
    ongoing._watcher.changed.emit("microphone")
    await eventually(lambda: provider.in_use["audio"] is not gone)
    assert provider.in_use["audio"].label == "Test tone"
    assert ongoing.call.state.value == "active"

    qtbot.mouseClick(alice_window.hang_up_button, Qt.MouseButton.LeftButton)
    await eventually(lambda: alice_window.status_label.text() == "Call ended.")
    alice_name = bob_session.name_of(alice_session.username)
    await eventually(lambda: bob_window.status_label.text() == f"{alice_name} hung up.")
    await eventually(lambda: alice.calls.ongoing is None and bob.calls.ongoing is None)
    assert not isValid(alice_window) and not isValid(bob_window)  # closed and gone

    await eventually(lambda: len(call_entries(alice)) == 1)
    assert call_entries(alice)[0].startswith("Video call · 0:")
    bob.window.open_chat(conversation, alice_session.username)
    await eventually(lambda: len(call_entries(bob)) == 1)
    assert call_entries(bob)[0].startswith("Video call · 0:")


async def test_declined_from_the_incoming_window_and_busy_does_not_ring(
    qtbot: QtBot, sessions: SessionFactory, open_ui: OpenUi, name: Callable[[str], str]
) -> None:
    """Bob declines a voice call: Alice's window says so and closes, both chats record it.
    Then Bob goes Busy: Alice's next call does not ring on his side at all."""
    alice_session = await sessions(name("alice"))
    bob_session = await sessions(name("bob"), contacts=(alice_session,))
    alice, bob = open_ui(alice_session), open_ui(bob_session)
    await ready(alice, bob)
    conversation = alice_session.conversation_with(bob_session.username)
    alice.window.open_chat(conversation, bob_session.username)
    bob.window.open_chat(conversation, alice_session.username)
    bob_name = alice_session.name_of(bob_session.username)

    alice.calls.place(bob_session.username, False)
    await eventually(lambda: len(bob.calls.ringing) == 1)
    incoming = next(iter(bob.calls.ringing.values()))
    assert incoming.kind_label.text() == "Incoming voice call"
    qtbot.mouseClick(incoming.decline_button, Qt.MouseButton.LeftButton)
    assert bob.calls.ongoing is None and not bob.calls.ringing
    assert alice.calls.ongoing is not None
    alice_window = alice.calls.ongoing.window
    await eventually(lambda: alice_window.status_label.text() == f"{bob_name} declined the call.")
    await eventually(lambda: alice.calls.ongoing is None)
    await eventually(lambda: call_entries(alice) == ["Voice call · declined"])
    await eventually(lambda: call_entries(bob) == ["Declined voice call"])

    # The tray notification's Decline button does the same.
    alice.calls.place(bob_session.username, False)
    await eventually(lambda: len(bob.calls.ringing) == 1)
    call_id, incoming = next(iter(bob.calls.ringing.items()))
    assert bob.notifier.raised[-1].call_id == call_id
    bob.notifier.call_action.emit(call_id, "decline")
    assert not bob.calls.ringing and not incoming.isVisible()
    await eventually(lambda: call_entries(bob) == ["Declined voice call"] * 2)
    await eventually(lambda: alice.calls.ongoing is None)

    bob.choose_status("busy")
    await eventually(
        lambda: (
            (c := alice_session.roster.get(bob_session.username)) is not None and c.status == "busy"
        )
    )
    alice.calls.place(bob_session.username, True)
    await eventually(lambda: alice.calls.ongoing is not None)
    assert alice.calls.ongoing is not None
    alice_window = alice.calls.ongoing.window
    await eventually(lambda: alice_window.status_label.text() == f"{bob_name} is busy.")
    assert not bob.calls.ringing and bob.calls.ongoing is None
    await eventually(lambda: call_entries(bob)[-1] == "Missed video call")

    # "Call back" from the history: Alice clicks the entry and calls again, with video.
    await eventually(lambda: alice.calls.ongoing is None)
    await eventually(lambda: call_entries(alice)[-1] == "Video call · no answer")
    click_call_entry(qtbot, alice)
    await eventually(lambda: alice.calls.ongoing is not None)
    assert alice.calls.ongoing is not None
    assert alice.calls.ongoing.call.video_offered


async def test_busy_here_never_rings_even_before_the_server_knows(
    sessions: SessionFactory, open_ui: OpenUi, name: Callable[[str], str]
) -> None:
    """Bob has just picked Busy and the server has not heard yet: a call that reaches him
    anyway shows nothing and plays nothing; Alice gives up and Bob's chat has it as missed."""
    alice_session = await sessions(name("alice"))
    bob_session = await sessions(name("bob"), contacts=(alice_session,))
    alice, bob = open_ui(alice_session), open_ui(bob_session)
    await ready(alice, bob)
    bob_session._set_own_presence("busy", "")  # shown here at once, not sent yet

    alice.calls.place(bob_session.username, False)
    await eventually(lambda: alice.calls.ongoing is not None)
    assert alice.calls.ongoing is not None
    window = alice.calls.ongoing.window
    await eventually(lambda: window.status_label.text() == "Ringing…")  # it reached Bob
    assert not bob.calls.ringing and bob.calls.ongoing is None
    assert not [n for n in bob.notifier.raised if n.call_id]
    alice.calls.ongoing.hang_up()
    await eventually(lambda: window.status_label.text() == "Call cancelled.")
    conversation = bob_session.conversation_with(alice_session.username)
    bob.window.open_chat(conversation, alice_session.username)
    await eventually(lambda: call_entries(bob) == ["Missed voice call"])
