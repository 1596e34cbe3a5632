"""Where everything of one message row goes: the geometry the delegate paints and hit-tests.

A layout depends on the message and on the widest a bubble may be, never on the row's full
width (own bubbles are placed against the right edge at paint time), so resizing a wide
window reuses every layout; the bubble width moves in steps of a few pixels so a resize in
progress does not lay every message out at every pixel.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QFont, QFontMetrics, QTextDocument

from messenger.text.emoji_catalog import emoji_only_count
from messenger.text.links import to_html
from messenger.ui.chat.dates import time_text
from messenger.ui.chat.mentions import mention_html
from messenger.ui.chat.rows import MessageInfo
from messenger.ui.files import thumbs
from messenger.ui.files.card import ACTION_LABELS

MARGIN = 12  # between bubbles and the view's edges
PAD_X = 10  # inside a bubble
PAD_Y = 6
RADIUS = 12
GAP = 4  # between a bubble and its reactions or notice
TICKS_WIDTH = 18  # delivery marks after the time
CALL_ICON = 18  # the handset or camera before a call's history entry
WIDTH_STEP = 8
FILE_ICON = 36  # a file card's type icon
FILE_CARD_WIDTH = 300  # at most; the card keeps its size while its progress changes
FILE_ACTION_GAP = 14
BIG_EMOJI = 2.4  # how much larger a message of only one to three emoji is drawn
AVATAR = 30  # a room member's picture beside the first bubble of their run
AVATAR_COLUMN = AVATAR + 8  # others' bubbles in a room start after it
MENTION_BAR = 3  # the marker down the left edge of a bubble that mentions me


class Metrics:
    """The fonts of the chat and their metrics, derived from the view's font."""

    def __init__(self, font: QFont) -> None:
        self.font = QFont(font)
        self.bold = QFont(font)
        self.bold.setBold(True)
        self.small = QFont(font)
        size = font.pointSizeF()
        if size > 0:
            self.small.setPointSizeF(size * 0.85)
        else:
            self.small.setPixelSize(max(8, round(font.pixelSize() * 0.85)))
        self.small_bold = QFont(self.small)
        self.small_bold.setBold(True)
        self.big = QFont(font)
        if size > 0:
            self.big.setPointSizeF(size * BIG_EMOJI)
        else:
            self.big.setPixelSize(round(font.pixelSize() * BIG_EMOJI))
        self.fm = QFontMetrics(self.font)
        self.fm_bold = QFontMetrics(self.bold)
        self.fm_small = QFontMetrics(self.small)
        self.fm_small_bold = QFontMetrics(self.small_bold)

    @functools.lru_cache(maxsize=64)  # noqa: B019  (a few Metrics live as long as the app)
    def max_bubble(self, row_width: int) -> int:
        """The widest a bubble may be in a row this wide (asked for every row laid out)."""
        widest = self.fm.averageCharWidth() * 62 + 2 * PAD_X
        room = int((row_width - 2 * MARGIN) * 0.8)
        width = max(8 * self.fm.averageCharWidth(), min(widest, room))
        return width - width % WIDTH_STEP


@dataclass
class Chip:
    rect: QRect  # relative to the bubble's left edge and the row's top
    emoji: str
    label: str
    mine: bool
    names: str


@dataclass
class BubbleLayout:
    info: MessageInfo
    max_width: int
    height: int = 0
    bubble: QRect = field(default_factory=QRect)  # x relative to the bubble's left edge
    name: QRect | None = None
    quote: QRect | None = None
    doc: QTextDocument | None = None
    doc_left: int = 0
    doc_top: int = 0
    footer: QRect = field(default_factory=QRect)
    footer_text: str = ""
    chips: list[Chip] = field(default_factory=list)
    notice: QRect | None = None  # "Not sent: ..." under a failed message
    notice_text: str = ""
    actions: list[tuple[QRect, str]] = field(default_factory=list)  # retry / discard
    call_icon: QRect | None = None  # a call's history entry: its glyph before the text
    file: FileBoxes | None = None  # a file message's card
    avatar: QRect | None = None  # a room member's picture, left of the bubble (x < 0)

    def left(self, row_width: int) -> int:
        """Where the bubble starts in a row: own messages on the right, others on the left
        (after the avatar column in a room), a room's notices in the middle."""
        if self.info.notice:
            return (row_width - self.bubble.width()) // 2
        if self.info.own:
            return row_width - MARGIN - self.bubble.width()
        return MARGIN + (AVATAR_COLUMN if self.info.room_sender else 0)


@dataclass
class FileBoxes:
    """Where a file card's parts go, relative to the bubble like everything else."""

    icon: QRect
    name: QRect
    detail: QRect
    bar: QRect
    actions: list[tuple[QRect, str]]
    thumb: QRect | None = None


def make_document(
    info: MessageInfo, metrics: Metrics, link_color: str, width: int, mention_color: str = ""
) -> QTextDocument:
    doc = QTextDocument()
    doc.setDocumentMargin(0)
    doc.setUndoRedoEnabled(False)
    big = not info.deleted and emoji_only_count(info.text) > 0
    doc.setDefaultFont(metrics.big if big else metrics.font)
    doc.setDefaultStyleSheet(f"a {{ color: {link_color}; }}")
    if info.deleted:
        doc.setHtml("<i>Message deleted</i>")
    else:
        body = (
            mention_html(info.text, set(info.mentions), f"color: {mention_color}; font-weight: 600")
            if info.mentions
            else to_html(info.text)
        )
        doc.setHtml(f'<div style="white-space: pre-wrap">{body}</div>')
    doc.setTextWidth(width)
    return doc


def lay_out(
    info: MessageInfo,
    metrics: Metrics,
    link_color: str,
    max_width: int,
    mention_color: str = "",
) -> BubbleLayout:
    """The geometry of one message in a bubble at most ``max_width`` wide."""
    if info.notice:
        return lay_out_notice(info, metrics, max_width)
    layout = BubbleLayout(info=info, max_width=max_width)
    if info.room_sender:
        max_width -= AVATAR_COLUMN
    inner_max = max_width - 2 * PAD_X
    top = 2 if info.continues else 8
    y = PAD_Y
    content = 0
    if info.room_sender and not info.continues:
        layout.avatar = QRect(-AVATAR_COLUMN, top, AVATAR, AVATAR)
    if not info.own and not info.continues:
        # A little slack: integer metrics round down, and a name that fits exactly
        # would be elided to "b…" when painted on a screen whose advances round up.
        width = min(metrics.fm_bold.horizontalAdvance(info.sender_name) + 4, inner_max)
        layout.name = QRect(PAD_X, top + y, width, metrics.fm_bold.height())
        y += metrics.fm_bold.height() + 2
        content = width
    if info.quote is not None:
        quote_width = max(
            metrics.fm_small_bold.horizontalAdvance(info.quote.sender_name),
            metrics.fm_small.horizontalAdvance(info.quote.text),
        )
        width = min(inner_max, quote_width + 16)
        height = metrics.fm_small_bold.height() + metrics.fm_small.height() + 8
        layout.quote = QRect(PAD_X, top + y, width, height)
        y += height + 4
        content = max(content, width)

    if info.file is not None and not info.deleted:
        layout.file, height = lay_out_file(info, metrics, inner_max, top + y)
        y += height
        content = max(content, layout.file.name.right() - PAD_X)
        if layout.file.thumb is not None:
            content = max(content, layout.file.thumb.width())

    indent = CALL_ICON + 6 if info.call is not None else 0
    ideal = 0
    doc_height = 0
    doc: QTextDocument | None = None
    if layout.file is None or info.text:
        doc = make_document(info, metrics, link_color, inner_max - indent, mention_color)
        ideal = math.ceil(doc.idealWidth())
        doc.setTextWidth(ideal + 1)
        doc_height = math.ceil(doc.size().height())
        layout.doc, layout.doc_left, layout.doc_top = doc, PAD_X + indent, top + y
    if indent:
        icon_top = top + y + (min(doc_height, metrics.fm.height()) - CALL_ICON) // 2
        layout.call_icon = QRect(PAD_X, icon_top, CALL_ICON, CALL_ICON)
        ideal += indent

    footer_text = f"edited  {time_text(info.ts)}" if info.edited else time_text(info.ts)
    if info.seen_by:
        footer_text = f"seen by {len(info.seen_by)}  {footer_text}"
    footer_width = metrics.fm_small.horizontalAdvance(footer_text) + (
        TICKS_WIDTH if info.own and info.state else 0
    )
    block = doc.lastBlock().layout() if doc is not None else None
    last_line = block.lineAt(block.lineCount() - 1) if block and block.lineCount() else None
    last_width = math.ceil(last_line.naturalTextWidth()) if last_line is not None else 0
    last_width += indent
    footer_height = metrics.fm_small.height()
    if last_width + 12 + footer_width <= inner_max:
        # The time fits beside the last line of text, as in every messenger people know.
        content = max(content, ideal, last_width + 12 + footer_width)
        y += max(doc_height, footer_height)
    else:
        content = max(content, ideal, footer_width)
        y += doc_height + footer_height
    width = min(content, inner_max) + 2 * PAD_X
    layout.footer = QRect(
        width - PAD_X - footer_width, top + y - footer_height, footer_width, footer_height
    )
    layout.footer_text = footer_text
    y += PAD_Y
    layout.bubble = QRect(0, top, width, y)
    bottom = top + y

    if info.state == "failed":
        reason = info.error.rstrip(".") or "the server refused it"
        layout.notice_text = f"Not sent: {reason}."
        notice_width = min(metrics.fm_small.horizontalAdvance(layout.notice_text), max_width)
        retry = metrics.fm_small_bold.horizontalAdvance("Retry")
        discard = metrics.fm_small_bold.horizontalAdvance("Discard")
        line = metrics.fm_small.height()
        right = width  # failed messages are always one's own: aligned right
        layout.notice = QRect(right - notice_width, bottom + GAP, notice_width, line)
        y_actions = bottom + GAP + line
        layout.actions = [
            (QRect(right - discard - 12 - retry, y_actions, retry, line), "retry"),
            (QRect(right - discard, y_actions, discard, line), "discard"),
        ]
        bottom = y_actions + line

    if info.reactions:
        bottom += GAP
        x = 0
        chip_height = max(metrics.fm.height(), metrics.fm_small.height()) + 4
        rows_of_chips: list[list[Chip]] = [[]]
        for reaction in info.reactions:
            label = f"{reaction.emoji} {reaction.users}"
            chip_width = metrics.fm.horizontalAdvance(label) + 14
            if x and x + chip_width > max_width:
                x = 0
                bottom += chip_height + 4
                rows_of_chips.append([])
            chip = Chip(
                QRect(x, bottom, chip_width, chip_height),
                reaction.emoji,
                label,
                reaction.mine,
                reaction.names,
            )
            rows_of_chips[-1].append(chip)
            x += chip_width + 4
        bottom += chip_height
        if info.own:  # chips hang from the bubble's right edge like the bubble itself
            for chips in rows_of_chips:
                shift = width - chips[-1].rect.right() - 1
                for chip in chips:
                    chip.rect.translate(shift, 0)
        layout.chips = [chip for chips in rows_of_chips for chip in chips]
    layout.height = bottom + 2
    return layout


def lay_out_notice(info: MessageInfo, metrics: Metrics, max_width: int) -> BubbleLayout:
    """A room's membership or settings entry: one line in a pill, centred in its row."""
    layout = BubbleLayout(info=info, max_width=max_width)
    # A little slack, as for names: a sentence that fits exactly would be elided when
    # painted on a screen whose advances round up.
    text_width = min(metrics.fm_small.horizontalAdvance(info.text) + 4, max_width - 2 * PAD_X)
    height = metrics.fm_small.height() + 8
    layout.bubble = QRect(0, 6, text_width + 2 * PAD_X, height)
    layout.footer = QRect(PAD_X, 10, text_width, metrics.fm_small.height())
    layout.footer_text = metrics.fm_small.elidedText(
        info.text, Qt.TextElideMode.ElideRight, text_width
    )
    layout.height = layout.bubble.bottom() + 1 + 6
    return layout


def lay_out_file(
    info: MessageInfo, metrics: Metrics, inner_max: int, y: int
) -> tuple[FileBoxes, int]:
    """A file card from ``y`` down: the thumbnail if any, then icon, name, detail, a
    progress bar and the actions; its height does not depend on the transfer's state."""
    card = info.file
    assert card is not None
    top = y
    thumb = None
    image = thumbs.decode(card.thumbnail) if card.thumbnail else None
    if image is not None:
        size = thumbs.shown_size(image)
        size.scale(min(size.width(), inner_max), size.height(), Qt.AspectRatioMode.KeepAspectRatio)
        thumb = QRect(PAD_X, y, size.width(), size.height())
        y += size.height() + 6
    width = min(inner_max, FILE_CARD_WIDTH)
    text_left = PAD_X + FILE_ICON + 10
    text_width = width - FILE_ICON - 10
    name = QRect(text_left, y, text_width, metrics.fm_bold.height())
    detail = QRect(text_left, name.bottom() + 3, text_width, metrics.fm_small.height())
    bar = QRect(text_left, detail.bottom() + 5, text_width, 4)
    line = metrics.fm_small_bold.height()
    actions: list[tuple[QRect, str]] = []
    x = text_left
    for action in card.actions:
        label_width = metrics.fm_small_bold.horizontalAdvance(ACTION_LABELS[action])
        actions.append((QRect(x, bar.bottom() + 5, label_width, line), action))
        x += label_width + FILE_ACTION_GAP
    bottom = bar.bottom() + 5 + line
    icon = QRect(PAD_X, y + (bottom - y - FILE_ICON) // 2, FILE_ICON, FILE_ICON)
    boxes = FileBoxes(icon=icon, name=name, detail=detail, bar=bar, actions=actions, thumb=thumb)
    return boxes, bottom - top + 6
