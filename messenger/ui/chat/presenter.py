"""What one message row shows: names, delivery state, the quoted message, reactions, grouping.

Receipts are read from the store once per refresh, not once per painted row; quotes are
looked up once and kept until the quoted message changes.
"""

from __future__ import annotations

from collections.abc import Callable

from messenger.protocol.files import normalize_file_name
from messenger.protocol.results import MessageView
from messenger.ui.calls import words as call_words
from messenger.ui.chat.dates import time_text
from messenger.ui.chat.rows import MessageInfo, Quote, Reaction, Row
from messenger.ui.files.card import FileCard, file_card
from messenger.ui.session import FAILED, SENDING, AccountSession, receipt_state

# Messages from one sender closer together than this are drawn as one group.
GROUP_SECONDS = 300


class RowPresenter:
    def __init__(self, session: AccountSession, conversation: str) -> None:
        self._session = session
        self._conversation = conversation
        self._quotes: dict[int, Quote] = {}
        self._read_upto = 0
        self._delivered_upto = 0

    def clear(self) -> None:
        """Forget every quote (names changed, or the window was reloaded)."""
        self._quotes.clear()

    def forget_quotes(self, seqs: set[int]) -> None:
        for seq in seqs:
            self._quotes.pop(seq, None)

    def load_markers(self) -> tuple[int, int] | None:
        """Read the peers' receipts; the seq range whose delivery state changed, if any."""
        before = (self._read_upto, self._delivered_upto)
        self._delivered_upto, self._read_upto = self._session.receipt_marks(self._conversation)
        after = (self._read_upto, self._delivered_upto)
        if before == after:
            return None
        return min(*before, *after), max(*before, *after)

    def state_of(self, row: Row) -> str:
        """Delivery state of one's own message ("" for others' messages and separators)."""
        m = row.message
        if m is None or m.sender != self._session.username:
            return ""
        if row.pending is not None:
            return FAILED if row.pending.error_code else SENDING
        if row.upload is not None:
            return SENDING  # a failed upload says so on its card, with Retry
        return receipt_state(m.seq, self._delivered_upto, self._read_upto)

    def info(
        self, row: Row, above: Row | None, find: Callable[[int], MessageView | None]
    ) -> MessageInfo:
        """Everything drawn for a message row; ``find`` looks a seq up among loaded rows."""
        m = row.message
        assert m is not None
        me = self._session.username
        name_of = self._session.name_of
        previous = above.message if above is not None else None
        continues = (
            previous is not None
            and above is not None
            and previous.sender == m.sender
            and above.day == row.day
            and m.ts - previous.ts < GROUP_SECONDS
        )
        reactions = tuple(
            Reaction(emoji, len(users), me in users, ", ".join(map(name_of, users)))
            for emoji, users in m.reactions.items()
            if users
        )
        pending = row.pending
        text = m.text
        if m.call is not None:
            call = m.call
            text = call_words.history(
                call.video, call.outcome, call.duration, incoming=m.sender != me
            )
        return MessageInfo(
            key=row.key,
            own=m.sender == me,
            sender_name=name_of(m.sender),
            text=text,
            ts=m.ts,
            state="" if m.call is not None else self.state_of(row),  # calls are not "read"
            edited=m.edited,
            deleted=m.deleted,
            quote=None if m.reply_to is None else self.quote(m.reply_to, find),
            reactions=reactions,
            continues=continues,
            error=(pending.error_message or "") if pending is not None else "",
            call=m.call,
            file=self.file_card(row),
        )

    def file_card(self, row: Row) -> FileCard | None:
        """A file message's card, with the newest upload or download of its file."""
        book = self._session.transfers
        if row.upload is not None:
            record = row.upload
            return file_card(
                name=record.name,
                size=record.size,
                mime=record.mime,
                file_id=record.file_id or "",
                thumbnail=record.thumbnail,
                transfer=book.get(record.id),
                local=None,
            )
        m = row.message
        if m is None or m.file is None:
            return None
        f = m.file
        download = book.download(f.file_id)
        upload = book.upload(m.client_id) if m.sender == self._session.username else None
        local = None
        if download is not None and download.state == "done":
            local = download.path
        elif upload is not None and upload.state == "done":
            local = upload.path  # one's own file, where it was sent from
        return file_card(
            name=f.name,
            size=f.size,
            mime=f.mime,
            file_id=f.file_id,
            thumbnail=f.thumbnail,
            transfer=download,
            local=local,
        )

    def quote(self, seq: int, find: Callable[[int], MessageView | None]) -> Quote:
        """The replied-to message as a reply quotes it."""
        quote = self._quotes.get(seq)
        if quote is None:
            view = self._session.store.timeline.message(self._conversation, seq) or find(seq)
            if view is None:
                quote = Quote(seq, "", "Message not available")
            else:
                mine = view.sender == self._session.username
                name = "You" if mine else self._session.name_of(view.sender)
                first = view.text.strip().split("\n", 1)[0]
                if view.file is not None and not first:
                    first = f"📎 {normalize_file_name(view.file.name)}"
                if view.call is not None:
                    first = call_words.history(
                        view.call.video, view.call.outcome, view.call.duration, incoming=not mine
                    )
                quote = Quote(seq, name, "Message deleted" if view.deleted else first)
            self._quotes[seq] = quote
        return quote


def spoken(info: MessageInfo) -> str:
    """A message as a screen reader says it."""
    parts = [f"{'You' if info.own else info.sender_name}, {time_text(info.ts)}"]
    if info.quote is not None:
        parts.append(f"in reply to {info.quote.sender_name}")
    if info.file is not None:
        parts.append(f"file {info.file.name}, {info.file.detail}")
    parts.append("message deleted" if info.deleted else info.text)
    if info.edited:
        parts.append("edited")
    if info.state:
        parts.append(info.state)
    parts.extend(f"{r.emoji} {r.users}" for r in info.reactions)
    return ". ".join(parts)
