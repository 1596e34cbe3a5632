"""Helpers for the room chat tests: a room of real accounts, and what its chat panel shows."""

from __future__ import annotations

from PySide6.QtCore import QPoint
from PySide6.QtGui import QColor
from pytestqt.qtbot import QtBot

from messenger.client import Client
from messenger.protocol import requests as rq
from messenger.ui.chat.delegate import Colors
from messenger.ui.chat.model import ChatModel
from messenger.ui.chat.panel import ChatPanel
from messenger.ui.chat.rows import MessageInfo
from messenger.ui.session import AccountSession


async def befriend(a: Client, b: Client) -> None:
    """Make ``a`` and ``b`` accepted contacts (an invitation needs it)."""
    await a.request(rq.ContactChange(id="", action="request", username=b.username))
    await b.request(rq.ContactChange(id="", action="accept", username=a.username))


async def room_of(owner: Client, name: str, *members: Client) -> str:
    """A room ``owner`` created and every one of ``members`` joined; its id."""
    room = await owner.create_room(name)
    for member in members:
        await befriend(owner, member)
        await owner.invite_to_room(room.id, member.username)
        await member.join_room(room.id)
    return room.id


def open_room(qtbot: QtBot, session: AccountSession, room: str) -> ChatPanel:
    panel = ChatPanel(session)
    qtbot.addWidget(panel)
    panel.resize(640, 720)
    panel.show()
    panel.open_conversation(room)
    return panel


def chat_model(panel: ChatPanel) -> ChatModel:
    model = panel.model
    assert model is not None
    return model


def infos(panel: ChatPanel) -> list[MessageInfo]:
    model = chat_model(panel)
    found = (model.info(row) for row in range(model.rowCount()))
    return [info for info in found if info is not None]


def texts(panel: ChatPanel) -> list[str]:
    """The messages' texts, oldest first (no notices)."""
    return [i.text for i in infos(panel) if not i.notice]


def notices(panel: ChatPanel) -> list[str]:
    return [i.text for i in infos(panel) if i.notice]


def info_of(panel: ChatPanel, text: str) -> MessageInfo:
    return next(i for i in infos(panel) if i.text == text and not i.notice)


def row_of(panel: ChatPanel, text: str) -> int:
    model = chat_model(panel)
    return next(
        row
        for row in range(model.rowCount())
        if (info := model.info(row)) is not None and info.text == text and not info.notice
    )


def mention_bar_color(panel: ChatPanel, text: str) -> QColor:
    """The colour painted just inside the left edge of the bubble of ``text``, on screen."""
    model = chat_model(panel)
    row = row_of(panel, text)
    index = model.index(row)
    panel.view.scrollTo(index)
    info = model.info(row)
    assert info is not None
    layout = panel.view.delegate.layout_for(info)
    rect = panel.view.visualRect(index)
    spot = rect.topLeft() + QPoint(layout.left(rect.width()) + 1, layout.bubble.center().y())
    image = panel.view.viewport().grab().toImage()
    ratio = image.devicePixelRatio()
    return image.pixelColor(round(spot.x() * ratio), round(spot.y() * ratio))


def mention_color(panel: ChatPanel) -> QColor:
    return Colors(panel.view.palette()).mention
