"""What one message row shows: names, delivery state, the quoted message, reactions, grouping.

Receipts are read from the store once per refresh, not once per painted row; quotes are
looked up once and kept until the quoted message changes.

In a room, others' messages carry their sender (name, colour, avatar) and mentions; one's
own show who has read them ("seen by"), from every member's read marker; membership and
settings entries become centred notices.
"""

from __future__ import annotations

from collections.abc import Callable

from messenger.protocol.files import normalize_file_name
from messenger.protocol.results import MessageView
from messenger.protocol.rooms import RoomSettings
from messenger.ui.calls import words as call_words
from messenger.ui.chat.dates import time_text
from messenger.ui.chat.mentions import mentions_in
from messenger.ui.chat.notices import notice_text
from messenger.ui.chat.room_people import RoomPeople
from messenger.ui.chat.rows import MessageInfo, Quote, Reaction, Row
from messenger.ui.files.card import FileCard, file_card
from messenger.ui.session import FAILED, READ, SENDING, SENT, AccountSession, receipt_state

# Messages from one sender closer together than this are drawn as one group.
GROUP_SECONDS = 300
# How far back a settings entry looks for the one before it (to say what changed).
SETTINGS_LOOKBACK = 500


class RowPresenter:
    def __init__(
        self, session: AccountSession, conversation: str, people: RoomPeople | None = None
    ) -> None:
        self._session = session
        self._conversation = conversation
        self._people = people
        self._quotes: dict[int, Quote] = {}
        self._read_upto = 0
        self._delivered_upto = 0
        # In a room: every other current member's read marker.
        self._reads: dict[str, int] = {}

    def name_of(self, username: str) -> str:
        people = self._people
        return people.name_of(username) if people is not None else self._session.name_of(username)

    def clear(self) -> None:
        """Forget every quote (names changed, or the window was reloaded)."""
        self._quotes.clear()

    def forget_quotes(self, seqs: set[int]) -> None:
        for seq in seqs:
            self._quotes.pop(seq, None)

    def load_markers(self) -> tuple[int, int] | None:
        """Read the peers' receipts; the seq range whose delivery state changed, if any."""
        if self._people is not None:
            return self._load_room_markers(self._people)
        before = (self._read_upto, self._delivered_upto)
        self._delivered_upto, self._read_upto = self._session.receipt_marks(self._conversation)
        after = (self._read_upto, self._delivered_upto)
        if before == after:
            return None
        return min(*before, *after), max(*before, *after)

    def _load_room_markers(self, people: RoomPeople) -> tuple[int, int] | None:
        """A room's markers: each other member's read seq. Rooms send no ``delivered``
        events (§19.5), so one's messages there are sent, seen by some, or read by all."""
        me = self._session.username
        members = set(people.members()) - {me}
        reads = {
            m.username: m.read_seq
            for m in self._session.store.timeline.members(self._conversation)
            if m.username in members
        }
        reads.update((username, 0) for username in members - reads.keys())
        before, self._reads = self._reads, reads
        if before == reads:
            return None
        if before.keys() != reads.keys():
            return 0, 2**62  # someone joined or left: every "seen by" may change
        moved = [(before[u], reads[u]) for u in reads if before[u] != reads[u]]
        return min(low for low, _ in moved), max(high for _, high in moved)

    def seen_by(self, message: MessageView) -> tuple[str, ...]:
        """Who of the room's other members has read ``message`` (by name, sorted)."""
        names = [
            self.name_of(u)
            for u, read in self._reads.items()
            if read >= message.seq and u != message.sender
        ]
        return tuple(sorted(names, key=str.lower))

    def state_of(self, row: Row) -> str:
        """Delivery state of one's own message ("" for others' messages and separators)."""
        m = row.message
        if m is None or m.sender != self._session.username:
            return ""
        if m.member is not None or m.room is not None:
            return ""
        if row.pending is not None:
            return FAILED if row.pending.error_code else SENDING
        if row.upload is not None:
            return SENDING  # a failed upload says so on its card, with Retry
        if self._people is not None:
            everyone = bool(self._reads) and all(r >= m.seq for r in self._reads.values())
            return READ if everyone else SENT
        return receipt_state(m.seq, self._delivered_upto, self._read_upto)

    def info(
        self, row: Row, above: Row | None, find: Callable[[int], MessageView | None]
    ) -> MessageInfo:
        """Everything drawn for a message row; ``find`` looks a seq up among loaded rows."""
        m = row.message
        assert m is not None
        me = self._session.username
        name_of = self.name_of
        if m.member is not None or m.room is not None:
            return self._notice_info(row, m)
        previous = above.message if above is not None else None
        continues = (
            previous is not None
            and above is not None
            and previous.sender == m.sender
            and previous.member is None
            and previous.room is None
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
        info = MessageInfo(
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
        return info if self._people is None else self._in_room(info, row, self._people)

    def _in_room(self, info: MessageInfo, row: Row, people: RoomPeople) -> MessageInfo:
        m = row.message
        assert m is not None
        me = self._session.username
        # An unsent message has no server-computed mentions yet: found as the server will.
        names = m.mentions if not row.is_local else mentions_in(m.text, set(people.members()))
        return info._replace(
            room_sender="" if info.own else m.sender,
            mentions=frozenset(names),
            mentions_me=not info.own and me in names,
            seen_by=self.seen_by(m) if info.own and m.seq else (),
        )

    def _notice_info(self, row: Row, m: MessageView) -> MessageInfo:
        text = notice_text(m, self._session.username, self.name_of, self._settings_before(m))
        return MessageInfo(
            key=row.key,
            own=False,
            sender_name=self.name_of(m.sender),
            text=text,
            ts=m.ts,
            state="",
            edited=False,
            deleted=False,
            quote=None,
            reactions=(),
            continues=False,
            error="",
            notice=True,
        )

    def _settings_before(self, m: MessageView) -> RoomSettings | None:
        """The room's settings before entry ``m`` (None when this device never saw them)."""
        if m.room is None:
            return None
        earlier = self._session.store.timeline.messages(
            self._conversation, before=m.seq, limit=SETTINGS_LOOKBACK
        )
        return next((v.room for v in reversed(earlier) if v.room is not None), None)

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
                name = "You" if mine else self.name_of(view.sender)
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
    if info.notice:
        return f"{info.text}, {time_text(info.ts)}"
    parts = [f"{'You' if info.own else info.sender_name}, {time_text(info.ts)}"]
    if info.quote is not None:
        parts.append(f"in reply to {info.quote.sender_name}")
    if info.file is not None:
        parts.append(f"file {info.file.name}, {info.file.detail}")
    parts.append("message deleted" if info.deleted else info.text)
    if info.edited:
        parts.append("edited")
    if info.mentions_me:
        parts.append("mentions you")
    if info.state:
        parts.append(info.state)
    if info.seen_by:
        parts.append(f"seen by {', '.join(info.seen_by)}")
    parts.extend(f"{r.emoji} {r.users}" for r in info.reactions)
    return ". ".join(parts)
