"""Text emoticons such as ``:)`` turned into emoji, the way people expect from a messenger.

Only an emoticon standing as a word of its own is converted: it starts the text or follows
whitespace, and ends the text or is followed by whitespace (sentence punctuation may come
between). So ``a:)b``, ``http://x/:P`` and ``std::O`` stay as written, and nothing inside an
address or a `code span` is ever touched.
"""

from __future__ import annotations

import re

from messenger.text.links import find_links

EMOTICONS: dict[str, str] = {
    ":)": "🙂",
    ":-)": "🙂",
    ":(": "🙁",
    ":-(": "🙁",
    ";)": "😉",
    ";-)": "😉",
    ":D": "😃",
    ":-D": "😃",
    "XD": "😆",
    "xD": "😆",
    ":P": "😛",
    ":-P": "😛",
    ":p": "😛",
    ":-p": "😛",
    ";P": "😜",
    ";p": "😜",
    ":o": "😮",
    ":O": "😮",
    ":-o": "😮",
    ":-O": "😮",
    ":'(": "😢",
    ":*": "😘",
    ":-*": "😘",
    ":|": "😐",
    ":-|": "😐",
    ":/": "😕",
    ":-/": "😕",
    ">:(": "😠",
    "B-)": "😎",
    "8-)": "😎",
    "<3": "❤️",
    "</3": "💔",
}

# Longest first, so ":-)" is not read as ":-" followed by something else.
_ALTERNATIVES = "|".join(re.escape(e) for e in sorted(EMOTICONS, key=len, reverse=True))
_EMOTICON = re.compile(rf"(?<!\S)({_ALTERNATIVES})(?=$|\s|[.,!?]+(?:\s|$))")
_AT_END = re.compile(rf"(?<!\S)({_ALTERNATIVES})$")
_CODE = re.compile(r"```.*?```|`[^`\n]*`", re.DOTALL)


def _protected(text: str) -> list[tuple[int, int]]:
    """Spans that are left exactly as written: code spans and links."""
    spans = [(m.start(), m.end()) for m in _CODE.finditer(text)]
    spans.extend((link.start, link.end) for link in find_links(text))
    return spans


def convert(text: str) -> str:
    """``text`` with every free-standing emoticon replaced by its emoji."""
    protected = _protected(text)

    def replace(match: re.Match[str]) -> str:
        start, end = match.span()
        if any(start < p_end and p_start < end for p_start, p_end in protected):
            return match.group()
        return EMOTICONS[match.group()]

    return _EMOTICON.sub(replace, text)


def emoticon_before(prefix: str) -> tuple[str, str] | None:
    """The emoticon ending ``prefix`` and its emoji, if it stands as a word of its own.

    The composer asks this when a space is typed, with the text of the line up to the cursor,
    to convert while typing; outside a code span only (an odd number of backticks before it
    means one is open).
    """
    match = _AT_END.search(prefix)
    if match is None or prefix[: match.start()].count("`") % 2:
        return None
    return match.group(), EMOTICONS[match.group()]
