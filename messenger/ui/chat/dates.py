"""Times and days as the chat shows them, in the user's locale."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, QDateTime, QLocale


def _local(ts: float) -> QDateTime:
    return QDateTime.fromMSecsSinceEpoch(round(ts * 1000))


def time_text(ts: float) -> str:
    """The time of day of a server timestamp, e.g. "14:05" or "2:05 PM"."""
    return QLocale().toString(_local(ts).time(), QLocale.FormatType.ShortFormat)


def full_text(ts: float) -> str:
    """Date and time, for tooltips."""
    return QLocale().toString(_local(ts), QLocale.FormatType.LongFormat)


def day_label(day: dt.date, today: dt.date | None = None) -> str:
    """ "Today", "Yesterday", or the date written out."""
    today = today or dt.date.today()
    if day == today:
        return "Today"
    if day == today - dt.timedelta(days=1):
        return "Yesterday"
    return QLocale().toString(QDate(day.year, day.month, day.day), QLocale.FormatType.LongFormat)


def last_seen_text(ts: float, today: dt.date | None = None) -> str:
    seen = dt.datetime.fromtimestamp(ts)
    today = today or dt.date.today()
    if seen.date() == today:
        return f"Last seen today at {time_text(ts)}"
    if seen.date() == today - dt.timedelta(days=1):
        return f"Last seen yesterday at {time_text(ts)}"
    date = QLocale().toString(
        QDate(seen.year, seen.month, seen.day), QLocale.FormatType.ShortFormat
    )
    return f"Last seen {date}"
