"""One conversation as a list of rows: day separators, stored messages, then the outbox.

The model holds a *window* of the conversation, never all of it: the newest page when opened,
older pages added at the top as the user scrolls up (the local store first, then the server's
history), and rows far below dropped meanwhile and read back as the user scrolls down again.
So a 100,000-message conversation costs what a few pages cost, in memory and in the view's
layout passes, wherever the user is in it.

Changes arrive as ``conversation_changed``; they are folded in row by row (new messages
appended, edits, reactions, receipts and acknowledgements updated in place), never by a reset,
so the view keeps its scroll position.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)

from messenger.client import ConnectionState
from messenger.client.transfers import TransferUpdate
from messenger.protocol.results import MessageView
from messenger.ui.chat.dates import day_label
from messenger.ui.chat.presenter import RowPresenter, spoken
from messenger.ui.chat.room_people import RoomPeople
from messenger.ui.chat.rows import (
    MessageInfo,
    Row,
    message_key,
    message_row,
    pending_row,
    upload_row,
    with_days,
)
from messenger.ui.session import AccountSession

ModelIndex = QModelIndex | QPersistentModelIndex


class ChatModel(QAbstractListModel):
    RowRole = Qt.ItemDataRole.UserRole + 1  # the Row
    InfoRole = Qt.ItemDataRole.UserRole + 2  # MessageInfo, None for day separators
    StateRole = Qt.ItemDataRole.UserRole + 3  # delivery state of one's own message, else ""
    SenderRole = Qt.ItemDataRole.UserRole + 4  # username, "" for day separators
    SeqRole = Qt.ItemDataRole.UserRole + 5  # server seq, 0 while in the outbox or a separator

    loading_changed = Signal(bool)  # older history is being fetched from the server
    arrived = Signal(int)  # messages were appended at the newest end: how many from others

    def __init__(
        self,
        session: AccountSession,
        conversation: str,
        *,
        page_size: int = 100,
        window: int = 1000,
        people: RoomPeople | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._session = session
        self.conversation = conversation
        self._page = page_size
        self._window = max(window, 2 * page_size)
        self._rows: list[Row] = []
        # Messages dropped below the window, oldest first: a stored message's seq (read back
        # from the store), or the row itself when it came from the server's history.
        self._newer: list[int | Row] = []
        self._at_newest = True
        self._at_oldest = False
        self._loading = False
        self._generation = 0  # bumped on reset, so a late server reply is not applied twice
        self._closed = False
        self._presenter = RowPresenter(session, conversation, people)
        self._infos: dict[str, tuple[str, MessageInfo]] = {}  # key -> (key above, info)
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(0)  # many changes in one loop turn: one refresh
        self._refresh_timer.timeout.connect(self.refresh)
        session.conversation_changed.connect(self._on_conversation_changed)
        session.transfer_changed.connect(self._on_transfer_changed)
        self._transfer_states: dict[int, str] = {}  # what each transfer's card last showed
        self.load_newest()

    def close(self) -> None:
        """Stop following the conversation (the panel switched to another one)."""
        self._closed = True
        self._refresh_timer.stop()
        self._session.conversation_changed.disconnect(self._on_conversation_changed)
        self._session.transfer_changed.disconnect(self._on_transfer_changed)

    # --- Qt model interface -----------------------------------------------------------

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        match role:
            case Qt.ItemDataRole.DisplayRole:
                if row.message is None:
                    return day_label(row.day)
                m = row.message
                if m.call is not None or m.member is not None or m.room is not None:
                    # A call's entry or a room's notice: the words it shows.
                    info = self.info(index.row())
                    return "" if info is None else info.text
                return row.message.text
            case self.RowRole:
                return row
            case self.InfoRole:
                return self.info(index.row())
            case self.StateRole:
                return self.state_of(row)
            case self.SenderRole:
                return "" if row.message is None else row.message.sender
            case self.SeqRole:
                return row.seq
            case Qt.ItemDataRole.AccessibleTextRole:
                info = self.info(index.row())
                return day_label(row.day) if info is None else spoken(info)
        return None

    # --- reading rows -----------------------------------------------------------------

    @property
    def session(self) -> AccountSession:
        """The account shown (the delegate draws room members' avatars from it)."""
        return self._session

    @property
    def at_newest(self) -> bool:
        """The window reaches the newest message (and shows the outbox after it)."""
        return self._at_newest

    @property
    def at_oldest(self) -> bool:
        """The window starts at the first message of the conversation."""
        return self._at_oldest

    @property
    def loading(self) -> bool:
        return self._loading

    def row_at(self, row: int) -> Row:
        return self._rows[row]

    def row_of_key(self, key: str) -> int | None:
        return next((i for i, r in enumerate(self._rows) if r.key == key), None)

    def row_of_seq(self, seq: int) -> int | None:
        return next((i for i, r in enumerate(self._rows) if r.seq == seq), None)

    def messages(self) -> list[MessageView]:
        """The messages in the window, oldest first (outbox entries have seq 0)."""
        return [r.message for r in self._rows if r.message is not None]

    def last_own_message(self) -> MessageView | None:
        """One's newest stored message that can still be edited (what Up in the composer edits)."""
        for row in reversed(self._rows):
            m = row.message
            mine = m is not None and m.sender == self._session.username
            if m is None or not mine or row.is_local:
                continue
            if m.call is None and m.member is None and m.room is None:
                return None if m.deleted else m
        return None

    def state_of(self, row: Row) -> str:
        return self._presenter.state_of(row)

    def info(self, row: int) -> MessageInfo | None:
        """What the delegate draws for ``row`` (None for a day separator).

        Asked for every row on every layout pass, so it is kept per row until the row, the
        row above it (grouping), the receipts or the names change.
        """
        r = self._rows[row]
        if r.message is None:
            return None
        above = self._rows[row - 1] if row > 0 else None
        above_key = above.key if above is not None else ""
        cached = self._infos.get(r.key)
        if cached is not None and cached[0] == above_key:
            return cached[1]
        info = self._presenter.info(r, above, self._loaded_message)
        self._infos[r.key] = (above_key, info)
        return info

    def _loaded_message(self, seq: int) -> MessageView | None:
        row = self.row_of_seq(seq)
        return None if row is None else self._rows[row].message

    def names_changed(self) -> None:
        """Someone's display name changed: every row may show it."""
        self._presenter.clear()
        self._infos.clear()
        if self._rows:
            self.dataChanged.emit(self.index(0), self.index(len(self._rows) - 1))

    # --- loading ----------------------------------------------------------------------

    def load_newest(self) -> None:
        """Show the newest page and the outbox (on open, and to jump back to the present)."""
        timeline = self._session.store.timeline
        self.beginResetModel()
        self._generation += 1
        self._presenter.load_markers()
        self._presenter.clear()
        self._infos.clear()
        page = timeline.messages(self.conversation, limit=self._page)
        rows = [message_row(v) for v in page] + self._pending_rows(page)
        self._rows = list(with_days(rows, None))
        self._newer = []
        self._at_newest = True
        self._at_oldest = len(page) < self._page and (not page or page[0].seq <= 1)
        self._set_loading(False)
        self.endResetModel()

    def load_older(self) -> bool:
        """Add the page before the window's first message; False when there is nothing to do.

        The local store answers at once; when it has nothing older, the server's history is
        asked in the background and its page is added when it comes.
        """
        if self._loading or self._at_oldest or self._closed:
            return False
        oldest = next((r.seq for r in self._rows if r.seq), 0)
        if not oldest:
            oldest = self._session.store.timeline.synced_seq(self.conversation) + 1
        older = self._session.store.timeline.messages(
            self.conversation, before=oldest, limit=self._page
        )
        if older:
            self._prepend(older, from_server=False)
            return True
        if oldest <= 1:
            self._at_oldest = True
            return False
        if self._session.state != ConnectionState.AUTHENTICATED:
            return False  # asked again on the next scroll up, once connected
        self._set_loading(True)
        self._session.run(self._fetch_older(oldest, self._generation), "load earlier messages")
        return True

    async def _fetch_older(self, before: int, generation: int) -> None:
        try:
            views = await self._session.fetch_history(self.conversation, before)
        finally:
            if not self._closed and generation == self._generation:
                self._set_loading(False)
        if self._closed or generation != self._generation:
            return
        first = next((r.seq for r in self._rows if r.seq), None)
        views = [v for v in views if first is None or v.seq < first]
        if not views:
            self._at_oldest = True
            return
        self._prepend(views, from_server=True)

    def load_newer(self) -> bool:
        """Read back the page below the window (the user scrolls down after scrolling far up)."""
        if self._at_newest or self._closed:
            return False
        chunk, self._newer = self._newer[: self._page], self._newer[self._page :]
        seqs = [x for x in chunk if isinstance(x, int)]
        rows = [x for x in chunk if isinstance(x, Row)]
        if seqs:
            stored = self._session.store.timeline.messages(
                self.conversation, before=max(seqs) + 1, limit=2 * len(seqs)
            )
            rows.extend(message_row(v) for v in stored if v.seq >= min(seqs))
        rows.sort(key=lambda r: r.seq)
        last_day = self._rows[-1].day if self._rows else None
        self._insert(len(self._rows), list(with_days(rows, last_day)))
        if not self._newer:
            self._at_newest = True
            self._refresh_tail()
        self._evict_top(self._window)
        return True

    def trim_to_window(self) -> None:
        """Drop the oldest rows beyond the window (the view calls this while at the bottom)."""
        if len(self._rows) > self._window + self._page:
            self._evict_top(self._window)

    def _prepend(self, views: list[MessageView], *, from_server: bool) -> None:
        rows = list(with_days((message_row(v, from_server=from_server) for v in views), None))
        if self._rows and self._rows[0].is_day and self._rows[0].day == rows[-1].day:
            self._remove(0, 1)  # that day's separator now goes before its earlier messages
        self._insert(0, rows)
        self._evict_bottom(self._window)

    def _evict_bottom(self, keep: int) -> None:
        if len(self._rows) <= keep:
            return
        cut = keep
        while cut > 0 and self._rows[cut - 1].is_day:
            cut -= 1
        dropped: list[int | Row] = [
            r if r.from_server else r.seq
            for r in self._rows[cut:]
            if r.message is not None and not r.is_local
        ]
        self._newer[:0] = dropped
        self._remove(cut, len(self._rows) - cut)
        self._at_newest = False

    def _evict_top(self, keep: int) -> None:
        if len(self._rows) <= keep:
            return
        cut = len(self._rows) - keep
        # Keep the separator of the day the window now starts in.
        day = max(i for i in range(cut + 1) if self._rows[i].is_day)
        if day < cut:
            self._remove(day + 1, cut - day - 1)
        self._remove(0, day)
        self._at_oldest = False

    def _insert(self, at: int, rows: list[Row]) -> None:
        if rows:
            self.beginInsertRows(QModelIndex(), at, at + len(rows) - 1)
            self._rows[at:at] = rows
            self.endInsertRows()

    def _remove(self, at: int, count: int) -> None:
        if count > 0:
            self.beginRemoveRows(QModelIndex(), at, at + count - 1)
            for row in self._rows[at : at + count]:
                self._infos.pop(row.key, None)
            del self._rows[at : at + count]
            self.endRemoveRows()

    def _set_loading(self, loading: bool) -> None:
        if loading != self._loading:
            self._loading = loading
            self.loading_changed.emit(loading)

    # --- following changes ------------------------------------------------------------

    def _on_conversation_changed(self, conversation: str) -> None:
        if conversation == self.conversation and not self._closed:
            self._refresh_timer.start()

    def refresh(self) -> None:
        """Fold the conversation's changes into the rows, touching only the rows that changed."""
        if self._closed:
            return
        self._refresh_timer.stop()
        changed = self._refresh_markers()
        changed |= self._refresh_window()
        for row in sorted(changed):
            self._infos.pop(self._rows[row].key, None)
            index = self.index(row)
            self.dataChanged.emit(index, index)
        if self._at_newest:
            self._refresh_tail()

    def _refresh_markers(self) -> set[int]:
        """Rows of one's own messages whose delivery state the new receipts changed."""
        moved = self._presenter.load_markers()
        if moved is None:
            return set()
        low, high = moved
        me = self._session.username
        return {
            i
            for i, r in enumerate(self._rows)
            if r.message is not None and r.message.sender == me and low < r.seq <= high
        }

    def _refresh_window(self) -> set[int]:
        """Rows whose stored message changed (edits, deletes, reactions) or quotes one."""
        stored = [
            (i, r)
            for i, r in enumerate(self._rows)
            if r.message is not None and not r.is_local and not r.from_server
        ]
        if not stored:
            return set()
        fresh = {
            v.seq: v
            for v in self._session.store.timeline.messages(
                self.conversation, before=stored[-1][1].seq + 1, limit=len(stored)
            )
        }
        changed: set[int] = set()
        changed_seqs: set[int] = set()
        for i, row in stored:
            view = fresh.get(row.seq)
            if view is not None and view != row.message:
                self._rows[i] = dataclasses.replace(row, message=view)
                changed.add(i)
                changed_seqs.add(row.seq)
        if changed_seqs:
            self._presenter.forget_quotes(changed_seqs)
            changed.update(
                i
                for i, r in enumerate(self._rows)
                if r.message is not None and r.message.reply_to in changed_seqs
            )
        return changed

    def _pending_rows(self, stored: list[MessageView]) -> list[Row]:
        """The outbox and the files still uploading, in the order they were sent."""
        me = self._session.username
        acked = {v.client_id for v in stored if v.sender == me}
        rows = [
            pending_row(entry, me)
            for entry in self._session.pending(self.conversation)
            if entry.client_id not in acked
        ]
        queued = acked | {r.message.client_id for r in rows if r.message is not None}
        for update in self._session.transfers.unsent_uploads(self.conversation):
            record = self._session.store.transfers.get(update.id)
            if record is not None and record.client_id not in queued:
                rows.append(upload_row(record, me))
        return sorted(rows, key=lambda r: r.message.ts if r.message is not None else 0.0)

    # --- transfers --------------------------------------------------------------------

    def _on_transfer_changed(self, update: TransferUpdate) -> None:
        """Progress redraws the one card it belongs to; a new state may add or end a row
        (an upload starts, its message enters the outbox, it is cancelled)."""
        if update.conversation != self.conversation or self._closed:
            return
        if self._transfer_states.get(update.id) != update.state:
            self._transfer_states[update.id] = update.state
            if update.kind == "upload":
                self._refresh_timer.start()
        me = self._session.username
        for i, row in enumerate(self._rows):
            m = row.message
            if m is None:
                continue
            mine = (
                update.kind == "upload"
                and update.client_id is not None
                and row.key == message_key(me, update.client_id)
            )
            fetched = (
                update.kind == "download"
                and m.file is not None
                and (m.file.file_id == update.file_id)
            )
            if mine or fetched:
                self._infos.pop(row.key, None)
                index = self.index(i)
                self.dataChanged.emit(index, index)

    def _refresh_tail(self) -> None:
        """Append new messages and bring the outbox rows up to date.

        The tail (everything after the last stored message) is replaced by key: rows that
        keep their key (an outbox entry just acknowledged, the day separator above it) are
        updated in place; only the rows in between are removed or inserted.
        """
        last = next(
            (i for i in range(len(self._rows) - 1, -1, -1) if self._rows[i].seq),
            -1,
        )
        newest = self._rows[last].seq if last >= 0 else 0
        new_views: list[MessageView] = []
        before: int | None = None
        while True:
            page = self._session.store.timeline.messages(
                self.conversation, before=before, limit=self._page
            )
            newer = [v for v in page if v.seq > newest]
            new_views[:0] = newer
            if len(newer) < len(page) or len(page) < self._page:
                break
            before = page[0].seq
        rows = [message_row(v) for v in new_views] + self._pending_rows(new_views)
        previous_day = self._rows[last].day if last >= 0 else None
        self._replace_tail(last + 1, list(with_days(rows, previous_day)))
        others = sum(
            1
            for v in new_views
            if v.sender != self._session.username and v.member is None and v.room is None
        )
        if new_views:
            self.arrived.emit(others)

    def _replace_tail(self, start: int, new: list[Row]) -> None:
        old = self._rows[start:]
        head = 0
        while head < min(len(old), len(new)) and old[head].key == new[head].key:
            head += 1
        tail = 0
        while tail < min(len(old), len(new)) - head and old[-1 - tail].key == new[-1 - tail].key:
            tail += 1
        for i in range(head):
            self._update(start + i, new[i])
        self._remove(start + head, len(old) - head - tail)
        self._insert(start + head, new[head : len(new) - tail])
        for j in range(tail):
            self._update(start + len(new) - tail + j, new[len(new) - tail + j])

    def _update(self, at: int, row: Row) -> None:
        if self._rows[at] != row:
            self._rows[at] = row
            self._infos.pop(row.key, None)
            index = self.index(at)
            self.dataChanged.emit(index, index)
