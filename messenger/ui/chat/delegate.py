"""Paints chat rows: message bubbles with their quote, text, time, delivery marks, reactions,
and centred day separators. Colours come from the palette, so light and dark themes both work.

``sizeHint`` is called for every row on every layout pass, so it must be cheap: heights are
cached by (row key, bubble width) together with what the row showed, and a message is laid
out again only when that changed. Laid-out documents are kept for the rows seen last.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import NamedTuple

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QPointF,
    QRect,
    QRectF,
    QSize,
    Qt,
)
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QColor,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import QAbstractItemView, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from messenger.ui import presence_style
from messenger.ui.avatar import avatar_pixmap, color_for
from messenger.ui.calls import icons
from messenger.ui.chat.bubble import (
    CALL_ICON,
    MENTION_BAR,
    RADIUS,
    BubbleLayout,
    FileBoxes,
    Metrics,
    lay_out,
)
from messenger.ui.chat.model import ChatModel
from messenger.ui.chat.rows import MessageInfo
from messenger.ui.files import thumbs
from messenger.ui.files.card import ACTION_LABELS
from messenger.ui.files.icons import paint_file_icon

ModelIndex = QModelIndex | QPersistentModelIndex
# A couple of screens' worth: each kept layout is a QTextDocument of ~35 KB, and
# bench/client_history.py showed 600 of them were most of the memory a long scroll costs.
KEPT_LAYOUTS = 150
KEPT_HEIGHTS = 5000  # beyond this, heights of rows that left the model's window are dropped


class Hit(NamedTuple):
    """What is under the pointer in a message row."""

    kind: str  # link, reaction, retry, discard, quote, call, file, time, bubble
    # The address, the emoji, the quoted seq, "video"/"voice" for a call, or a file card's
    # action (download, open, folder, cancel, retry, resume, view).
    value: str = ""


def blend(a: QColor, b: QColor, t: float) -> QColor:
    """``a`` moved a fraction ``t`` of the way towards ``b``."""
    return QColor.fromRgbF(
        a.redF() + (b.redF() - a.redF()) * t,
        a.greenF() + (b.greenF() - a.greenF()) * t,
        a.blueF() + (b.blueF() - a.blueF()) * t,
    )


class Colors:
    """The chat's colours, derived from a palette."""

    def __init__(self, palette: QPalette) -> None:
        base = palette.color(QPalette.ColorRole.Base)
        text = palette.color(QPalette.ColorRole.Text)
        highlight = palette.color(QPalette.ColorRole.Highlight)
        self.dark = base.lightnessF() < 0.5
        self.text = text
        self.muted = blend(text, base, 0.45)
        self.own = blend(base, highlight, 0.30 if self.dark else 0.20)
        self.other = blend(base, text, 0.10 if self.dark else 0.07)
        self.link = palette.color(QPalette.ColorRole.Link)
        if self.dark and self.link.lightnessF() < 0.55:
            self.link = self.link.lighter(160)
        self.accent = highlight.lighter(150) if self.dark else highlight.darker(115)
        self.quote_bar = self.accent
        self.pill = blend(base, text, 0.08)
        self.chip = blend(base, text, 0.06)
        self.chip_mine = blend(base, highlight, 0.25)
        self.focus = highlight
        self.failed = presence_style.color("busy")
        self.base = base
        # Mentions of me: a warm marker that reads on both themes, and a bubble tinted by it.
        self.mention = QColor("#f0a020") if self.dark else QColor("#c77700")
        self.mention_fill = blend(self.other, self.mention, 0.22 if self.dark else 0.16)

    def sender(self, username: str) -> QColor:
        """A room member's name colour: their avatar's, lighter on a dark background."""
        color = color_for(username)
        return color.lighter(150) if self.dark else color


class ChatDelegate(QStyledItemDelegate):
    def __init__(self, view: QAbstractItemView) -> None:
        super().__init__(view)
        self._view = view
        self._metrics: Metrics | None = None
        self._link_color = ""
        self._mention_color = ""
        self._layouts: OrderedDict[tuple[str, int], BubbleLayout] = OrderedDict()
        self._heights: dict[tuple[str, int], tuple[MessageInfo, int]] = {}
        self._palette_key = -1
        self._palette_colors: Colors | None = None

    def _colors(self, palette: QPalette) -> Colors:
        key = palette.cacheKey()
        if self._palette_key != key:
            self._palette_key, self._palette_colors = key, Colors(palette)
        assert self._palette_colors is not None
        return self._palette_colors

    def clear_cache(self) -> None:
        """Forget every layout (the font or the palette changed)."""
        self._metrics = None
        self._layouts.clear()
        self._heights.clear()

    def metrics(self) -> Metrics:
        if self._metrics is None:
            self._metrics = Metrics(self._view.font())
            colors = Colors(self._view.palette())
            self._link_color = colors.link.name()
            self._mention_color = colors.mention.name()
        return self._metrics

    # --- layout ---------------------------------------------------------------------

    def _row_width(self) -> int:
        return self._view.viewport().width()

    def layout_for(self, info: MessageInfo) -> BubbleLayout:
        metrics = self.metrics()
        max_width = metrics.max_bubble(self._row_width())
        key = (info.key, max_width)
        layout = self._layouts.get(key)
        if layout is None or layout.info != info:
            layout = lay_out(info, metrics, self._link_color, max_width, self._mention_color)
            self._layouts[key] = layout
            self._heights[key] = (info, layout.height)
            if len(self._heights) > KEPT_HEIGHTS:
                self._forget_gone_rows()
        self._layouts.move_to_end(key)
        while len(self._layouts) > KEPT_LAYOUTS:
            self._layouts.popitem(last=False)
        return layout

    def sizeHint(self, option: QStyleOptionViewItem, index: ModelIndex) -> QSize:
        width = self._row_width()
        info = _info(index)
        metrics = self.metrics()
        if info is None:
            return QSize(width, metrics.fm_small.height() + 22)
        known = self._heights.get((info.key, metrics.max_bubble(width)))
        if known is not None and known[0] == info:
            return QSize(width, known[1])
        return QSize(width, self.layout_for(info).height)

    def _forget_gone_rows(self) -> None:
        """Drop the heights of rows no longer in the model (it keeps a window, not all)."""
        model = self._view.model()
        if not isinstance(model, ChatModel):
            self._heights.clear()
            return
        present = {model.row_at(i).key for i in range(model.rowCount())}
        self._heights = {k: v for k, v in self._heights.items() if k[0] in present}

    # --- painting -------------------------------------------------------------------

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: ModelIndex) -> None:
        info = _info(index)
        colors = self._colors(option.palette)
        rect: QRect = option.rect
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.translate(rect.topLeft())
        focused = bool(option.state & QStyle.StateFlag.State_HasFocus)
        if info is None:
            self._paint_day(painter, rect.width(), str(index.data()), colors, focused)
        else:
            layout = self.layout_for(info)
            painter.translate(layout.left(rect.width()), 0)
            self._paint_message(painter, layout, colors, focused)
        painter.restore()

    def _paint_day(
        self, painter: QPainter, width: int, label: str, colors: Colors, focused: bool
    ) -> None:
        m = self.metrics()
        text_width = m.fm_small_bold.horizontalAdvance(label)
        height = m.fm_small.height() + 8
        pill = QRectF((width - text_width) / 2 - 12, 7, text_width + 24, height)
        painter.setPen(QPen(colors.focus, 1.5) if focused else Qt.PenStyle.NoPen)
        painter.setBrush(colors.pill)
        painter.drawRoundedRect(pill, height / 2, height / 2)
        painter.setFont(m.small_bold)
        painter.setPen(colors.muted)
        painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, label)

    def _paint_message(
        self, painter: QPainter, layout: BubbleLayout, colors: Colors, focused: bool
    ) -> None:
        m = self.metrics()
        info = layout.info
        if info.notice:
            self._paint_notice(painter, layout, colors, focused)
            return
        fill = colors.own if info.own else colors.other
        if info.mentions_me:
            fill = colors.mention_fill
        painter.setPen(QPen(colors.focus, 1.5) if focused else Qt.PenStyle.NoPen)
        painter.setBrush(fill)
        painter.drawRoundedRect(QRectF(layout.bubble), RADIUS, RADIUS)
        if info.mentions_me:
            self._paint_mention_bar(painter, layout, colors)
        if layout.avatar is not None:
            self._paint_avatar(painter, layout.avatar, info.room_sender)

        if layout.name is not None:
            painter.setFont(m.bold)
            painter.setPen(colors.sender(info.room_sender) if info.room_sender else colors.accent)
            painter.drawText(
                layout.name,
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                m.fm_bold.elidedText(
                    info.sender_name, Qt.TextElideMode.ElideRight, layout.name.width()
                ),
            )
        if layout.quote is not None and info.quote is not None:
            self._paint_quote(painter, layout.quote, info, colors, fill)
        if layout.doc is not None:
            painter.save()
            painter.translate(layout.doc_left, layout.doc_top)
            context = QAbstractTextDocumentLayout.PaintContext()
            context.palette.setColor(
                QPalette.ColorRole.Text, colors.muted if info.deleted else colors.text
            )
            layout.doc.documentLayout().draw(painter, context)
            painter.restore()
        if layout.call_icon is not None and info.call is not None:
            self._paint_call_icon(painter, layout.call_icon, info, colors)
        if layout.file is not None:
            self._paint_file(painter, layout.file, info, colors, fill)

        painter.setFont(m.small)
        painter.setPen(colors.muted)
        footer = layout.footer
        text_rect = QRect(
            footer.left(),
            footer.top(),
            m.fm_small.horizontalAdvance(layout.footer_text),
            footer.height(),
        )
        painter.drawText(
            text_rect,
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            layout.footer_text,
        )
        if info.own:
            marks = QRectF(
                text_rect.right() + 4,
                footer.top(),
                footer.right() - text_rect.right() - 3,
                footer.height(),
            )
            paint_state(painter, marks, info.state, colors)

        if layout.notice is not None:
            painter.setFont(m.small)
            painter.setPen(colors.failed)
            painter.drawText(
                layout.notice,
                Qt.AlignmentFlag.AlignRight,
                m.fm_small.elidedText(
                    layout.notice_text, Qt.TextElideMode.ElideRight, layout.notice.width()
                ),
            )
            painter.setFont(m.small_bold)
            painter.setPen(colors.link)
            for rect, action in layout.actions:
                painter.drawText(rect, Qt.AlignmentFlag.AlignLeft, action.capitalize())

        for chip in layout.chips:
            painter.setPen(QPen(colors.accent, 1) if chip.mine else Qt.PenStyle.NoPen)
            painter.setBrush(colors.chip_mine if chip.mine else colors.chip)
            half = chip.rect.height() / 2
            painter.drawRoundedRect(QRectF(chip.rect).adjusted(0.5, 0.5, -0.5, -0.5), half, half)
            painter.setFont(m.font)
            painter.setPen(colors.text)
            painter.drawText(chip.rect, Qt.AlignmentFlag.AlignCenter, chip.label)

    def _paint_notice(
        self, painter: QPainter, layout: BubbleLayout, colors: Colors, focused: bool
    ) -> None:
        m = self.metrics()
        pill = QRectF(layout.bubble)
        painter.setPen(QPen(colors.focus, 1.5) if focused else Qt.PenStyle.NoPen)
        painter.setBrush(colors.pill)
        painter.drawRoundedRect(pill, pill.height() / 2, pill.height() / 2)
        painter.setFont(m.small)
        painter.setPen(colors.muted)
        painter.drawText(layout.footer, Qt.AlignmentFlag.AlignCenter, layout.footer_text)

    def _paint_mention_bar(self, painter: QPainter, layout: BubbleLayout, colors: Colors) -> None:
        """A bar down the bubble's left edge, inside its rounded shape."""
        painter.save()
        clip = QPainterPath()
        clip.addRoundedRect(QRectF(layout.bubble), RADIUS, RADIUS)
        painter.setClipPath(clip)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colors.mention)
        bubble = layout.bubble
        painter.drawRect(QRectF(bubble.left(), bubble.top(), MENTION_BAR, bubble.height()))
        painter.restore()

    def _paint_avatar(self, painter: QPainter, rect: QRect, username: str) -> None:
        model = self._view.model()
        if not isinstance(model, ChatModel):
            return
        ratio = self._view.devicePixelRatioF()
        painter.drawPixmap(rect, avatar_pixmap(model.session, username, rect.width(), ratio))

    def _paint_call_icon(
        self, painter: QPainter, rect: QRect, info: MessageInfo, colors: Colors
    ) -> None:
        call = info.call
        assert call is not None
        # Red where the call needed someone and did not get them: missed or declined here.
        unanswered = call.outcome != "answered" and not info.own
        painter.save()
        painter.translate(rect.topLeft())
        painter.scale(CALL_ICON / 24, CALL_ICON / 24)
        glyph = icons.camera if call.video else icons.handset
        glyph(painter, colors.failed if unanswered else colors.accent)
        painter.restore()

    def _paint_file(
        self, painter: QPainter, boxes: FileBoxes, info: MessageInfo, colors: Colors, fill: QColor
    ) -> None:
        card = info.file
        assert card is not None
        m = self.metrics()
        if boxes.thumb is not None and card.thumbnail:
            image = thumbs.decode(card.thumbnail)
            if image is not None:
                painter.save()
                clip = QPainterPath()
                clip.addRoundedRect(QRectF(boxes.thumb), 8, 8)
                painter.setClipPath(clip)
                painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
                painter.drawImage(QRectF(boxes.thumb), image)
                painter.restore()
        paint_file_icon(painter, QRectF(boxes.icon), card.kind, card.label, m.font)
        painter.setFont(m.bold)
        painter.setPen(colors.text)
        painter.drawText(
            boxes.name,
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            # Middle elision keeps the extension, the part that says what a file is.
            m.fm_bold.elidedText(card.name, Qt.TextElideMode.ElideMiddle, boxes.name.width()),
        )
        painter.setFont(m.small)
        painter.setPen(colors.failed if card.failed else colors.muted)
        painter.drawText(
            boxes.detail,
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            m.fm_small.elidedText(card.detail, Qt.TextElideMode.ElideRight, boxes.detail.width()),
        )
        if card.progress is not None:
            bar = QRectF(boxes.bar)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(blend(fill, colors.text, 0.15))
            painter.drawRoundedRect(bar, 2, 2)
            done = QRectF(
                bar.left(), bar.top(), bar.width() * min(1.0, card.progress), bar.height()
            )
            painter.setBrush(colors.accent)
            painter.drawRoundedRect(done, 2, 2)
        painter.setFont(m.small_bold)
        painter.setPen(colors.link)
        for rect, action in boxes.actions:
            painter.drawText(rect, Qt.AlignmentFlag.AlignLeft, ACTION_LABELS[action])

    def _paint_quote(
        self, painter: QPainter, rect: QRect, info: MessageInfo, colors: Colors, fill: QColor
    ) -> None:
        assert info.quote is not None
        m = self.metrics()
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(blend(fill, colors.text, 0.07))
        painter.drawRoundedRect(QRectF(rect), 6, 6)
        painter.setBrush(colors.quote_bar)
        painter.drawRoundedRect(QRectF(rect.left(), rect.top(), 3, rect.height()), 1.5, 1.5)
        inner = rect.adjusted(10, 4, -6, -4)
        painter.setFont(m.small_bold)
        painter.setPen(colors.accent)
        name_rect = QRect(inner.left(), inner.top(), inner.width(), m.fm_small_bold.height())
        painter.drawText(
            name_rect,
            Qt.AlignmentFlag.AlignLeft,
            m.fm_small_bold.elidedText(
                info.quote.sender_name, Qt.TextElideMode.ElideRight, inner.width()
            ),
        )
        painter.setFont(m.small)
        painter.setPen(colors.muted)
        text_rect = QRect(inner.left(), name_rect.bottom() + 1, inner.width(), m.fm_small.height())
        painter.drawText(
            text_rect,
            Qt.AlignmentFlag.AlignLeft,
            m.fm_small.elidedText(info.quote.text, Qt.TextElideMode.ElideRight, inner.width()),
        )

    # --- hit testing ----------------------------------------------------------------

    def hit(self, index: ModelIndex, point: QPoint) -> Hit | None:
        """What lies at ``point`` (in the row's coordinates) of a message row."""
        info: MessageInfo | None = index.data(ChatModel.InfoRole)
        if info is None:
            return None
        layout = self.layout_for(info)
        p = point - QPoint(layout.left(self._row_width()), 0)
        for rect, action in layout.actions:
            if rect.adjusted(-3, -3, 3, 3).contains(p):
                return Hit(action)
        for chip in layout.chips:
            if chip.rect.contains(p):
                return Hit("reaction", chip.emoji)
        if layout.file is not None:
            for rect, action in layout.file.actions:
                if rect.adjusted(-3, -3, 3, 3).contains(p):
                    return Hit("file", action)
            if layout.file.thumb is not None and layout.file.thumb.contains(p):
                return Hit("file", "view")
        if layout.doc is not None:
            href = layout.doc.documentLayout().anchorAt(
                QPointF(p.x() - layout.doc_left, p.y() - layout.doc_top)
            )
            if href:
                return Hit("link", href)
        if layout.quote is not None and info.quote is not None and layout.quote.contains(p):
            return Hit("quote", str(info.quote.seq))
        if layout.footer.contains(p):
            return Hit("time")
        if info.call is not None and layout.bubble.contains(p):
            return Hit("call", "video" if info.call.video else "voice")
        if layout.bubble.contains(p):
            return Hit("bubble")
        return None

    def chip_names(self, index: ModelIndex, emoji: str) -> str:
        info: MessageInfo | None = index.data(ChatModel.InfoRole)
        if info is None:
            return ""
        return next((r.names for r in info.reactions if r.emoji == emoji), "")


def _info(index: ModelIndex) -> MessageInfo | None:
    model = index.model()
    if isinstance(model, ChatModel):  # straight to the model: this runs for every row
        return model.info(index.row())
    info: MessageInfo | None = index.data(ChatModel.InfoRole)
    return info


def paint_state(painter: QPainter, rect: QRectF, state: str, colors: Colors) -> None:
    """Delivery marks: a clock while sending, ✓ sent, ✓✓ delivered, coloured ✓✓ read, ! failed."""
    painter.save()
    cy = rect.center().y()
    x = rect.left()
    if state == "sending":
        painter.setPen(QPen(colors.muted, 1.2))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        r = 4.5
        centre = QPointF(x + r + 1, cy)
        painter.drawEllipse(centre, r, r)
        painter.drawLine(centre, QPointF(centre.x(), cy - r + 1.5))
        painter.drawLine(centre, QPointF(centre.x() + r - 1.8, cy))
    elif state == "failed":
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colors.failed)
        r = 5.5
        painter.drawEllipse(QPointF(x + r, cy), r, r)
        painter.setPen(QPen(colors.base, 1.6))
        painter.drawLine(QPointF(x + r, cy - 3), QPointF(x + r, cy + 0.8))
        painter.drawPoint(QPointF(x + r, cy + 2.6))
    elif state in ("sent", "delivered", "read"):
        color = colors.accent if state == "read" else colors.muted
        painter.setPen(
            QPen(
                color,
                1.4,
                Qt.PenStyle.SolidLine,
                Qt.PenCapStyle.RoundCap,
                Qt.PenJoinStyle.RoundJoin,
            )
        )
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for offset in (0.0, 4.5) if state != "sent" else (0.0,):
            path = QPainterPath(QPointF(x + offset, cy))
            path.lineTo(x + offset + 3, cy + 3)
            path.lineTo(x + offset + 9, cy - 3.5)
            painter.drawPath(path)
    painter.restore()
