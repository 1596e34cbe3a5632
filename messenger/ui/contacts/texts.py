"""Short texts of the list's rows: one line of a message, and when it was sent."""

from __future__ import annotations

import re
from datetime import date, datetime

from PySide6.QtCore import QDate, QLocale, QTime


def one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def time_text(ts: float, today: date | None = None) -> str:
    """hh:mm for today, the weekday within the last week, else the date (in the user's locale)."""
    when = datetime.fromtimestamp(ts)
    today = today or date.today()
    locale = QLocale()
    age = (today - when.date()).days
    if age <= 0:
        return locale.toString(QTime(when.hour, when.minute), QLocale.FormatType.ShortFormat)
    if age < 7:
        return locale.dayName(when.isoweekday(), QLocale.FormatType.ShortFormat)
    return locale.toString(QDate(when.year, when.month, when.day), QLocale.FormatType.ShortFormat)
