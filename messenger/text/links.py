"""Links in message text, and the text as safe HTML with those links clickable.

Message text is untrusted: everything that is not a recognised link is HTML-escaped, and a
link's address is escaped inside its attribute, so no text can inject markup or script.
Only http(s) addresses and bare ``www.`` hosts become links; other schemes stay plain text.
"""

from __future__ import annotations

import html
import re
from typing import NamedTuple

# A run of characters that may belong to an address, starting at a scheme or "www." that
# begins a word (so "xhttp://" or "awww.example" are not links).
_CANDIDATE = re.compile(r"(?i)(?<![\w@.])(?:https?://|www\.)[^\s<>\"]+")
# Punctuation that usually ends the sentence around an address rather than the address.
_TRAILING = ".,;:!?'\"*]}>)"
_HAS_HOST = re.compile(r"(?i)^(?:https?://|www\.)[\w-]")


class Link(NamedTuple):
    start: int  # index of the first character in the text
    end: int  # index just past the last character
    text: str  # the address as written
    href: str  # what to open: "www." addresses get an http:// scheme


def _trim(candidate: str) -> str:
    while candidate and candidate[-1] in _TRAILING:
        # Keep a closing parenthesis that closes one opened inside the address
        # (https://en.wikipedia.org/wiki/Python_(programming_language)).
        if candidate[-1] == ")" and candidate.count("(") >= candidate.count(")"):
            break
        candidate = candidate[:-1]
    return candidate


def find_links(text: str) -> list[Link]:
    """Every link in ``text``, in order; never overlapping."""
    links: list[Link] = []
    for match in _CANDIDATE.finditer(text):
        address = _trim(match.group())
        if not _HAS_HOST.match(address):
            continue
        href = address if address.lower().startswith("http") else f"http://{address}"
        links.append(Link(match.start(), match.start() + len(address), address, href))
    return links


def to_html(text: str) -> str:
    """``text`` HTML-escaped with its links as anchors; line breaks are kept as newlines,
    for a block styled ``white-space: pre-wrap``."""
    parts: list[str] = []
    position = 0
    for link in find_links(text):
        parts.append(html.escape(text[position : link.start]))
        parts.append(f'<a href="{html.escape(link.href)}">{html.escape(link.text)}</a>')
        position = link.end
    parts.append(html.escape(text[position:]))
    return "".join(parts)
