"""Links in message text, and message text as HTML that can never carry markup of its own."""

from __future__ import annotations

import html
import re

from hypothesis import given
from hypothesis import strategies as st

from messenger.text.links import find_links, to_html


def test_http_https_and_www_addresses_are_links() -> None:
    """Both schemes and bare www. hosts are found; www. gets an http:// scheme to open."""
    links = find_links("a http://a.org b https://b.org/x c www.c.org d")
    assert [(link.text, link.href) for link in links] == [
        ("http://a.org", "http://a.org"),
        ("https://b.org/x", "https://b.org/x"),
        ("www.c.org", "http://www.c.org"),
    ]


def test_query_strings_stay_whole_and_are_escaped_in_the_attribute() -> None:
    """An address with & and = keeps its query; the HTML escapes it, the address does not change."""
    text = "see https://example.com/search?q=a+b&lang=en#top now"
    (link,) = find_links(text)
    assert link.href == "https://example.com/search?q=a+b&lang=en#top"
    assert to_html(text) == (
        'see <a href="https://example.com/search?q=a+b&amp;lang=en#top">'
        "https://example.com/search?q=a+b&amp;lang=en#top</a> now"
    )


def test_sentence_punctuation_is_not_part_of_the_address() -> None:
    """A full stop, comma or closing bracket after an address ends the sentence, not the link."""
    assert [lk.text for lk in find_links("Go to https://a.org/x. Then (www.b.org), ok?")] == [
        "https://a.org/x",
        "www.b.org",
    ]


def test_balanced_parentheses_belong_to_the_address() -> None:
    """Wikipedia-style addresses keep their closing parenthesis."""
    (link,) = find_links("(see https://en.wikipedia.org/wiki/Python_(language))")
    assert link.text == "https://en.wikipedia.org/wiki/Python_(language)"


def test_hostile_text_is_escaped() -> None:
    """Markup in a message is shown as text: no script, no tag, no attribute breaks out."""
    text = '<script>alert(1)</script> <img src=x onerror=alert(1)> "quoted" & more'
    out = to_html(text)
    assert "<script" not in out and "<img" not in out
    assert html.unescape(out) == text


def test_quotes_cannot_leave_the_href_attribute() -> None:
    """A quote ends an address, so it never reaches the href; an apostrophe inside is escaped."""
    out = to_html("https://x.org/a'b\"onmouseover=alert(1)")
    assert out == (
        '<a href="https://x.org/a&#x27;b">https://x.org/a&#x27;b</a>&quot;onmouseover=alert(1)'
    )


def test_other_schemes_and_words_are_not_links() -> None:
    """javascript:, ftp:, e-mail addresses and words merely containing "www." stay text."""
    assert find_links("javascript:alert(1) ftp://x.org me@www.x.org awww.x.org http://") == []


@given(st.text())
def test_escaped_html_shows_exactly_the_text(text: str) -> None:
    """Whatever the text, the HTML without its anchors unescapes to the text itself."""
    out = to_html(text)
    visible = re.sub(r'<a href="[^"]*">|</a>', "", out)
    assert "<" not in visible and ">" not in visible
    assert html.unescape(visible) == text


@given(st.text())
def test_links_are_in_order_and_never_overlap(text: str) -> None:
    """Found links are slices of the text, in order, never overlapping."""
    end = 0
    for link in find_links(text):
        assert link.start >= end and text[link.start : link.end] == link.text
        end = link.end
