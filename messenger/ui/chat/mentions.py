"""``@name`` mentions in room messages: found in text as the server finds them, drawn as
mentions in a bubble, and the word being typed in the composer that @-completion completes.

The server decides who a message mentions (members at the moment it is stored) and says so
in ``mentions``; this module only finds where those names stand in the text, using the
same rule (``messenger.protocol.rooms``), so what is styled is what was notified.
"""

from __future__ import annotations

import html
import re

from messenger.protocol.rooms import mentioned_names
from messenger.text.links import find_links

# As the server's rule: "@" not preceded by a name character, then 3-32 name characters;
# a trailing "." or "-" ends the sentence, not the name.
_MENTION = re.compile(r"(?<![A-Za-z0-9._-])@([A-Za-z0-9._-]{3,32})")
# The word being typed at the cursor, when it is a mention begun with "@" (maybe just "@").
_TYPING = re.compile(r"(?<![A-Za-z0-9._-])@([A-Za-z0-9._-]{0,32})$")


def mentions_in(text: str, members: set[str]) -> list[str]:
    """The members ``text`` mentions, as the server will compute them (for an unsent message)."""
    return [name for name in mentioned_names(text) if name in members]


def mention_html(text: str, mentions: set[str], style: str) -> str:
    """``text`` as safe HTML with its links as anchors and the ``@name`` of each mentioned
    username in a span styled ``style`` (a mention inside a link stays part of the link)."""
    parts: list[str] = []
    position = 0
    for link in find_links(text):
        parts.append(_plain(text[position : link.start], mentions, style))
        parts.append(f'<a href="{html.escape(link.href)}">{html.escape(link.text)}</a>')
        position = link.end
    parts.append(_plain(text[position:], mentions, style))
    return "".join(parts)


def _plain(text: str, mentions: set[str], style: str) -> str:
    if not mentions or "@" not in text:
        return html.escape(text)
    parts: list[str] = []
    position = 0
    for match in _MENTION.finditer(text):
        raw = match.group(1).rstrip(".-")
        if raw.lower() not in mentions:
            continue
        end = match.start() + 1 + len(raw)
        parts.append(html.escape(text[position : match.start()]))
        parts.append(f'<span style="{style}">@{html.escape(raw)}</span>')
        position = end
    parts.append(html.escape(text[position:]))
    return "".join(parts)


def typed_mention(before_cursor: str) -> str | None:
    """The name typed so far after an ``@`` right before the cursor ("" just after the
    ``@``), or None when the cursor is not in a mention."""
    found = _TYPING.search(before_cursor)
    return None if found is None else found.group(1)
