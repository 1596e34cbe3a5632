"""How one row of the contact list looks, and the Accept / Decline buttons drawn in it.

Everything is painted from the view's palette and style (the buttons are real
style-drawn push buttons), so rows follow the light or dark theme; only the
presence dot and the unread and mention badges carry an accent colour. A muted room's
unread badge is grey (it does not call for attention) beside a muted-speaker mark; its
mention badge stays in colour, as mentions notify even in a muted room.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QHelpEvent, QMouseEvent, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionButton,
    QStyleOptionViewItem,
    QToolTip,
    QWidget,
)

from messenger.ui import presence_style
from messenger.ui.avatar import paint_avatar
from messenger.ui.contacts.kinds import (
    ACCEPTED,
    BLOCKED,
    FOLDING,
    FORMER_ROOM,
    HEADER,
    INCOMING,
    INVITATION,
    OUTGOING,
    ROOM,
    Role,
)
from messenger.ui.rooms.avatar import paint_room_avatar
from messenger.ui.session import AccountSession

Index = QModelIndex | QPersistentModelIndex

ROW_HEIGHT = 56
HEADER_HEIGHT = 28
PAD = 8
AVATAR = 40
DOT = 13
GAP = 10  # between the avatar and the text
BUTTON_HEIGHT = 26

MUTED_MARK = 14  # the muted-speaker icon after a muted room's name

# The in-row buttons of an incoming contact request or room invitation: (action, label),
# right to left.
REQUEST_BUTTONS = (("decline", "Decline"), ("accept", "Accept"))
# Rows that carry those buttons.
ASKING = (INCOMING, INVITATION)
ROOM_KINDS = (ROOM, FORMER_ROOM, INVITATION)


def badge_text(unread: int) -> str:
    return "99+" if unread > 99 else str(unread)


class ContactDelegate(QStyledItemDelegate):
    """Paints contact rows and section headers; reports clicks on the in-row buttons."""

    # action ("accept" or "decline"), username
    action_requested = Signal(str, str)
    # action ("accept" or "decline"), room id: a room invitation's buttons
    invitation_action_requested = Signal(str, str)

    def __init__(self, session: AccountSession, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._session = session

    # --- geometry ----------------------------------------------------------------------

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        fm = option.fontMetrics
        if index.data(Role.KIND) == HEADER:
            return QSize(0, max(HEADER_HEIGHT, fm.height() + 12))
        return QSize(0, max(ROW_HEIGHT, 2 * fm.height() + 2 * PAD + 4))

    def button_rects(self, rect: QRect, fm: QFontMetrics) -> dict[str, QRect]:
        """Where the Accept and Decline buttons of an incoming request row are drawn."""
        rects: dict[str, QRect] = {}
        right = rect.right() - PAD
        height = max(BUTTON_HEIGHT, fm.height() + 8)
        top = rect.top() + (rect.height() - height) // 2
        for action, label in REQUEST_BUTTONS:
            width = fm.horizontalAdvance(label) + 24
            rects[action] = QRect(right - width + 1, top, width, height)
            right -= width + 6
        return rects

    # --- painting ----------------------------------------------------------------------

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        # No initStyleOption: nothing here is drawn from the standard roles it fills in.
        opt = QStyleOptionViewItem(option)
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        painter.save()
        if index.data(Role.KIND) == HEADER:
            self._paint_header(painter, opt, index, style, widget)
        else:
            style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, opt, painter, widget)
            self._paint_contact(painter, opt, index, style, widget)
        painter.restore()

    def _colors(self, opt: QStyleOptionViewItem) -> tuple[QColor, QColor, QColor]:
        """Main text, secondary text and the background behind the avatar."""
        palette = opt.palette
        group = (
            QPalette.ColorGroup.Active
            if opt.state & QStyle.StateFlag.State_Active
            else QPalette.ColorGroup.Inactive
        )
        if opt.state & QStyle.StateFlag.State_Selected:
            text = palette.color(group, QPalette.ColorRole.HighlightedText)
            secondary = QColor(text)
            secondary.setAlphaF(0.8)
            return text, secondary, palette.color(group, QPalette.ColorRole.Highlight)
        return (
            palette.color(group, QPalette.ColorRole.Text),
            palette.color(group, QPalette.ColorRole.PlaceholderText),
            palette.color(group, QPalette.ColorRole.Base),
        )

    def _paint_header(
        self,
        painter: QPainter,
        opt: QStyleOptionViewItem,
        index: Index,
        style: QStyle,
        widget: QWidget | None,
    ) -> None:
        _, secondary, _ = self._colors(opt)
        font = QFont(opt.font)
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 0.9)
        painter.setFont(font)
        painter.setPen(secondary)
        title = f"{index.data(Qt.ItemDataRole.DisplayRole)} ({index.data(Role.COUNT)})"
        text_rect = opt.rect.adjusted(PAD + 4, 0, -PAD, 0)
        collapsed = index.data(Role.COLLAPSED)
        if index.data(Role.SECTION) in FOLDING:  # it folds: show which way
            arrow = (
                QStyle.PrimitiveElement.PE_IndicatorArrowRight
                if collapsed
                else QStyle.PrimitiveElement.PE_IndicatorArrowDown
            )
            arrow_opt = QStyleOptionViewItem(opt)
            arrow_opt.rect = QRect(text_rect.left(), opt.rect.center().y() - 5, 10, 10)
            arrow_opt.palette.setColor(QPalette.ColorRole.ButtonText, secondary)
            style.drawPrimitive(arrow, arrow_opt, painter, widget)
            text_rect.setLeft(text_rect.left() + 16)
        painter.drawText(
            text_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, title
        )
        if opt.state & QStyle.StateFlag.State_HasFocus:
            focus = QStyleOptionViewItem(opt)
            focus.rect = opt.rect.adjusted(2, 2, -2, -2)
            style.drawPrimitive(QStyle.PrimitiveElement.PE_FrameFocusRect, focus, painter, widget)

    def _paint_contact(
        self,
        painter: QPainter,
        opt: QStyleOptionViewItem,
        index: Index,
        style: QStyle,
        widget: QWidget | None,
    ) -> None:
        rect = opt.rect
        kind = index.data(Role.KIND)
        username = str(index.data(Role.USERNAME))
        unread = int(index.data(Role.UNREAD) or 0)
        text_color, secondary, backdrop = self._colors(opt)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)

        avatar = QRectF(
            rect.left() + PAD, rect.top() + (rect.height() - AVATAR) / 2, AVATAR, AVATAR
        )
        if kind in (BLOCKED, FORMER_ROOM):
            painter.setOpacity(0.5)
        if kind in ROOM_KINDS:
            name = str(index.data(Qt.ItemDataRole.DisplayRole))
            paint_room_avatar(painter, avatar, str(index.data(Role.ROOM)), name)
        else:
            paint_avatar(painter, avatar, self._session, username)
        painter.setOpacity(1.0)
        if kind in (ACCEPTED, BLOCKED):
            dot = QRectF(avatar.right() - DOT + 2, avatar.bottom() - DOT + 2, DOT, DOT)
            presence_style.paint_dot(painter, dot, str(index.data(Role.STATUS)), backdrop)

        fm = opt.fontMetrics
        left = int(avatar.right()) + GAP
        right = rect.right() - PAD
        line_h = fm.height()
        top = rect.top() + (rect.height() - 2 * line_h - 4) // 2
        first = QRect(left, top, right - left, line_h)
        second = QRect(left, top + line_h + 4, right - left, line_h)

        muted = bool(index.data(Role.MUTED))
        if kind in ASKING:
            buttons = self.button_rects(rect, fm)
            first.setRight(min(r.left() for r in buttons.values()) - PAD)
            second.setRight(first.right())
            self._paint_buttons(painter, opt, buttons, style, widget)
        else:
            small = QFont(opt.font)
            small.setPointSizeF(small.pointSizeF() * 0.85)
            small_fm = QFontMetrics(small)
            when = str(index.data(Role.TIME) or "")
            if when:
                painter.setFont(small)
                painter.setPen(secondary)
                width = small_fm.horizontalAdvance(when)
                painter.drawText(
                    QRect(right - width, first.top(), width, line_h),
                    Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                    when,
                )
                first.setRight(right - width - PAD)
            if unread:
                badge = self._paint_badge(painter, opt, small, second, badge_text(unread), muted)
                second.setRight(badge.left() - PAD)
            if int(index.data(Role.MENTIONS) or 0):
                badge = self._paint_badge(painter, opt, small, second, "@", False)
                second.setRight(badge.left() - PAD)

        # First line: the name, then the contact's own status words, dimmer.
        name_font = QFont(opt.font)
        name_font.setBold((unread > 0 and not muted) or kind in ASKING)
        name_fm = QFontMetrics(name_font)
        name = name_fm.elidedText(
            str(index.data(Qt.ItemDataRole.DisplayRole)), Qt.TextElideMode.ElideRight, first.width()
        )
        painter.setFont(name_font)
        painter.setPen(text_color)
        painter.drawText(first, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, name)
        if muted:
            left_at = first.left() + name_fm.horizontalAdvance(name) + 6
            mark = QRect(left_at, first.center().y() - MUTED_MARK // 2, MUTED_MARK, MUTED_MARK)
            icon = style.standardIcon(QStyle.StandardPixmap.SP_MediaVolumeMuted, None, widget)
            icon.paint(painter, mark)
        status_text = str(index.data(Role.STATUS_TEXT) or "") if kind == ACCEPTED else ""
        rest = first.width() - name_fm.horizontalAdvance(name)
        if status_text and rest > fm.horizontalAdvance(" — …") + 8:
            painter.setFont(opt.font)
            painter.setPen(secondary)
            shown = fm.elidedText(f" — {status_text}", Qt.TextElideMode.ElideRight, rest)
            painter.drawText(
                first.adjusted(name_fm.horizontalAdvance(name), 0, 0, 0),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                shown,
            )

        # Second line: the last message, presence, or where a request stands.
        detail_font = QFont(opt.font)
        detail_font.setItalic(kind in (OUTGOING, BLOCKED, INCOMING, INVITATION, FORMER_ROOM))
        painter.setFont(detail_font)
        painter.setPen(text_color if unread and not muted else secondary)
        detail = QFontMetrics(detail_font).elidedText(
            str(index.data(Role.DETAIL) or ""), Qt.TextElideMode.ElideRight, second.width()
        )
        painter.drawText(second, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, detail)

    def _paint_badge(
        self,
        painter: QPainter,
        opt: QStyleOptionViewItem,
        font: QFont,
        line: QRect,
        text: str,
        quiet: bool,
    ) -> QRect:
        """A pill at the right end of ``line``; ``quiet`` (a muted room) paints it grey."""
        font = QFont(font)
        font.setBold(True)
        fm = QFontMetrics(font)
        height = fm.height() + 2
        width = max(height, fm.horizontalAdvance(text) + 12)
        badge = QRect(line.right() - width + 1, line.center().y() - height // 2, width, height)
        palette = opt.palette
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        fill = palette.color(QPalette.ColorRole.Base if selected else QPalette.ColorRole.Accent)
        ink = palette.color(
            QPalette.ColorRole.Accent if selected else QPalette.ColorRole.HighlightedText
        )
        if quiet:
            fill = palette.color(QPalette.ColorRole.PlaceholderText)
            ink = palette.color(QPalette.ColorRole.Base)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(fill)
        painter.drawRoundedRect(QRectF(badge), height / 2, height / 2)
        painter.setFont(font)
        painter.setPen(ink)
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, text)
        return badge

    def _paint_buttons(
        self,
        painter: QPainter,
        opt: QStyleOptionViewItem,
        rects: dict[str, QRect],
        style: QStyle,
        widget: QWidget | None,
    ) -> None:
        for action, label in REQUEST_BUTTONS:
            button = QStyleOptionButton()
            button.rect = rects[action]
            button.text = label
            button.palette = opt.palette
            button.fontMetrics = opt.fontMetrics
            button.state = QStyle.StateFlag.State_Enabled | QStyle.StateFlag.State_Raised
            if action == "accept":
                button.features = QStyleOptionButton.ButtonFeature.DefaultButton
            style.drawControl(QStyle.ControlElement.CE_PushButton, button, painter, widget)

    # --- the in-row buttons: tooltips and clicks -----------------------------------------

    def helpEvent(
        self,
        event: QHelpEvent,
        view: QAbstractItemView,
        option: QStyleOptionViewItem,
        index: Index,
    ) -> bool:
        kind = index.data(Role.KIND)
        if event.type() == QEvent.Type.ToolTip and kind in ASKING:
            name = index.data(Qt.ItemDataRole.DisplayRole)
            what = f"the request of {name}" if kind == INCOMING else f"the invitation to {name}"
            for action, rect in self.button_rects(option.rect, option.fontMetrics).items():
                if rect.contains(event.pos()):
                    verb = "Accept" if action == "accept" else "Decline"
                    QToolTip.showText(event.globalPos(), f"{verb} {what}", view)
                    return True
        return super().helpEvent(event, view, option, index)

    def editorEvent(
        self,
        event: QEvent,
        model: object,
        option: QStyleOptionViewItem,
        index: Index,
    ) -> bool:
        kind = index.data(Role.KIND)
        if kind not in ASKING or not isinstance(event, QMouseEvent):
            return False
        if event.type() not in (QEvent.Type.MouseButtonRelease, QEvent.Type.MouseButtonDblClick):
            return False
        if event.button() != Qt.MouseButton.LeftButton:
            return False
        point = event.position().toPoint()
        for action, rect in self.button_rects(option.rect, option.fontMetrics).items():
            if rect.contains(point):
                if event.type() == QEvent.Type.MouseButtonRelease and kind == INCOMING:
                    self.action_requested.emit(action, str(index.data(Role.USERNAME)))
                elif event.type() == QEvent.Type.MouseButtonRelease:
                    self.invitation_action_requested.emit(action, str(index.data(Role.ROOM)))
                return True  # a double click on a button must not also open the row
        return False
